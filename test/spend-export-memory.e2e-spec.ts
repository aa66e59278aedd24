import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../migrations/index';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { startBuiltGateway, type BuiltGateway } from './support/built-gateway';
import { discardStorage, freshStorage, type TestStorage } from './support/gateway-harness';

const MASTER_KEY = 'sk-export-master';
const ROWS = 100_000;
const MAX_RSS_GROWTH_MB = 50;

/**
 * The export streams in keyset-paged batches: a 100k-row export must not hold the table in memory. Measured
 * on the real gateway in its own process (the built `bin/tollgate.js`), so the figure is that process's RSS.
 */
describe('Spend export memory (e2e, gateway in a child process)', () => {
  let storage: TestStorage;
  let gateway: BuiltGateway | undefined;
  let baseUrl: string;

  beforeAll(async () => {
    storage = await freshStorage();
    await seed(storage, ROWS);
    // A tight old-generation cap makes V8 collect garbage as it goes instead of letting it pile up, so RSS shows
    // what the export holds; an export that buffered the table would not even fit.
    gateway = await startBuiltGateway(`general_settings:\n  master_key: ${MASTER_KEY}\nmodel_list:\n  - model_name: demo\n    litellm_params: { model: mock/demo }\n`, {
      storage,
      nodeArgs: ['--max-old-space-size=96'],
    });
    baseUrl = gateway.url;
  });

  afterAll(async () => {
    await gateway?.stop();
    if (storage) discardStorage(storage);
  });

  it.each(['csv', 'ndjson'] as const)('should stream %s of 100k rows with RSS growth under 50 MB', async (format) => {
    // Warm up: the export route, and the database reading every row once (a per-day summary over the whole
    // table: the database's buffers and caches reach their steady size while the answer stays a few rows).
    await (await fetch(`${baseUrl}/spend/logs/export?format=${format}&start_date=2000-01-01&end_date=2000-01-02`, { headers: auth() })).text();
    const today = new Date().toISOString().slice(0, 10);
    const summary = await fetch(`${baseUrl}/spend/logs?start_date=2020-01-01&end_date=${today}`, { headers: auth() });
    expect(summary.status).toBe(200);
    await summary.text();
    const baseline = gateway!.rssMb();
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, gateway!.rssMb())), 25);
    let lines = 0;
    let bytes = 0;
    try {
      const response = await fetch(`${baseUrl}/spend/logs/export?format=${format}`, { headers: auth() });
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        bytes += value.length;
        for (const byte of value) if (byte === 10) lines++;
        // A slow consumer: the gateway must wait for it rather than buffer ahead.
        if (lines % 20_000 < 200) await new Promise((resolve) => setTimeout(resolve, 5));
      }
    } finally {
      clearInterval(sampler);
    }
    expect(lines).toBe(format === 'csv' ? ROWS + 1 : ROWS);
    expect(bytes).toBeGreaterThan(ROWS * 200);
    expect(peak - baseline).toBeLessThan(MAX_RSS_GROWTH_MB);
  });
});

function auth(): Record<string, string> {
  return { authorization: `Bearer ${MASTER_KEY}` };
}

/** Inserts `count` realistic rows straight into the (migrated) database the gateway will use. */
async function seed(storage: TestStorage, count: number): Promise<void> {
  let url = storage.databaseUrl;
  let stop = async (): Promise<void> => undefined;
  if (!url) {
    const embedded = await startEmbeddedPostgres(storage.dataDir);
    url = embedded.url;
    stop = () => embedded.stop();
  } else {
    const dataSource = new DataSource({ type: 'postgres', url, migrations: MIGRATIONS, migrationsTableName: 'tollgate_migrations' });
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
    await dataSource.destroy();
  }
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO tollgate_spend_logs (request_id, call_type, api_key, spend, total_tokens, prompt_tokens, completion_tokens, start_time, end_time,
         model, model_id, model_group, "user", end_user, team_id, request_tags, requester_ip_address, status, metadata)
       SELECT 'chatcmpl-' || g, 'acompletion', md5((g % 100)::text) || md5((g % 7)::text), 0.000125, 30, 10, 20,
              now() - make_interval(secs => g), now() - make_interval(secs => g) + interval '1 second',
              'gpt-4o-mini', 'deployment-1', 'gpt-4o-mini', 'user-' || (g % 50), 'customer-' || (g % 500), 'team-' || (g % 5),
              ARRAY['app-prod', 'tag-' || (g % 20)], '10.0.0.' || (g % 250), 'success',
              jsonb_build_object('user_api_key_alias', 'key-' || (g % 100), 'spend_logs_metadata', jsonb_build_object('hello', 'world, "quoted"', 'n', g))
       FROM generate_series(1, $1::int) AS g`,
      [count],
    );
  } finally {
    await client.end();
    await stop();
  }
}
