import { shapeModelAnalyticsDays, shapeModelMetrics, toModelAnalyticsEntry, type ModelDaySums } from './model-analytics';

const sums = (overrides: Partial<ModelDaySums> = {}): ModelDaySums => ({
  requests: 4,
  failures: 1,
  timed_requests: 2,
  latency_ms_sum: 300,
  token_timed_requests: 2,
  latency_per_token_ms_sum: 30,
  spend: 0.75,
  prompt_tokens: 40,
  completion_tokens: 20,
  ...overrides,
});

describe(toModelAnalyticsEntry.name, () => {
  it('should turn sums into averages per measured call, and pg strings into numbers', () => {
    expect(toModelAnalyticsEntry('gpt-4o', sums({ requests: '4', latency_ms_sum: '300' }))).toEqual({
      model_group: 'gpt-4o',
      requests: 4,
      failures: 1,
      avg_latency_ms: 150,
      avg_latency_per_output_token_ms: 15,
      spend: 0.75,
      prompt_tokens: 40,
      completion_tokens: 20,
    });
  });

  it('should give null averages when no call was measured (only failures or cache hits), never NaN', () => {
    const entry = toModelAnalyticsEntry('down', sums({ failures: 4, timed_requests: 0, latency_ms_sum: 0, token_timed_requests: 0, latency_per_token_ms_sum: 0 }));
    expect(entry.avg_latency_ms).toBeNull();
    expect(entry.avg_latency_per_output_token_ms).toBeNull();
  });
});

describe(shapeModelAnalyticsDays.name, () => {
  it('should list every day asked for, zeros on days without calls', () => {
    const days = shapeModelAnalyticsDays([{ day: '2024-05-02', ...sums() }], ['2024-05-01', '2024-05-02', '2024-05-03']);
    expect(days.map((day) => [day.date, day.requests])).toEqual([
      ['2024-05-01', 0],
      ['2024-05-02', 4],
      ['2024-05-03', 0],
    ]);
    expect(days[0]).toEqual({ date: '2024-05-01', requests: 0, failures: 0, avg_latency_ms: null, avg_latency_per_output_token_ms: null, spend: 0 });
    expect(days[1]).toEqual({ date: '2024-05-02', requests: 4, failures: 1, avg_latency_ms: 150, avg_latency_per_output_token_ms: 15, spend: 0.75 });
  });
});

describe(shapeModelMetrics.name, () => {
  it("should key each day's entry by api base when it is a URL, else by model, in seconds per token", () => {
    const metrics = shapeModelMetrics([
      { day: '2024-05-02', model: 'gpt-4o', api_base: 'https://eu.example.com', token_timed_requests: 2, latency_per_token_ms_sum: 40 },
      { day: '2024-05-01', model: 'gpt-4o', api_base: 'https://eu.example.com', token_timed_requests: 4, latency_per_token_ms_sum: 40 },
      { day: '2024-05-01', model: 'llama-3', api_base: '', token_timed_requests: 1, latency_per_token_ms_sum: 5 },
      { day: '2024-05-01', model: 'never-answered', api_base: 'https://down.example.com', token_timed_requests: 0, latency_per_token_ms_sum: 0 },
    ]);
    expect(metrics).toEqual({
      data: [
        { date: '2024-05-01', 'https://eu.example.com': 0.01, 'llama-3': 0.005 },
        { date: '2024-05-02', 'https://eu.example.com': 0.02 },
      ],
      all_api_bases: ['https://eu.example.com'],
    });
  });
});
