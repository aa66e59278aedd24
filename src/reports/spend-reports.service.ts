import { Inject, Injectable } from '@nestjs/common';
import { toTokenHash } from '../keys/key-secret';
import { daysOf, type DayRange } from './report-dates';
import {
  shapeCustomerReport,
  shapeDailySpend,
  shapeKeyReport,
  shapeTeamOverview,
  shapeTeamReport,
  type CustomerSpendReportDay,
  type DailySpendEntry,
  type DailySpendGroup,
  type GroupedSpendRow,
  type KeyModelSpendRow,
  type KeySpendReportEntry,
  type TeamDaySpendRow,
  type TeamSpendOverview,
  type TeamSpendReportDay,
} from './spend-aggregation';
import { SPEND_LOG_COLUMNS, toIsoInstant, toNumber, toSpendLogView, type SpendLogRecord, type SpendLogView } from './spend-log-view';
import { addScopeCondition, type SpendScope } from './spend-scope';
import { SPEND_REPORTS_SQL, type SqlRunner } from './sql-runner';

/** Filters of `/spend/logs` and the export; all optional, combined with AND. */
export interface SpendLogFilter {
  requestId?: string;
  /** A plaintext `sk-…` key or its sha256 hash. */
  apiKey?: string;
  /** The internal user owning the key (the `user` column). */
  userId?: string;
  teamId?: string;
}

export interface SpendLogPage {
  /** Rows per page, 1…MAX_SPEND_LOG_PAGE. */
  limit: number;
  /** 1-based page number. */
  page: number;
}

export const MAX_SPEND_LOG_PAGE = 1000;

export interface TagSpend {
  individual_request_tag: string;
  log_count: number;
  total_spend: number;
}

export type SpendReportGroupBy = 'team' | 'customer' | 'api_key';

export interface GlobalKeySpend {
  api_key: string;
  key_alias: string | null;
  key_name: string | null;
  total_spend: number;
}

export interface GlobalModelSpend {
  model: string;
  total_spend: number;
}

export interface GlobalEndUserSpend {
  end_user: string | null;
  total_count: number;
  total_spend: number;
}

export interface GlobalTagSpend {
  spend_per_tag: { name: string; spend: number; log_count: number }[];
}

/** A virtual key with its spend, as `/spend/keys` lists it (never the key itself, only its hash). */
export interface KeySpendRow {
  token: string;
  key_name: string;
  key_alias: string | null;
  spend: number;
  max_budget: number | null;
  user_id: string | null;
  team_id: string | null;
  models: string[];
  budget_duration: string | null;
  budget_reset_at: string | null;
  expires: string | null;
  blocked: boolean;
  created_at: string;
}

/** An internal user with their spend, as `/spend/users` lists them. */
export interface UserSpendRow {
  user_id: string;
  user_email: string | null;
  user_alias: string | null;
  user_role: string;
  teams: string[];
  organization_id: string | null;
  spend: number;
  max_budget: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  models: string[];
  created_at: string;
}

/** What LiteLLM's admin UI shows as "last 30 days". */
const RECENT_WINDOW_DAYS = 30;
const MAX_LIST_ROWS = 10_000;
/** The first UTC day of the recent window ($1 = RECENT_WINDOW_DAYS), for the per-day counters. */
const RECENT_FIRST_DAY = `(now() AT TIME ZONE 'UTC')::date - $1::int`;

/**
 * Read side of the spend ledger: every report is one parameterised query over `tollgate_spend_logs` (or the tag
 * tables), aggregated in SQL and shaped in TypeScript. Callers' scopes are applied in SQL, never after fetching.
 */
@Injectable()
export class SpendReportsService {
  constructor(@Inject(SPEND_REPORTS_SQL) private readonly sql: SqlRunner) {}

  /**
   * Spend log rows matching the filters, newest first, one page at a time.
   */
  async listLogs(scope: SpendScope, filter: SpendLogFilter, page: SpendLogPage): Promise<SpendLogView[]> {
    const params: unknown[] = [];
    const where = logConditions(scope, filter, null, params);
    const limit = clamp(page.limit, 1, MAX_SPEND_LOG_PAGE);
    const offset = (Math.max(1, Math.floor(page.page)) - 1) * limit;
    const rows = await this.sql.query<SpendLogRecord>(
      `SELECT ${SPEND_LOG_COLUMNS} FROM "tollgate_spend_logs" sl ${whereClause(where)}
       ORDER BY sl."start_time" DESC, sl."request_id" DESC
       LIMIT $${params.push(limit)} OFFSET $${params.push(offset)}`,
      params,
    );
    return rows.map(toSpendLogView);
  }

  /**
   * LiteLLM's per-day view of `/spend/logs?start_date&end_date`: one entry per day of the range with the day's
   * spend, per user, per model and per key hash.
   */
  async dailySpend(scope: SpendScope, filter: SpendLogFilter, range: DayRange): Promise<DailySpendEntry[]> {
    const params: unknown[] = [];
    const where = logConditions(scope, filter, range, params);
    const groups = await this.sql.query<DailySpendGroup>(
      `SELECT ${utcDay('sl."start_time"')} AS "day", sl."api_key", sl."user", sl."model", SUM(sl."spend")::float8 AS "spend"
       FROM "tollgate_spend_logs" sl ${whereClause(where)}
       GROUP BY 1, 2, 3, 4`,
      params,
    );
    return shapeDailySpend(groups, daysOf(range));
  }

  /**
   * Spend per request tag, highest first. The whole proxy's totals come from the ledger's counters: per tag for all
   * time, per tag and UTC day for a range. A scoped caller's come from their own rows and the tags on them.
   */
  async tagSpend(scope: SpendScope, range: DayRange | null): Promise<TagSpend[]> {
    if (scope.kind === 'all') {
      const rows = range
        ? await this.tagDays(range, null)
        : await this.sql.query<{ tag: string; log_count: number | string; spend: number | string }>(
            `SELECT "tag", "log_count"::float8 AS "log_count", "spend"::float8 AS "spend" FROM "tollgate_tag_spend"
             WHERE "log_count" > 0 ORDER BY "spend" DESC, "tag"`,
          );
      return rows.map((row) => ({ individual_request_tag: row.tag, log_count: toNumber(row.log_count), total_spend: toNumber(row.spend) }));
    }
    const params: unknown[] = [];
    const where: string[] = [];
    if (range) where.push(`sl."start_time" >= $${params.push(range.start)}`, `sl."start_time" < $${params.push(range.endExclusive)}`);
    addScopeCondition(scope, 'sl', where, params);
    const rows = await this.sql.query<{ tag: string; log_count: number | string; spend: number | string }>(
      `SELECT t."tag", COUNT(*)::float8 AS "log_count", COALESCE(SUM(sl."spend"), 0)::float8 AS "spend"
       FROM "tollgate_spend_logs" sl CROSS JOIN LATERAL unnest(sl."request_tags") AS t("tag")
       ${whereClause(where)}
       GROUP BY t."tag" ORDER BY 3 DESC, 1`,
      params,
    );
    return rows.map((row) => ({ individual_request_tag: row.tag, log_count: toNumber(row.log_count), total_spend: toNumber(row.spend) }));
  }

  /** Per-tag totals of the UTC days of `range` from the ledger's day counters, all tags or the listed ones. */
  private tagDays(range: DayRange, tags: readonly string[] | null): Promise<{ tag: string; log_count: number | string; spend: number | string }[]> {
    const params: unknown[] = [range.start, range.endExclusive];
    const where = ['"day" >= ($1::timestamptz AT TIME ZONE \'UTC\')::date', '"day" < ($2::timestamptz AT TIME ZONE \'UTC\')::date'];
    if (tags) where.push(`"tag" = ANY($${params.push(tags)}::text[])`);
    return this.sql.query(
      `SELECT "tag", SUM("log_count")::float8 AS "log_count", SUM("spend")::float8 AS "spend"
       FROM "tollgate_spend_tag_days" ${whereClause(where)}
       GROUP BY "tag" HAVING SUM("log_count") > 0 ORDER BY 3 DESC, 1`,
      params,
    );
  }

  /** `/global/spend/report` grouped by team alias or by customer: per day, per group, spend per (model, key). */
  async groupedReport(range: DayRange, groupBy: 'team' | 'customer'): Promise<TeamSpendReportDay[] | CustomerSpendReportDay[]> {
    const params: unknown[] = [range.start, range.endExclusive];
    const group = groupBy === 'team' ? `COALESCE(tt."team_alias", 'Unassigned Team')` : 'sl."end_user"';
    const join = groupBy === 'team' ? 'LEFT JOIN "tollgate_teams" tt ON tt."team_id" = sl."team_id"' : '';
    const rows = await this.sql.query<GroupedSpendRow>(
      `SELECT ${utcDay('sl."start_time"')} AS "day", ${group} AS "group_name", sl."model", sl."api_key",
              SUM(sl."spend")::float8 AS "spend", SUM(sl."total_tokens")::float8 AS "total_tokens"
       FROM "tollgate_spend_logs" sl ${join}
       WHERE sl."start_time" >= $1 AND sl."start_time" < $2
       GROUP BY 1, 2, 3, 4
       ORDER BY 1, 2 NULLS LAST, 3, 4`,
      params,
    );
    return groupBy === 'team' ? shapeTeamReport(rows) : shapeCustomerReport(rows);
  }

  /** `/global/spend/report` per key (optionally one key, or the keys of one internal user): totals and per-model details. */
  async keyReport(range: DayRange, filter: { apiKey?: string; internalUserId?: string }): Promise<KeySpendReportEntry[]> {
    const params: unknown[] = [range.start, range.endExclusive];
    const where = ['sl."start_time" >= $1', 'sl."start_time" < $2'];
    if (filter.apiKey) where.push(`sl."api_key" = $${params.push(toTokenHash(filter.apiKey))}`);
    if (filter.internalUserId) where.push(`sl."user" = $${params.push(filter.internalUserId)}`);
    const rows = await this.sql.query<KeyModelSpendRow>(
      `SELECT sl."api_key", sl."model", SUM(sl."spend")::float8 AS "total_cost",
              SUM(sl."prompt_tokens")::float8 AS "total_input_tokens", SUM(sl."completion_tokens")::float8 AS "total_output_tokens"
       FROM "tollgate_spend_logs" sl ${whereClause(where)}
       GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2`,
      params,
    );
    return shapeKeyReport(rows);
  }

  /** The keys with the highest spend over the last 30 days (LiteLLM's `Last30dKeysBySpend`). */
  async topKeys(limit: number): Promise<GlobalKeySpend[]> {
    // Top N by hash first, then their alias and name: joining every row of the window to its key first costs a
    // lookup per call (minutes at millions of calls), this one per listed key.
    const rows = await this.sql.query<GlobalKeySpend>(
      `SELECT top."api_key", vk."key_alias", vk."key_name", top."total_spend"
       FROM (SELECT sl."api_key", SUM(sl."spend")::float8 AS "total_spend" FROM "tollgate_spend_logs" sl
             WHERE sl."start_time" >= now() - make_interval(days => $1)
             GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT $2) top
       LEFT JOIN "tollgate_virtual_keys" vk ON vk."token" = top."api_key"
       ORDER BY 4 DESC, 1`,
      [RECENT_WINDOW_DAYS, clamp(limit, 1, MAX_LIST_ROWS)],
    );
    return rows.map((row) => ({ ...row, total_spend: toNumber(row.total_spend) }));
  }

  /**
   * The models with the highest spend over the last 30 days (LiteLLM's `Last30dModelsBySpend`: from the UTC day 30
   * days ago on), from the ledger's per-day model counters.
   */
  async topModels(limit: number): Promise<GlobalModelSpend[]> {
    const rows = await this.sql.query<GlobalModelSpend>(
      `SELECT "model", SUM("spend")::float8 AS "total_spend"
       FROM "tollgate_spend_model_days"
       WHERE "day" >= ${RECENT_FIRST_DAY} AND "model" <> ''
       GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT $2`,
      [RECENT_WINDOW_DAYS, clamp(limit, 1, MAX_LIST_ROWS)],
    );
    return rows.map((row) => ({ model: row.model, total_spend: toNumber(row.total_spend) }));
  }

  /**
   * Daily spend per team alias over the last 30 days (from the UTC day 30 days ago on), in LiteLLM's
   * `/global/spend/teams` chart shape, from the ledger's per-day team counters.
   */
  async teamOverview(): Promise<TeamSpendOverview> {
    const rows = await this.sql.query<TeamDaySpendRow>(
      `SELECT to_char(d."day", 'YYYY-MM-DD') AS "spend_date", tt."team_alias", SUM(d."spend")::float8 AS "total_spend"
       FROM "tollgate_spend_team_days" d LEFT JOIN "tollgate_teams" tt ON tt."team_id" = d."team_id"
       WHERE d."day" >= ${RECENT_FIRST_DAY} AND d."requests" > 0
       GROUP BY 1, 2 ORDER BY 1, 2`,
      [RECENT_WINDOW_DAYS],
    );
    return shapeTeamOverview(rows);
  }

  /**
   * The 100 end users with the highest spend in `[from, to)`, optionally for one key (LiteLLM's
   * `/global/spend/end_users`).
   */
  async topEndUsers(from: Date, to: Date, apiKey: string | undefined): Promise<GlobalEndUserSpend[]> {
    const params: unknown[] = [from, to];
    const where = ['sl."start_time" >= $1', 'sl."start_time" < $2'];
    if (apiKey) where.push(`sl."api_key" = $${params.push(toTokenHash(apiKey))}`);
    const rows = await this.sql.query<GlobalEndUserSpend>(
      `SELECT sl."end_user", COUNT(*)::float8 AS "total_count", SUM(sl."spend")::float8 AS "total_spend"
       FROM "tollgate_spend_logs" sl ${whereClause(where)}
       GROUP BY 1 ORDER BY 3 DESC, 1 NULLS LAST LIMIT 100`,
      params,
    );
    return rows.map((row) => ({ end_user: row.end_user, total_count: toNumber(row.total_count), total_spend: toNumber(row.total_spend) }));
  }

  /** Spend per tag in the range, all tags or the listed ones (`all-tags` means all), in LiteLLM's UI shape. */
  async tagSpendForUi(range: DayRange, tags: readonly string[] | null): Promise<GlobalTagSpend> {
    const rows = await this.tagDays(range, tags && !tags.includes('all-tags') ? tags : null);
    return { spend_per_tag: rows.map((row) => ({ name: row.tag, spend: toNumber(row.spend), log_count: toNumber(row.log_count) })) };
  }

  /** Virtual keys with their spend, highest first: all of them for admins, the caller's own otherwise. */
  async keysWithSpend(scope: SpendScope, limit: number): Promise<KeySpendRow[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (scope.kind === 'user') where.push(`"user_id" = $${params.push(scope.userId)}`);
    else if (scope.kind === 'key') where.push(`"token" = $${params.push(scope.apiKeyHash)}`);
    const rows = await this.sql.query<Record<string, unknown>>(
      `SELECT "token", "key_name", "key_alias", "spend"::float8 AS "spend", "max_budget"::float8 AS "max_budget", "user_id", "team_id",
              "models", "budget_duration", "budget_reset_at", "expires", "blocked", "created_at"
       FROM "tollgate_virtual_keys" ${whereClause(where)}
       ORDER BY "spend" DESC, "created_at" DESC, "token" LIMIT $${params.push(clamp(limit, 1, MAX_LIST_ROWS))}`,
      params,
    );
    return rows.map((row) => ({
      token: row.token as string,
      key_name: row.key_name as string,
      key_alias: row.key_alias as string | null,
      spend: toNumber(row.spend as number),
      max_budget: row.max_budget === null ? null : toNumber(row.max_budget as number),
      user_id: row.user_id as string | null,
      team_id: row.team_id as string | null,
      models: (row.models as string[] | null) ?? [],
      budget_duration: row.budget_duration as string | null,
      budget_reset_at: optionalInstant(row.budget_reset_at),
      expires: optionalInstant(row.expires),
      blocked: row.blocked === true,
      created_at: toIsoInstant(row.created_at as Date | string),
    }));
  }

  /** Internal users with their spend, highest first (or the one asked for); a scoped caller sees only themself. */
  async usersWithSpend(scope: SpendScope, userId: string | undefined, limit: number): Promise<UserSpendRow[]> {
    if (scope.kind === 'key') return [];
    const params: unknown[] = [];
    const where: string[] = [];
    if (scope.kind === 'user') where.push(`"user_id" = $${params.push(scope.userId)}`);
    if (userId !== undefined) where.push(`"user_id" = $${params.push(userId)}`);
    const rows = await this.sql.query<Record<string, unknown>>(
      `SELECT "user_id", "user_email", "user_alias", "user_role", "teams", "organization_id", "spend"::float8 AS "spend",
              "max_budget"::float8 AS "max_budget", "budget_duration", "budget_reset_at", "models", "created_at"
       FROM "tollgate_users" ${whereClause(where)}
       ORDER BY "spend" DESC, "user_id" LIMIT $${params.push(clamp(limit, 1, MAX_LIST_ROWS))}`,
      params,
    );
    return rows.map((row) => ({
      user_id: row.user_id as string,
      user_email: row.user_email as string | null,
      user_alias: row.user_alias as string | null,
      user_role: row.user_role as string,
      teams: (row.teams as string[] | null) ?? [],
      organization_id: row.organization_id as string | null,
      spend: toNumber(row.spend as number),
      max_budget: row.max_budget === null ? null : toNumber(row.max_budget as number),
      budget_duration: row.budget_duration as string | null,
      budget_reset_at: optionalInstant(row.budget_reset_at),
      models: (row.models as string[] | null) ?? [],
      created_at: toIsoInstant(row.created_at as Date | string),
    }));
  }
}

/**
 * The WHERE conditions on spend log alias `sl` for a scope, filters and optional range, in an order that lets
 * PostgreSQL use the (api_key|team_id|user, start_time) indexes.
 */
export function logConditions(scope: SpendScope, filter: SpendLogFilter, range: DayRange | null, params: unknown[]): string[] {
  const where: string[] = [];
  if (filter.requestId !== undefined) where.push(`sl."request_id" = $${params.push(filter.requestId)}`);
  if (filter.apiKey !== undefined) where.push(`sl."api_key" = $${params.push(toTokenHash(filter.apiKey))}`);
  if (filter.userId !== undefined) where.push(`sl."user" = $${params.push(filter.userId)}`);
  if (filter.teamId !== undefined) where.push(`sl."team_id" = $${params.push(filter.teamId)}`);
  addScopeCondition(scope, 'sl', where, params);
  if (range) where.push(`sl."start_time" >= $${params.push(range.start)}`, `sl."start_time" < $${params.push(range.endExclusive)}`);
  return where;
}

export function whereClause(conditions: readonly string[]): string {
  return conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
}

/** The UTC calendar day of a timestamptz expression as `YYYY-MM-DD`, whatever the session time zone. */
function utcDay(expression: string): string {
  return `to_char(${expression} AT TIME ZONE 'UTC', 'YYYY-MM-DD')`;
}

function clamp(value: number, min: number, max: number): number {
  return Number.isFinite(value) ? Math.min(max, Math.max(min, Math.floor(value))) : min;
}

function optionalInstant(value: unknown): string | null {
  return value === null || value === undefined ? null : toIsoInstant(value as Date | string);
}
