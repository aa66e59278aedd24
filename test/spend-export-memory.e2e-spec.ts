import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../migrations';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { discardStorage, freshStorage, type TestStorage } from './support/gateway-harness';

const ROOT = resolve(__dirname, '..');
const MASTER_KEY = 'sk-export-master';
const ROWS = 100_000;
const MAX_RSS_GROWTH_MB = 50;

/**
 * The export streams in keyset-paged batches: a 100k-row export must not hold the table in memory. Measured
 * on the real gateway in its own process (the built `bin/tollgate.js`), so the figure is that process's RSS.
 */
describe('Spend export memory (e2e, gateway in a child process)', () => {
  let storage: TestStorage;
  let gateway: ChildProcess | undefined;
  let baseUrl: string;

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist/src/main.js'))) throw new Error('This suite runs the built gateway: run `npm run build` first (`npm test` does).');
    storage = await freshStorage();
    await seed(storage, ROWS);
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    const configPath = join(storage.dataDir, 'config.yaml');
    writeFileSync(configPath, `general_settings:\n  master_key: ${MASTER_KEY}\nmodel_list:\n  - model_name: demo\n    litellm_params: { model: mock/demo }\n`);
    const env: NodeJS.ProcessEnv = { ...process.env, TOLLGATE_DATA_DIR: storage.dataDir };
    delete env.DATABASE_URL;
    if (storage.databaseUrl) env.DATABASE_URL = storage.databaseUrl;
    // A tight old-generation cap makes V8 collect garbage as it goes instead of letting it pile up, so RSS shows
    // what the export holds; an export that buffered the table would not even fit.
    gateway = spawn(process.execPath, ['--max-old-space-size=96', join(ROOT, 'bin/tollgate.js'), '--config', configPath, '--port', String(port), '--host', '127.0.0.1'], { env, stdio: 'ignore' });
    await waitUntilReady(baseUrl);
  });

  afterAll(async () => {
    if (gateway && gateway.exitCode === null) {
      const exited = new Promise((done) => gateway!.once('exit', done));
      gateway.kill('SIGTERM');
      await exited;
    }
    if (storage) discardStorage(storage);
  });

  it.each(['csv', 'ndjson'] as const)('should stream %s of 100k rows with RSS growth under 50 MB', async (format) => {
    const pid = gateway!.pid!;
    // Warm up: the export route, and the database reading every row once (a per-day summary over the whole
    // table: the database's buffers and caches reach their steady size while the answer stays a few rows).
    await (await fetch(`${baseUrl}/spend/logs/export?format=${format}&start_date=2000-01-01&end_date=2000-01-02`, { headers: auth() })).text();
    const today = new Date().toISOString().slice(0, 10);
    const summary = await fetch(`${baseUrl}/spend/logs?start_date=2020-01-01&end_date=${today}`, { headers: auth() });
    expect(summary.status).toBe(200);
    await summary.text();
    const baseline = rssMb(pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 25);
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

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function waitUntilReady(baseUrl: string): Promise<void> {
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline) {
    const ok = await fetch(`${baseUrl}/health/liveliness`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the gateway did not start within 45 s');
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
