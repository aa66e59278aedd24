import { PGlite } from '@electric-sql/pglite';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { QueryRunner } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index';
import { parseDayRange, type DayRange } from './report-dates';
import { SpendExportService } from './spend-export.service';
import { SPEND_LOG_FIELDS, type SpendLogView } from './spend-log-view';
import { SpendReportsService } from './spend-reports.service';
import type { SqlRunner } from './sql-runner';

/**
 * The reports against the real schema: an in-memory PGlite migrated with the project's migrations, rows inserted
 * as the ledger writes them, report outputs compared with sums computed here.
 */

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
const KEY_A = 'sk-key-a';
const KEY_B = 'sk-key-b';
const HASH_A = sha(KEY_A);
const HASH_B = sha(KEY_B);

interface LogSeed {
  request_id: string;
  api_key?: string;
  spend?: number;
  prompt_tokens?: number;
  completion_tokens?: number;
  start_time: string;
  model?: string;
  user?: string | null;
  end_user?: string | null;
  team_id?: string | null;
  request_tags?: string[];
  cache_hit?: boolean;
  metadata?: Record<string, unknown>;
}

const LOGS: LogSeed[] = [
  {
    request_id: 'r1',
    api_key: HASH_A,
    spend: 0.5,
    prompt_tokens: 10,
    completion_tokens: 5,
    start_time: '2024-05-01T08:00:00Z',
    model: 'gpt-4o',
    user: 'alice',
    end_user: 'cust-1',
    team_id: 'team-1',
    request_tags: ['prod', 'app-x'],
  },
  {
    request_id: 'r2',
    api_key: HASH_A,
    spend: 0.25,
    prompt_tokens: 20,
    completion_tokens: 10,
    start_time: '2024-05-01T09:00:00Z',
    model: 'gpt-4o-mini',
    user: 'alice',
    end_user: 'cust-2',
    team_id: 'team-1',
    request_tags: ['prod'],
  },
  {
    request_id: 'r3',
    api_key: HASH_B,
    spend: 1,
    prompt_tokens: 30,
    completion_tokens: 15,
    start_time: '2024-05-03T23:59:59.999Z',
    model: 'gpt-4o',
    user: 'bob',
    end_user: null,
    team_id: null,
    request_tags: ['dev'],
    cache_hit: true,
  },
  {
    request_id: 'r4',
    api_key: HASH_B,
    spend: 2,
    prompt_tokens: 40,
    completion_tokens: 20,
    start_time: '2024-05-04T00:00:00Z',
    model: 'gpt-4o',
    user: 'bob',
    end_user: 'cust-1',
    team_id: 'team-2',
    request_tags: [],
  },
];

describe('Spend reports on the real schema (PGlite)', () => {
  let pg: PGlite;
  let queries: number;
  let sql: SqlRunner;
  let reports: SpendReportsService;
  let exporter: SpendExportService;

  const range = (start: string, end: string): DayRange => parseDayRange(start, end, { required: true }) as DayRange;

  beforeAll(async () => {
    pg = new PGlite();
    // As TypeORM's runner answers: the rows.
    const runner = { query: async (text: string, params?: unknown[]) => (await pg.query(text, params)).rows } as unknown as QueryRunner;
    for (const Migration of MIGRATIONS) await new Migration().up(runner);
    queries = 0;
    sql = {
      query: async <Row>(text: string, params?: readonly unknown[]) => {
        queries++;
        return (await pg.query<Row>(text, params ? [...params] : undefined)).rows;
      },
    };
    reports = new SpendReportsService(sql);
    exporter = new SpendExportService(sql);

    await pg.query(`INSERT INTO tollgate_teams (team_id, team_alias) VALUES ('team-1', 'Search'), ('team-2', NULL)`);
    await pg.query(`INSERT INTO tollgate_users (user_id, user_email, spend) VALUES ('alice', 'alice@example.com', 0.75), ('bob', NULL, 3)`);
    await pg.query(
      `INSERT INTO tollgate_virtual_keys (token, key_name, key_alias, user_id, team_id, spend) VALUES ($1, 'sk-...y-a', 'alice-key', 'alice', 'team-1', 0.75), ($2, 'sk-...y-b', NULL, 'bob', NULL, 3)`,
      [HASH_A, HASH_B],
    );
    for (const log of LOGS) await insertLog(log);
    // The ledger's per-tag counters for all time.
    await pg.query(`INSERT INTO tollgate_tag_spend (tag, spend, log_count) VALUES ('prod', 0.75, 2), ('app-x', 0.5, 1), ('dev', 1, 1)`);
  }, 60_000);

  afterAll(async () => {
    await pg?.close();
  });

  async function insertLog(log: LogSeed): Promise<void> {
    const spend = log.spend ?? 0;
    const prompt = log.prompt_tokens ?? 0;
    const completion = log.completion_tokens ?? 0;
    await pg.query(
      `INSERT INTO tollgate_spend_logs (request_id, call_type, api_key, spend, total_tokens, prompt_tokens, completion_tokens, start_time, end_time,
         model, model_group, "user", end_user, team_id, request_tags, cache_hit, status, metadata)
       VALUES ($1, 'acompletion', $2, $3, $4, $5, $6, $7, $7, $8, $8, $9, $10, $11, $12, $13, 'success', $14)`,
      [
        log.request_id,
        log.api_key ?? '',
        spend,
        prompt + completion,
        prompt,
        completion,
        log.start_time,
        log.model ?? 'gpt-4o',
        log.user ?? null,
        log.end_user ?? null,
        log.team_id ?? null,
        log.request_tags ?? [],
        log.cache_hit ?? false,
        JSON.stringify(log.metadata ?? { user_api_key: log.api_key ?? '', spend_logs_metadata: { hello: 'world' } }),
      ],
    );
    // What the ledger keeps beside the row: per-tag totals of its UTC day.
    for (const tag of log.request_tags ?? []) {
      await pg.query(
        `INSERT INTO tollgate_spend_tag_days (day, tag, spend, log_count) VALUES (($1::timestamptz AT TIME ZONE 'UTC')::date, $2, $3, 1)
         ON CONFLICT (day, tag) DO UPDATE SET spend = tollgate_spend_tag_days.spend + EXCLUDED.spend, log_count = tollgate_spend_tag_days.log_count + 1`,
        [log.start_time, tag, spend],
      );
    }
  }

  describe('/spend/logs rows', () => {
    it('should return one request in LiteLLM field names', async () => {
      const [row, ...rest] = await reports.listLogs({ kind: 'all' }, { requestId: 'r3' }, { limit: 1000, page: 1 });
      expect(rest).toEqual([]);
      expect(row).toEqual({
        request_id: 'r3',
        call_type: 'acompletion',
        api_key: HASH_B,
        spend: 1,
        total_tokens: 45,
        prompt_tokens: 30,
        completion_tokens: 15,
        startTime: '2024-05-03T23:59:59.999Z',
        endTime: '2024-05-03T23:59:59.999Z',
        completionStartTime: null,
        model: 'gpt-4o',
        model_id: null,
        model_group: 'gpt-4o',
        custom_llm_provider: null,
        api_base: null,
        user: 'bob',
        end_user: null,
        team_id: null,
        organization_id: null,
        request_tags: ['dev'],
        requester_ip_address: null,
        cache_hit: 'True',
        status: 'success',
        // LiteLLM's whole metadata object: the row's columns, then what the row stored.
        metadata: {
          user_api_key: HASH_B,
          user_api_key_alias: null,
          user_api_key_team_id: null,
          user_api_key_team_alias: null,
          user_api_key_org_id: null,
          user_api_key_user_id: 'bob',
          user_api_key_end_user_id: null,
          spend_logs_metadata: { hello: 'world' },
          requester_ip_address: null,
          status: 'success',
          applied_guardrails: [],
          error_information: null,
          stream: false,
        },
      });
    });

    it('should filter by plaintext key (hashed), by hash, by user and by team, newest first', async () => {
      const ids = async (filter: Parameters<SpendReportsService['listLogs']>[1]): Promise<string[]> =>
        (await reports.listLogs({ kind: 'all' }, filter, { limit: 1000, page: 1 })).map((row) => row.request_id);
      expect(await ids({ apiKey: KEY_A })).toEqual(['r2', 'r1']);
      expect(await ids({ apiKey: HASH_B })).toEqual(['r4', 'r3']);
      expect(await ids({ userId: 'bob' })).toEqual(['r4', 'r3']);
      expect(await ids({ teamId: 'team-1' })).toEqual(['r2', 'r1']);
      expect(await ids({})).toEqual(['r4', 'r3', 'r2', 'r1']);
      expect(await ids({ requestId: 'missing' })).toEqual([]);
    });

    it('should page with limit and page', async () => {
      const page = (n: number) => reports.listLogs({ kind: 'all' }, {}, { limit: 3, page: n });
      expect((await page(1)).map((row) => row.request_id)).toEqual(['r4', 'r3', 'r2']);
      expect((await page(2)).map((row) => row.request_id)).toEqual(['r1']);
    });

    it("should show a key only its own rows and an internal user only their keys' rows, whatever they filter on", async () => {
      const list = (scope: Parameters<SpendReportsService['listLogs']>[0], filter = {}) =>
        reports.listLogs(scope, filter, { limit: 1000, page: 1 }).then((rows) => rows.map((row) => row.request_id));
      expect(await list({ kind: 'key', apiKeyHash: HASH_A })).toEqual(['r2', 'r1']);
      expect(await list({ kind: 'key', apiKeyHash: HASH_A }, { requestId: 'r3' })).toEqual([]);
      expect(await list({ kind: 'key', apiKeyHash: HASH_A }, { apiKey: KEY_B })).toEqual([]);
      expect(await list({ kind: 'user', userId: 'bob' })).toEqual(['r4', 'r3']);
    });
  });

  describe('/spend/logs per day', () => {
    it('should total each day of the range (end inclusive, UTC), per user, model and key, with empty days at zero', async () => {
      const days = await reports.dailySpend({ kind: 'all' }, {}, range('2024-04-30', '2024-05-04'));
      expect(days).toEqual([
        { startTime: '2024-04-30', spend: 0, users: {}, models: {} },
        { startTime: '2024-05-01', spend: 0.75, users: { alice: 0.75 }, models: { 'gpt-4o': 0.5, 'gpt-4o-mini': 0.25 }, [HASH_A]: 0.75 },
        { startTime: '2024-05-02', spend: 0, users: {}, models: {} },
        { startTime: '2024-05-03', spend: 1, users: { bob: 1 }, models: { 'gpt-4o': 1 }, [HASH_B]: 1 },
        { startTime: '2024-05-04', spend: 2, users: { bob: 2 }, models: { 'gpt-4o': 2 }, [HASH_B]: 2 },
      ]);
    });

    it('should exclude the day after end_date and combine with filters and scope', async () => {
      const days = await reports.dailySpend({ kind: 'all' }, { userId: 'bob' }, range('2024-05-03', '2024-05-03'));
      expect(days).toEqual([{ startTime: '2024-05-03', spend: 1, users: { bob: 1 }, models: { 'gpt-4o': 1 }, [HASH_B]: 1 }]);
      const scoped = await reports.dailySpend({ kind: 'key', apiKeyHash: HASH_A }, {}, range('2024-05-01', '2024-05-04'));
      expect(scoped.map((day) => day.spend)).toEqual([0.75, 0, 0, 0]);
    });
  });

  describe('/spend/tags', () => {
    it('should read all-time totals from the counters, highest spend first', async () => {
      expect(await reports.tagSpend({ kind: 'all' }, null)).toEqual([
        { individual_request_tag: 'dev', log_count: 1, total_spend: 1 },
        { individual_request_tag: 'prod', log_count: 2, total_spend: 0.75 },
        { individual_request_tag: 'app-x', log_count: 1, total_spend: 0.5 },
      ]);
    });

    it('should count a date range from the per-day tag totals', async () => {
      expect(await reports.tagSpend({ kind: 'all' }, range('2024-05-01', '2024-05-01'))).toEqual([
        { individual_request_tag: 'prod', log_count: 2, total_spend: 0.75 },
        { individual_request_tag: 'app-x', log_count: 1, total_spend: 0.5 },
      ]);
    });

    it("should count only a scoped caller's own calls, with or without a range", async () => {
      expect(await reports.tagSpend({ kind: 'key', apiKeyHash: HASH_B }, null)).toEqual([{ individual_request_tag: 'dev', log_count: 1, total_spend: 1 }]);
      expect(await reports.tagSpend({ kind: 'user', userId: 'alice' }, range('2024-05-03', '2024-05-04'))).toEqual([]);
    });
  });

  describe('/global/spend/report', () => {
    it('should group by day and team alias ("Unassigned Team" without one), per model and key', async () => {
      const report = await reports.groupedReport(range('2024-05-01', '2024-05-04'), 'team');
      expect(report).toEqual([
        {
          group_by_day: '2024-05-01T00:00:00.000Z',
          teams: [
            {
              team_name: 'Search',
              total_spend: 0.75,
              metadata: [
                { model: 'gpt-4o', api_key: HASH_A, spend: 0.5, total_tokens: 15 },
                { model: 'gpt-4o-mini', api_key: HASH_A, spend: 0.25, total_tokens: 30 },
              ],
            },
          ],
        },
        {
          group_by_day: '2024-05-03T00:00:00.000Z',
          teams: [{ team_name: 'Unassigned Team', total_spend: 1, metadata: [{ model: 'gpt-4o', api_key: HASH_B, spend: 1, total_tokens: 45 }] }],
        },
        {
          group_by_day: '2024-05-04T00:00:00.000Z',
          teams: [{ team_name: 'Unassigned Team', total_spend: 2, metadata: [{ model: 'gpt-4o', api_key: HASH_B, spend: 2, total_tokens: 60 }] }],
        },
      ]);
    });

    it('should group by customer', async () => {
      const report = await reports.groupedReport(range('2024-05-01', '2024-05-01'), 'customer');
      expect(report).toEqual([
        {
          group_by_day: '2024-05-01T00:00:00.000Z',
          customers: [
            { customer: 'cust-1', total_spend: 0.5, metadata: [{ model: 'gpt-4o', api_key: HASH_A, spend: 0.5, total_tokens: 15 }] },
            { customer: 'cust-2', total_spend: 0.25, metadata: [{ model: 'gpt-4o-mini', api_key: HASH_A, spend: 0.25, total_tokens: 30 }] },
          ],
        },
      ]);
    });

    it('should report per key with model details, highest cost first, or for one key / one internal user', async () => {
      const all = await reports.keyReport(range('2024-05-01', '2024-05-31'), {});
      expect(all).toEqual([
        {
          api_key: HASH_B,
          total_cost: 3,
          total_input_tokens: 70,
          total_output_tokens: 35,
          model_details: [{ model: 'gpt-4o', total_cost: 3, total_input_tokens: 70, total_output_tokens: 35 }],
        },
        {
          api_key: HASH_A,
          total_cost: 0.75,
          total_input_tokens: 30,
          total_output_tokens: 15,
          model_details: [
            { model: 'gpt-4o', total_cost: 0.5, total_input_tokens: 10, total_output_tokens: 5 },
            { model: 'gpt-4o-mini', total_cost: 0.25, total_input_tokens: 20, total_output_tokens: 10 },
          ],
        },
      ]);
      expect((await reports.keyReport(range('2024-05-01', '2024-05-31'), { apiKey: KEY_A })).map((entry) => entry.api_key)).toEqual([HASH_A]);
      expect((await reports.keyReport(range('2024-05-01', '2024-05-31'), { internalUserId: 'bob' })).map((entry) => entry.api_key)).toEqual([HASH_B]);
    });
  });

  describe('/global/spend/* and /spend/keys|users', () => {
    // These windows are "the last 30 days": move two rows into it for the duration of the test.
    beforeAll(async () => {
      await pg.query(`UPDATE tollgate_spend_logs SET start_time = now() - interval '1 day' WHERE request_id IN ('r1', 'r4')`);
      await recountDayCounters();
    });
    afterAll(async () => {
      await pg.query(`UPDATE tollgate_spend_logs SET start_time = '2024-05-01T08:00:00Z' WHERE request_id = 'r1'`);
      await pg.query(`UPDATE tollgate_spend_logs SET start_time = '2024-05-04T00:00:00Z' WHERE request_id = 'r4'`);
      await recountDayCounters();
    });

    /** The ledger's per-day model and team counters as they would be for the rows now there (the ledger keeps them as it writes). */
    async function recountDayCounters(): Promise<void> {
      await pg.query(`DELETE FROM tollgate_spend_model_days`);
      await pg.query(
        `INSERT INTO tollgate_spend_model_days (day, model_group, model, api_base, requests, spend)
         SELECT (start_time AT TIME ZONE 'UTC')::date, COALESCE(model_group, ''), model, COALESCE(api_base, ''), count(*), sum(spend) FROM tollgate_spend_logs GROUP BY 1, 2, 3, 4`,
      );
      await pg.query(`DELETE FROM tollgate_spend_team_days`);
      await pg.query(
        `INSERT INTO tollgate_spend_team_days (day, team_id, spend, requests)
         SELECT (start_time AT TIME ZONE 'UTC')::date, COALESCE(team_id, ''), sum(spend), count(*) FROM tollgate_spend_logs GROUP BY 1, 2`,
      );
    }

    it('should list top keys with alias and name, top models and team spend over the last 30 days', async () => {
      expect(await reports.topKeys(10)).toEqual([
        { api_key: HASH_B, key_alias: null, key_name: 'sk-...y-b', total_spend: 2 },
        { api_key: HASH_A, key_alias: 'alice-key', key_name: 'sk-...y-a', total_spend: 0.5 },
      ]);
      expect(await reports.topKeys(1)).toHaveLength(1);
      expect(await reports.topModels(10)).toEqual([{ model: 'gpt-4o', total_spend: 2.5 }]);
      const teams = await reports.teamOverview();
      expect(teams.teams.sort()).toEqual(['Search', 'Unassigned']);
      expect(teams.total_spend_per_team).toEqual([
        { team_id: 'Unassigned', total_spend: 2 },
        { team_id: 'Search', total_spend: 0.5 },
      ]);
      const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
      expect(teams.daily_spend).toEqual([{ date: day, Search: 0.5, Unassigned: 2 }]);
    });

    it('should list top end users in a window, optionally for one key', async () => {
      const from = new Date('2024-05-01T00:00:00Z');
      const to = new Date('2024-05-05T00:00:00Z');
      expect(await reports.topEndUsers(from, to, undefined)).toEqual(
        [
          { end_user: 'cust-2', total_count: 1, total_spend: 0.25 },
          { end_user: null, total_count: 1, total_spend: 1 },
        ].sort((a, b) => b.total_spend - a.total_spend),
      );
      expect(await reports.topEndUsers(new Date(Date.now() - 2 * 86_400_000), new Date(), KEY_A)).toEqual([{ end_user: 'cust-1', total_count: 1, total_spend: 0.5 }]);
    });
  });

  it('should report tag spend for the UI, all tags or the listed ones', async () => {
    expect(await reports.tagSpendForUi(range('2024-05-01', '2024-05-31'), null)).toEqual({
      spend_per_tag: [
        { name: 'dev', spend: 1, log_count: 1 },
        { name: 'prod', spend: 0.75, log_count: 2 },
        { name: 'app-x', spend: 0.5, log_count: 1 },
      ],
    });
    expect(await reports.tagSpendForUi(range('2024-05-01', '2024-05-31'), ['prod', 'nope'])).toEqual({ spend_per_tag: [{ name: 'prod', spend: 0.75, log_count: 2 }] });
  });

  it('should list keys and users with their spend, a scoped caller only its own', async () => {
    expect((await reports.keysWithSpend({ kind: 'all' }, 100)).map((key) => [key.token, key.spend])).toEqual([
      [HASH_B, 3],
      [HASH_A, 0.75],
    ]);
    expect((await reports.keysWithSpend({ kind: 'key', apiKeyHash: HASH_A }, 100)).map((key) => key.key_alias)).toEqual(['alice-key']);
    expect((await reports.keysWithSpend({ kind: 'user', userId: 'bob' }, 100)).map((key) => key.token)).toEqual([HASH_B]);
    expect((await reports.usersWithSpend({ kind: 'all' }, undefined, 100)).map((user) => [user.user_id, user.spend])).toEqual([
      ['bob', 3],
      ['alice', 0.75],
    ]);
    expect((await reports.usersWithSpend({ kind: 'all' }, 'alice', 100)).map((user) => user.user_email)).toEqual(['alice@example.com']);
    expect(await reports.usersWithSpend({ kind: 'user', userId: 'alice' }, 'bob', 100)).toEqual([]);
    expect(await reports.usersWithSpend({ kind: 'key', apiKeyHash: HASH_A }, undefined, 100)).toEqual([]);
  });

  describe('export', () => {
    const BULK = 20_000;

    beforeAll(async () => {
      // Microsecond timestamps and runs of identical ones: the keyset cursor must neither skip nor repeat rows.
      await pg.query(
        `INSERT INTO tollgate_spend_logs (request_id, call_type, api_key, spend, total_tokens, start_time, end_time, model, request_tags, status, metadata)
         SELECT 'bulk-' || lpad(i::text, 6, '0'), 'acompletion', $1, 0.001, 3,
                timestamptz '2024-06-01T00:00:00Z' + ((i / 3) * interval '1.234567 seconds'),
                timestamptz '2024-06-01T00:00:00Z' + ((i / 3) * interval '1.234567 seconds'),
                'gpt-4o', ARRAY['bulk', 'a,b'], 'success',
                jsonb_build_object('note', 'say "hi",' || chr(10) || 'twice', 'n', i)
         FROM generate_series(1, $2::int) AS i`,
        [HASH_A, BULK],
      );
    }, 60_000);

    async function drain(stream: Readable): Promise<string> {
      let text = '';
      for await (const chunk of stream) text += (chunk as Buffer).toString('utf8');
      return text;
    }

    it('should stream every row once, in (start_time, request_id) order, as NDJSON in separate batch queries', async () => {
      const before = queries;
      const exported = await exporter.open('ndjson', {}, range('2024-06-01', '2024-06-30'));
      expect(exported.contentType).toBe('application/x-ndjson; charset=utf-8');
      expect(exported.fileName).toBe('spend-logs-2024-06-01-to-2024-06-30.ndjson');
      const lines = (await drain(exported.stream)).split('\n');
      expect(lines.pop()).toBe('');
      const rows = lines.map((line) => JSON.parse(line) as SpendLogView);
      expect(rows).toHaveLength(BULK);
      expect(new Set(rows.map((row) => row.request_id)).size).toBe(BULK);
      expect(rows[0]).toMatchObject({ request_id: 'bulk-000001', request_tags: ['bulk', 'a,b'], metadata: { note: 'say "hi",\ntwice', n: 1 } });
      const sortKey = (row: SpendLogView): string => `${row.startTime}|${row.request_id}`;
      expect(rows.every((row, index) => index === 0 || sortKey(rows[index - 1]) <= sortKey(row))).toBe(true);
      expect(queries - before).toBe(BULK / 1000 + 1);
    }, 60_000);

    it('should only query the next batch when the consumer reads on', async () => {
      const before = queries;
      const exported = await exporter.open('csv', {}, null);
      expect(queries - before).toBe(1);
      const iterator = exported.stream[Symbol.asyncIterator]();
      await iterator.next();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(queries - before).toBeLessThanOrEqual(3);
      exported.stream.destroy();
    });

    it('should write RFC 4180 CSV that parses back to the rows', async () => {
      const exported = await exporter.open('csv', { apiKey: HASH_A }, null);
      expect(exported.contentType).toBe('text/csv; charset=utf-8');
      const records = parseCsv(await drain(exported.stream));
      expect(records[0]).toEqual([...SPEND_LOG_FIELDS]);
      const body = records.slice(1);
      expect(body).toHaveLength(BULK + 2);
      const first = Object.fromEntries(SPEND_LOG_FIELDS.map((field, index) => [field, body[0][index]]));
      expect(first).toMatchObject({ request_id: 'r1', spend: '0.5', cache_hit: 'False', request_tags: '["prod","app-x"]', team_id: 'team-1', completionStartTime: '' });
      const bulk = body.find((record) => record[0] === 'bulk-000002') as string[];
      expect(JSON.parse(bulk[SPEND_LOG_FIELDS.indexOf('metadata')])).toMatchObject({ note: 'say "hi",\ntwice', n: 2, status: 'success' });
      expect(JSON.parse(bulk[SPEND_LOG_FIELDS.indexOf('request_tags')])).toEqual(['bulk', 'a,b']);
    }, 60_000);

    it('should refuse an unknown format before querying', async () => {
      const before = queries;
      await expect(exporter.open('xlsx', {}, null)).rejects.toMatchObject({ status: 400, param: 'format' });
      expect(queries).toBe(before);
    });
  });
});

/** A strict RFC 4180 reader for the assertions (quoted fields, doubled quotes, CRLF records). */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\r' && text[index + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      index++;
    } else field += char;
  }
  if (field !== '' || record.length > 0) throw new Error('CSV does not end with CRLF');
  return records;
}
