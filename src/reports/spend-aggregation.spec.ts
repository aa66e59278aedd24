import { shapeDailySpend, shapeKeyReport, shapeTeamOverview, shapeTeamReport } from './spend-aggregation';

describe('spend aggregation shaping', () => {
  it('should build one entry per day with totals per user, model and key, zero days included', () => {
    const days = shapeDailySpend(
      [
        { day: '2024-05-01', api_key: 'k1', user: 'alice', model: 'm1', spend: 1 },
        { day: '2024-05-01', api_key: 'k2', user: null, model: 'm1', spend: '0.5' },
        { day: '2024-05-03', api_key: 'k1', user: 'alice', model: 'm2', spend: 2 },
        { day: '2024-06-01', api_key: 'k1', user: 'alice', model: 'm2', spend: 9 },
      ],
      ['2024-05-01', '2024-05-02', '2024-05-03'],
    );
    expect(days).toEqual([
      { startTime: '2024-05-01', spend: 1.5, users: { alice: 1, '': 0.5 }, models: { m1: 1.5 }, k1: 1, k2: 0.5 },
      { startTime: '2024-05-02', spend: 0, users: {}, models: {} },
      { startTime: '2024-05-03', spend: 2, users: { alice: 2 }, models: { m2: 2 }, k1: 2 },
    ]);
  });

  it('should keep ids like __proto__ as plain properties and never let a key shadow the fixed fields', () => {
    const [day] = shapeDailySpend([{ day: '2024-05-01', api_key: 'spend', user: '__proto__', model: 'constructor', spend: 1 }], ['2024-05-01']);
    expect(day.spend).toBe(1);
    expect(Object.keys(day.users)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(day.users)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(day))).toEqual({ startTime: '2024-05-01', spend: 1, users: { ['__proto__']: 1 }, models: { constructor: 1 } });
  });

  it('should group team rows by day and team with per (model, key) lines', () => {
    expect(
      shapeTeamReport([
        { day: '2024-05-01', group_name: 'A', model: 'm1', api_key: 'k1', spend: 1, total_tokens: 10 },
        { day: '2024-05-01', group_name: 'A', model: 'm2', api_key: 'k1', spend: 2, total_tokens: '20' },
        { day: '2024-05-01', group_name: null, model: 'm1', api_key: 'k2', spend: 4, total_tokens: 40 },
        { day: '2024-05-02', group_name: 'A', model: 'm1', api_key: 'k1', spend: 8, total_tokens: 80 },
      ]),
    ).toEqual([
      {
        group_by_day: '2024-05-01T00:00:00.000Z',
        teams: [
          {
            team_name: 'A',
            total_spend: 3,
            metadata: [
              { model: 'm1', api_key: 'k1', spend: 1, total_tokens: 10 },
              { model: 'm2', api_key: 'k1', spend: 2, total_tokens: 20 },
            ],
          },
          { team_name: 'Unassigned Team', total_spend: 4, metadata: [{ model: 'm1', api_key: 'k2', spend: 4, total_tokens: 40 }] },
        ],
      },
      { group_by_day: '2024-05-02T00:00:00.000Z', teams: [{ team_name: 'A', total_spend: 8, metadata: [{ model: 'm1', api_key: 'k1', spend: 8, total_tokens: 80 }] }] },
    ]);
  });

  it('should total keys over their models and order them by cost', () => {
    const report = shapeKeyReport([
      { api_key: 'k1', model: 'm1', total_cost: 1, total_input_tokens: 10, total_output_tokens: 1 },
      { api_key: 'k2', model: 'm1', total_cost: '5', total_input_tokens: '50', total_output_tokens: '5' },
      { api_key: 'k1', model: 'm2', total_cost: 2, total_input_tokens: 20, total_output_tokens: 2 },
    ]);
    expect(report.map((entry) => [entry.api_key, entry.total_cost, entry.total_input_tokens, entry.total_output_tokens, entry.model_details.length])).toEqual([
      ['k2', 5, 50, 5, 1],
      ['k1', 3, 30, 3, 2],
    ]);
  });

  it("should shape LiteLLM's team chart: per-day columns, team list and top 10 totals", () => {
    const rows = Array.from({ length: 12 }, (_, index) => ({ spend_date: '2024-05-01', team_alias: `t${index}`, total_spend: index }));
    rows.push({ spend_date: '2024-04-30', team_alias: null as unknown as string, total_spend: 100 });
    const overview = shapeTeamOverview(rows);
    expect(overview.daily_spend[0]).toEqual({ date: '2024-04-30', Unassigned: 100 });
    expect(overview.daily_spend[1]).toMatchObject({ date: '2024-05-01', t0: 0, t11: 11 });
    expect(overview.teams).toHaveLength(13);
    expect(overview.total_spend_per_team).toHaveLength(10);
    expect(overview.total_spend_per_team[0]).toEqual({ team_id: 'Unassigned', total_spend: 100 });
  });
});
