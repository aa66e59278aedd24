import { PGlite } from '@electric-sql/pglite';
import type { DataSource, QueryRunner } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index';
import type { TollgateConfig } from '../config/config.types';
import type { SpendLogRow } from '../spend/spend-log-row';
import { SpendLedgerWriter } from '../spend/spend-ledger.writer';
import { ModelAnalyticsService } from './model-analytics.service';
import { parseDayRange, type DayRange } from './report-dates';

/**
 * The per-day model counters on the real schema (an in-memory PGlite migrated with the project's migrations): the
 * ledger writer keeps them in its one statement, the migration backfills them from existing logs, and both equal
 * what the spend logs themselves add up to.
 */

let sequence = 0;
function logRow(overrides: Partial<SpendLogRow>): SpendLogRow {
  sequence++;
  const start = overrides.start_time ?? '2024-05-01T10:00:00.000Z';
  return {
    request_id: `chatcmpl-model-${sequence}`,
    call_type: 'acompletion',
    api_key: 'hash',
    key_id: null,
    spend: 0.01,
    total_tokens: 30,
    prompt_tokens: 10,
    completion_tokens: 20,
    start_time: start,
    end_time: new Date(Date.parse(start) + 400).toISOString(),
    completion_start_time: null,
    model: 'gpt-4o',
    model_id: 'd1',
    model_group: 'gpt-4o',
    custom_llm_provider: 'openai',
    api_base: 'https://api.example.com/v1',
    user: null,
    end_user: null,
    team_id: null,
    organization_id: null,
    request_tags: [],
    requester_ip_address: null,
    cache_hit: false,
    status: 'success',
    provider_response_id: null,
    metadata: {},
    ...overrides,
  };
}

const ROWS: SpendLogRow[] = [
  logRow({ spend: 0.5 }),
  logRow({ spend: 0.25, start_time: '2024-05-01T23:59:59.500Z', completion_tokens: 40 }),
  logRow({ status: 'failure', spend: 0, completion_tokens: 0, end_time: '2024-05-01T10:00:05.000Z' }),
  logRow({ cache_hit: true, spend: 0, end_time: '2024-05-01T10:00:00.001Z' }),
  logRow({ start_time: '2024-05-02T00:00:00.000Z', spend: 0.125, completion_tokens: 0 }),
  logRow({ model_group: 'claude', model: 'claude-3', api_base: null, spend: 1 }),
  logRow({ model_group: null, model: 'unrouted', api_base: null, status: 'failure', spend: 0 }),
];

interface DayRow {
  day: string;
  model_group: string;
  model: string;
  api_base: string;
  requests: number;
  failures: number;
  timed_requests: number;
  latency_ms_sum: number;
  token_timed_requests: number;
  latency_per_token_ms_sum: number;
  spend: number;
  prompt_tokens: number;
  completion_tokens: number;
}

const DAY_ROWS_SQL = `
  SELECT to_char("day", 'YYYY-MM-DD') AS "day", "model_group", "model", "api_base", "requests"::int AS "requests", "failures"::int AS "failures",
         "timed_requests"::int AS "timed_requests", "latency_ms_sum", "token_timed_requests"::int AS "token_timed_requests",
         "latency_per_token_ms_sum", "spend", "prompt_tokens"::int AS "prompt_tokens", "completion_tokens"::int AS "completion_tokens"
  FROM "tollgate_spend_model_days" ORDER BY 1, 2, 3, 4`;

async function migratedDatabase(migrations: readonly (typeof MIGRATIONS)[number][]): Promise<{ pg: PGlite; runner: QueryRunner }> {
  const pg = new PGlite();
  const runner = { query: async (text: string, params?: unknown[]) => (await pg.query(text, params)).rows } as unknown as QueryRunner;
  for (const Migration of migrations) await new Migration().up(runner);
  return { pg, runner };
}

function writerOn(pg: PGlite, disableSpendLogs = false): SpendLedgerWriter {
  const dataSource = { query: async (text: string, params?: unknown[]) => (await pg.query(text, params)).rows } as unknown as DataSource;
  return new SpendLedgerWriter(dataSource, { general_settings: { disable_spend_logs: disableSpendLogs } } as unknown as TollgateConfig);
}

const range = (first: string, last: string): DayRange => parseDayRange(first, last, { required: true }) as DayRange;

describe('Per-day model counters on the real schema (PGlite)', () => {
  let pg: PGlite;
  let analytics: ModelAnalyticsService;

  beforeAll(async () => {
    ({ pg } = await migratedDatabase(MIGRATIONS));
    const writer = writerOn(pg);
    expect(await writer.insert(ROWS.slice(0, 4).map((row) => JSON.stringify(row)))).toBe(4);
    // A replayed batch overlapping the first: only the new rows count, the old ones are not added twice.
    expect(await writer.insert(ROWS.slice(2).map((row) => JSON.stringify(row)))).toBe(3);
    analytics = new ModelAnalyticsService({ query: async <Row>(text: string, params?: readonly unknown[]) => (await pg.query<Row>(text, params ? [...params] : undefined)).rows });
  });

  afterAll(async () => {
    await pg.close();
  });

  it('should keep per (day, model group, model, api base) the counts, latency sums and spend of the rows written', async () => {
    const rows = await pg.query<DayRow>(DAY_ROWS_SQL);
    expect(rows.rows).toEqual([
      {
        day: '2024-05-01',
        model_group: '',
        model: 'unrouted',
        api_base: '',
        requests: 1,
        failures: 1,
        timed_requests: 0,
        latency_ms_sum: 0,
        token_timed_requests: 0,
        latency_per_token_ms_sum: 0,
        spend: 0,
        prompt_tokens: 10,
        completion_tokens: 20,
      },
      {
        day: '2024-05-01',
        model_group: 'claude',
        model: 'claude-3',
        api_base: '',
        requests: 1,
        failures: 0,
        timed_requests: 1,
        latency_ms_sum: 400,
        token_timed_requests: 1,
        latency_per_token_ms_sum: 20,
        spend: 1,
        prompt_tokens: 10,
        completion_tokens: 20,
      },
      {
        // Two successes (400 ms each; 20 and 40 output tokens), one failure, one cache hit: only the successes are timed.
        day: '2024-05-01',
        model_group: 'gpt-4o',
        model: 'gpt-4o',
        api_base: 'https://api.example.com/v1',
        requests: 4,
        failures: 1,
        timed_requests: 2,
        latency_ms_sum: 800,
        token_timed_requests: 2,
        latency_per_token_ms_sum: 30,
        spend: 0.75,
        prompt_tokens: 40,
        completion_tokens: 80,
      },
      {
        // UTC day of start_time; a success without output tokens is timed but has no per-token latency.
        day: '2024-05-02',
        model_group: 'gpt-4o',
        model: 'gpt-4o',
        api_base: 'https://api.example.com/v1',
        requests: 1,
        failures: 0,
        timed_requests: 1,
        latency_ms_sum: 400,
        token_timed_requests: 0,
        latency_per_token_ms_sum: 0,
        spend: 0.125,
        prompt_tokens: 10,
        completion_tokens: 0,
      },
    ]);
  });

  it('should answer /model/analytics per model group from the counters', async () => {
    expect(await analytics.byModelGroup(range('2024-05-01', '2024-05-31'))).toEqual([
      { model_group: 'gpt-4o', requests: 5, failures: 1, avg_latency_ms: 400, avg_latency_per_output_token_ms: 15, spend: 0.875, prompt_tokens: 50, completion_tokens: 80 },
      { model_group: '', requests: 1, failures: 1, avg_latency_ms: null, avg_latency_per_output_token_ms: null, spend: 0, prompt_tokens: 10, completion_tokens: 20 },
      { model_group: 'claude', requests: 1, failures: 0, avg_latency_ms: 400, avg_latency_per_output_token_ms: 20, spend: 1, prompt_tokens: 10, completion_tokens: 20 },
    ]);
    expect((await analytics.byModelGroup(range('2024-05-02', '2024-05-02'))).map((entry) => [entry.model_group, entry.requests])).toEqual([['gpt-4o', 1]]);
    expect(await analytics.byModelGroup(range('2024-04-01', '2024-04-30'))).toEqual([]);
  });

  it('should answer /model/analytics/daily for one group, every day of the range', async () => {
    const days = await analytics.daily(range('2024-04-30', '2024-05-02'), 'gpt-4o');
    expect(days.map((day) => [day.date, day.requests, day.failures, day.spend])).toEqual([
      ['2024-04-30', 0, 0, 0],
      ['2024-05-01', 4, 1, 0.75],
      ['2024-05-02', 1, 0, 0.125],
    ]);
  });

  it('should answer /model/metrics per day and deployment in seconds per output token', async () => {
    expect(await analytics.latencyPerToken(range('2024-05-01', '2024-05-02'), 'gpt-4o')).toEqual({
      data: [{ date: '2024-05-01', 'https://api.example.com/v1': 0.015 }],
      all_api_bases: ['https://api.example.com/v1'],
    });
  });

  it('should backfill the same counters from the spend logs already there when the migration runs', async () => {
    const last = MIGRATIONS.length - 1;
    expect(MIGRATIONS[last].name).toBe('SpendModelDays1764940000000');
    const { pg: older, runner } = await migratedDatabase(MIGRATIONS.slice(0, last));
    try {
      const columns = Object.keys(ROWS[0]);
      for (const row of ROWS) {
        const values = columns.map((column) => {
          const value = row[column as keyof SpendLogRow];
          return column === 'metadata' ? JSON.stringify(value) : value;
        });
        await older.query(`INSERT INTO "tollgate_spend_logs" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`, values);
      }
      await new MIGRATIONS[last]().up(runner);
      expect((await older.query<DayRow>(DAY_ROWS_SQL)).rows).toEqual((await pg.query<DayRow>(DAY_ROWS_SQL)).rows);
    } finally {
      await older.close();
    }
  });

  it('should keep the counters with disable_spend_logs, where no log row is stored', async () => {
    const { pg: bare } = await migratedDatabase(MIGRATIONS);
    try {
      const writer = writerOn(bare, true);
      expect(await writer.insert(ROWS.map((row) => JSON.stringify(row)))).toBe(ROWS.length);
      expect(await writer.insert(ROWS.map((row) => JSON.stringify(row)))).toBe(0);
      expect((await bare.query(`SELECT count(*)::int AS n FROM tollgate_spend_logs`)).rows).toEqual([{ n: 0 }]);
      expect((await bare.query<DayRow>(DAY_ROWS_SQL)).rows).toEqual((await pg.query<DayRow>(DAY_ROWS_SQL)).rows);
    } finally {
      await bare.close();
    }
  });
});
