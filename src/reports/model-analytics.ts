/**
 * Per-model analytics shaped from `tollgate_spend_model_days` sums: the SQL adds the day rows up, this turns the
 * sums into the averages the Admin UI's models page and LiteLLM's `/model/metrics` show. Averages are null when
 * no call measured them (a group with only failures has no latency), never a division by zero.
 */

/** Sums of the day rows of one group (a model group, a day, or a day and deployment). */
export interface ModelDaySums {
  requests: number | string;
  failures: number | string;
  /** Successful calls not served from the cache: the ones whose latency is the model's. */
  timed_requests: number | string;
  latency_ms_sum: number | string;
  /** Timed calls that produced completion tokens. */
  token_timed_requests: number | string;
  latency_per_token_ms_sum: number | string;
  spend: number | string;
  prompt_tokens: number | string;
  completion_tokens: number | string;
}

export interface ModelAnalyticsEntry {
  model_group: string;
  requests: number;
  failures: number;
  avg_latency_ms: number | null;
  avg_latency_per_output_token_ms: number | null;
  spend: number;
  prompt_tokens: number;
  completion_tokens: number;
}

export interface ModelAnalyticsDay {
  date: string;
  requests: number;
  failures: number;
  avg_latency_ms: number | null;
  avg_latency_per_output_token_ms: number | null;
  spend: number;
}

/** LiteLLM's `/model/metrics`: per day, the average seconds per output token of each deployment. */
export interface ModelMetrics {
  data: ({ date: string } & Record<string, number | string>)[];
  all_api_bases: string[];
}

export interface ModelMetricsRow {
  day: string;
  model: string;
  api_base: string;
  token_timed_requests: number | string;
  latency_per_token_ms_sum: number | string;
}

export function toModelAnalyticsEntry(modelGroup: string, sums: ModelDaySums): ModelAnalyticsEntry {
  return {
    model_group: modelGroup,
    requests: num(sums.requests),
    failures: num(sums.failures),
    ...averages(sums),
    spend: num(sums.spend),
    prompt_tokens: num(sums.prompt_tokens),
    completion_tokens: num(sums.completion_tokens),
  };
}

/** One entry per day of `days`, oldest first; a day without calls is all zeros (a chart needs the gap). */
export function shapeModelAnalyticsDays(rows: readonly (ModelDaySums & { day: string })[], days: readonly string[]): ModelAnalyticsDay[] {
  const byDay = new Map(rows.map((row) => [row.day, row]));
  return days.map((date) => {
    const sums = byDay.get(date);
    if (!sums) return { date, requests: 0, failures: 0, avg_latency_ms: null, avg_latency_per_output_token_ms: null, spend: 0 };
    return { date, requests: num(sums.requests), failures: num(sums.failures), ...averages(sums), spend: num(sums.spend) };
  });
}

/**
 * LiteLLM's `/model/metrics` body: one entry per day (oldest first) keyed by deployment, which LiteLLM names by
 * its api base when that is a URL and by its model otherwise; values in seconds per output token.
 */
export function shapeModelMetrics(rows: readonly ModelMetricsRow[]): ModelMetrics {
  const days = new Map<string, { date: string } & Record<string, number | string>>();
  const apiBases = new Set<string>();
  for (const row of rows) {
    const timed = num(row.token_timed_requests);
    if (timed === 0) continue;
    const name = row.api_base.startsWith('https://') || row.api_base.startsWith('http://') ? row.api_base : row.model;
    if (row.api_base !== '') apiBases.add(row.api_base);
    const entry = days.get(row.day) ?? { date: row.day };
    entry[name] = num(row.latency_per_token_ms_sum) / timed / 1000;
    days.set(row.day, entry);
  }
  return { data: [...days.values()].sort((a, b) => a.date.localeCompare(b.date)), all_api_bases: [...apiBases].sort() };
}

function averages(sums: ModelDaySums): Pick<ModelAnalyticsEntry, 'avg_latency_ms' | 'avg_latency_per_output_token_ms'> {
  const timed = num(sums.timed_requests);
  const tokenTimed = num(sums.token_timed_requests);
  return {
    avg_latency_ms: timed > 0 ? num(sums.latency_ms_sum) / timed : null,
    avg_latency_per_output_token_ms: tokenTimed > 0 ? num(sums.latency_per_token_ms_sum) / tokenTimed : null,
  };
}

/** pg returns BIGINT and NUMERIC as strings. */
function num(value: number | string): number {
  return typeof value === 'number' ? value : Number(value);
}
