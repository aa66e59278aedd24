import { toNumber } from './spend-log-view';

/** Spend of one (day, key, user, model) combination, as the per-day `/spend/logs` query groups it. */
export interface DailySpendGroup {
  day: string;
  api_key: string;
  user: string | null;
  model: string;
  spend: number | string;
}

/**
 * One day of `/spend/logs?start_date&end_date` (LiteLLM): total `spend`, spend per user and per model, and
 * one extra property per key hash that spent that day (`<api_key_hash>: spend`).
 */
export interface DailySpendEntry {
  startTime: string;
  spend: number;
  users: Record<string, number>;
  models: Record<string, number>;
  [apiKeyHash: string]: string | number | Record<string, number>;
}

/**
 * Shapes grouped rows into one entry per day of `days` (days without spend included, at zero), oldest first.
 * A missing user is reported under `""`, LiteLLM's default for the column. Objects are built with
 * `Object.fromEntries` so ids such as `__proto__` become ordinary properties.
 */
export function shapeDailySpend(groups: readonly DailySpendGroup[], days: readonly string[]): DailySpendEntry[] {
  const byDay = new Map<string, { spend: number; users: Map<string, number>; models: Map<string, number>; keys: Map<string, number> }>();
  for (const day of days) byDay.set(day, { spend: 0, users: new Map(), models: new Map(), keys: new Map() });
  for (const group of groups) {
    const bucket = byDay.get(group.day);
    if (!bucket) continue;
    const spend = toNumber(group.spend);
    bucket.spend += spend;
    addTo(bucket.users, group.user ?? '', spend);
    addTo(bucket.models, group.model, spend);
    addTo(bucket.keys, group.api_key, spend);
  }
  return [...byDay.entries()].map(([day, bucket]) => {
    // Key hashes are 64 hex characters (or LiteLLM's empty default), so they never shadow the fixed fields.
    const perKey = Object.fromEntries([...bucket.keys].filter(([key]) => !RESERVED_DAY_FIELDS.has(key)));
    return {
      ...perKey,
      startTime: day,
      spend: bucket.spend,
      users: Object.fromEntries(bucket.users),
      models: Object.fromEntries(bucket.models),
    } as DailySpendEntry;
  });
}

const RESERVED_DAY_FIELDS = new Set(['startTime', 'spend', 'users', 'models']);

/** Spend of one (day, group, model, key) combination for `/global/spend/report` grouped by team or customer. */
export interface GroupedSpendRow {
  day: string;
  /** Team alias (`Unassigned Team` without one) or customer id (null without one). */
  group_name: string | null;
  model: string;
  api_key: string;
  spend: number | string;
  total_tokens: number | string;
}

export interface SpendReportLine {
  model: string;
  api_key: string;
  spend: number;
  total_tokens: number;
}

export interface TeamSpendReportDay {
  /** Midnight UTC of the day, ISO-8601 (LiteLLM returns `date_trunc('day', …)`). */
  group_by_day: string;
  teams: { team_name: string; total_spend: number; metadata: SpendReportLine[] }[];
}

export interface CustomerSpendReportDay {
  group_by_day: string;
  customers: { customer: string | null; total_spend: number; metadata: SpendReportLine[] }[];
}

/** `/global/spend/report?group_by=team`: per day, per team alias, the spend per (model, key). Rows must be ordered by day. */
export function shapeTeamReport(rows: readonly GroupedSpendRow[]): TeamSpendReportDay[] {
  return groupByDay(rows).map(({ day, groups }) => ({
    group_by_day: dayStart(day),
    teams: groups.map((group) => ({ team_name: group.name ?? 'Unassigned Team', total_spend: group.total, metadata: group.lines })),
  }));
}

/** `/global/spend/report?group_by=customer`: per day, per end user, the spend per (model, key). */
export function shapeCustomerReport(rows: readonly GroupedSpendRow[]): CustomerSpendReportDay[] {
  return groupByDay(rows).map(({ day, groups }) => ({
    group_by_day: dayStart(day),
    customers: groups.map((group) => ({ customer: group.name, total_spend: group.total, metadata: group.lines })),
  }));
}

/** Spend of one (key, model) combination for `/global/spend/report?group_by=api_key`. */
export interface KeyModelSpendRow {
  api_key: string;
  model: string;
  total_cost: number | string;
  total_input_tokens: number | string;
  total_output_tokens: number | string;
}

export interface ModelSpendDetail {
  model: string;
  total_cost: number;
  total_input_tokens: number;
  total_output_tokens: number;
}

export interface KeySpendReportEntry {
  api_key: string;
  total_cost: number;
  total_input_tokens: number;
  total_output_tokens: number;
  model_details: ModelSpendDetail[];
}

/** Per key: totals and the per-model breakdown, keys ordered by total cost, highest first (LiteLLM). */
export function shapeKeyReport(rows: readonly KeyModelSpendRow[]): KeySpendReportEntry[] {
  const byKey = new Map<string, KeySpendReportEntry>();
  for (const row of rows) {
    let entry = byKey.get(row.api_key);
    if (!entry) {
      entry = { api_key: row.api_key, total_cost: 0, total_input_tokens: 0, total_output_tokens: 0, model_details: [] };
      byKey.set(row.api_key, entry);
    }
    const detail: ModelSpendDetail = {
      model: row.model,
      total_cost: toNumber(row.total_cost),
      total_input_tokens: toNumber(row.total_input_tokens),
      total_output_tokens: toNumber(row.total_output_tokens),
    };
    entry.model_details.push(detail);
    entry.total_cost += detail.total_cost;
    entry.total_input_tokens += detail.total_input_tokens;
    entry.total_output_tokens += detail.total_output_tokens;
  }
  return [...byKey.values()].sort((a, b) => b.total_cost - a.total_cost || a.api_key.localeCompare(b.api_key));
}

/** Spend of one team alias on one day, for `/global/spend/teams`. */
export interface TeamDaySpendRow {
  spend_date: string;
  team_alias: string | null;
  total_spend: number | string;
}

export interface TeamSpendOverview {
  /** One entry per day: `{date, <team alias>: spend, …}`. */
  daily_spend: Record<string, string | number>[];
  /** Every team alias with spend in the window. */
  teams: string[];
  /** The ten teams with the highest spend (`team_id` holds the alias, as in LiteLLM). */
  total_spend_per_team: { team_id: string; total_spend: number }[];
}

/** LiteLLM's `/global/spend/teams` shape for the admin UI's team chart. Teams without an alias are `Unassigned`. */
export function shapeTeamOverview(rows: readonly TeamDaySpendRow[]): TeamSpendOverview {
  const perDay = new Map<string, [string, number][]>();
  const totals = new Map<string, number>();
  for (const row of rows) {
    const alias = row.team_alias ?? 'Unassigned';
    const spend = toNumber(row.total_spend);
    const day = perDay.get(row.spend_date) ?? [];
    day.push([alias, spend]);
    perDay.set(row.spend_date, day);
    addTo(totals, alias, spend);
  }
  return {
    daily_spend: [...perDay.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([date, spends]) => ({ ...Object.fromEntries(spends.filter(([alias]) => alias !== 'date')), date })),
    teams: [...totals.keys()],
    total_spend_per_team: [...totals.entries()]
      .sort(([, a], [, b]) => b - a)
      .slice(0, 10)
      .map(([team, total]) => ({ team_id: team, total_spend: total })),
  };
}

interface DayGroups {
  day: string;
  groups: { name: string | null; total: number; lines: SpendReportLine[] }[];
}

/** Groups in first-seen order per day; looked up by name in a map (a day can have 50,000 end users). */
function groupByDay(rows: readonly GroupedSpendRow[]): DayGroups[] {
  const days: DayGroups[] = [];
  let byName = new Map<string | null, DayGroups['groups'][number]>();
  for (const row of rows) {
    let day = days[days.length - 1];
    if (!day || day.day !== row.day) {
      day = { day: row.day, groups: [] };
      days.push(day);
      byName = new Map();
    }
    let group = byName.get(row.group_name);
    if (!group) {
      group = { name: row.group_name, total: 0, lines: [] };
      day.groups.push(group);
      byName.set(row.group_name, group);
    }
    const line: SpendReportLine = { model: row.model, api_key: row.api_key, spend: toNumber(row.spend), total_tokens: toNumber(row.total_tokens) };
    group.lines.push(line);
    group.total += line.spend;
  }
  return days;
}

function dayStart(day: string): string {
  return `${day}T00:00:00.000Z`;
}

function addTo(map: Map<string, number>, key: string, amount: number): void {
  map.set(key, (map.get(key) ?? 0) + amount);
}
