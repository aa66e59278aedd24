import { Inject, Injectable } from '@nestjs/common';
import { daysOf, type DayRange } from './report-dates';
import {
  shapeModelAnalyticsDays,
  shapeModelMetrics,
  toModelAnalyticsEntry,
  type ModelAnalyticsDay,
  type ModelAnalyticsEntry,
  type ModelDaySums,
  type ModelMetrics,
  type ModelMetricsRow,
} from './model-analytics';
import { SPEND_REPORTS_SQL, type SqlRunner } from './sql-runner';

const SUMS = `
  SUM("requests")::float8 AS "requests", SUM("failures")::float8 AS "failures",
  SUM("timed_requests")::float8 AS "timed_requests", SUM("latency_ms_sum")::float8 AS "latency_ms_sum",
  SUM("token_timed_requests")::float8 AS "token_timed_requests", SUM("latency_per_token_ms_sum")::float8 AS "latency_per_token_ms_sum",
  SUM("spend")::float8 AS "spend", SUM("prompt_tokens")::float8 AS "prompt_tokens", SUM("completion_tokens")::float8 AS "completion_tokens"`;

/** The days of a range as conditions on `tollgate_spend_model_days."day"`, values appended to `params`. */
function dayConditions(range: DayRange, params: unknown[]): string[] {
  return [`"day" >= $${params.push(range.firstDay)}::date`, `"day" <= $${params.push(range.lastDay)}::date`];
}

/**
 * Per-model analytics for the Admin UI and LiteLLM's `/model/metrics`, read from the ledger's per-day model
 * counters (`tollgate_spend_model_days`), never from the spend logs: a range costs a few rows per day and
 * deployment whatever the call volume, and retention pruning old logs does not erase the history.
 */
@Injectable()
export class ModelAnalyticsService {
  constructor(@Inject(SPEND_REPORTS_SQL) private readonly sql: SqlRunner) {}

  /** Each model group's totals over the range, busiest first. */
  async byModelGroup(range: DayRange): Promise<ModelAnalyticsEntry[]> {
    const params: unknown[] = [];
    const rows = await this.sql.query<ModelDaySums & { model_group: string }>(
      `SELECT "model_group", ${SUMS} FROM "tollgate_spend_model_days"
       WHERE ${dayConditions(range, params).join(' AND ')}
       GROUP BY "model_group" ORDER BY 2 DESC, 1`,
      params,
    );
    return rows.map((row) => toModelAnalyticsEntry(row.model_group, row));
  }

  /** Per day of the range (every day, oldest first): one model group's figures, or all groups together. */
  async daily(range: DayRange, modelGroup: string | undefined): Promise<ModelAnalyticsDay[]> {
    const params: unknown[] = [];
    const where = dayConditions(range, params);
    if (modelGroup !== undefined) where.push(`"model_group" = $${params.push(modelGroup)}`);
    const rows = await this.sql.query<ModelDaySums & { day: string }>(
      `SELECT to_char("day", 'YYYY-MM-DD') AS "day", ${SUMS} FROM "tollgate_spend_model_days"
       WHERE ${where.join(' AND ')} GROUP BY "day"`,
      params,
    );
    return shapeModelAnalyticsDays(rows, daysOf(range));
  }

  /** LiteLLM's `/model/metrics`: average seconds per output token per day and deployment, one model group or all. */
  async latencyPerToken(range: DayRange, modelGroup: string | undefined): Promise<ModelMetrics> {
    const params: unknown[] = [];
    const where = dayConditions(range, params);
    if (modelGroup !== undefined) where.push(`"model_group" = $${params.push(modelGroup)}`);
    const rows = await this.sql.query<ModelMetricsRow>(
      `SELECT to_char("day", 'YYYY-MM-DD') AS "day", "model", "api_base",
              SUM("token_timed_requests")::float8 AS "token_timed_requests", SUM("latency_per_token_ms_sum")::float8 AS "latency_per_token_ms_sum"
       FROM "tollgate_spend_model_days" WHERE ${where.join(' AND ')}
       GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      params,
    );
    return shapeModelMetrics(rows);
  }
}
