#!/usr/bin/env node
// How many bytes does one call leave in the database? Starts the embedded PostgreSQL the gateway uses by default
// (the same binaries, in a temporary directory), the mock upstream and the built gateway on the enterprise path
// (bench/enterprise.yaml), makes --calls calls with a virtual key (with --tags request tags each), lets the ledger
// drain, VACUUMs and reports the size of every table (heap, TOAST and indexes, partitions summed into their table)
// divided by the calls. Write-ahead log is not counted: PostgreSQL recycles it. Needs the build:
//
//   npm run build && node bench/disk-per-call.mjs [--calls 20000] [--tags 0]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool, request } from 'undici';

const require = createRequire(import.meta.url);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { startEmbeddedPostgres } = require(join(ROOT, 'dist/src/database/embedded-postgres.js'));
const { Client } = require('pg');

const { values } = parseArgs({ options: { calls: { type: 'string', default: '20000' }, tags: { type: 'string', default: '0' }, concurrency: { type: 'string', default: '16' } } });
const CALLS = Number(values.calls);
const TAGS = Number(values.tags);
const CONCURRENCY = Number(values.concurrency);

const freePort = () =>
  new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

function start(argv, env) {
  const child = spawn(argv[0], argv.slice(1), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const rec = { child, output: '' };
  const keep = (data) => (rec.output = (rec.output + data).slice(-16_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  rec.exited = new Promise((done) => child.on('exit', done));
  return rec;
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-disk-'));
  const children = [];
  let database;
  try {
    database = await startEmbeddedPostgres(dataDir);
    const mockPort = await freePort();
    const mock = start([process.execPath, 'test/support/mock-upstream.mjs', '--port', String(mockPort), '--require-api-key', 'sk-upstream-bench'], process.env);
    children.push(mock);
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const env = { ...process.env, DATABASE_URL: database.url, UPSTREAM_BASE_URL: `http://127.0.0.1:${mockPort}/v1`, TOLLGATE_DATA_DIR: join(dataDir, 'gateway') };
    for (const name of ['LITELLM_MASTER_KEY', 'REDIS_URL', 'REDIS_HOST']) delete env[name];
    const gateway = start([process.execPath, 'bin/tollgate.js', '--config', 'bench/enterprise.yaml', '--port', String(port)], env);
    children.push(gateway);
    for (let waited = 0; ; waited += 200) {
      const healthy = await request(`${origin}/health/liveliness`).then(
        (res) => res.statusCode === 200,
        () => false,
      );
      if (healthy) break;
      if (waited > 120_000 || gateway.child.exitCode !== null) throw new Error(`the gateway did not start:\n${gateway.output}`);
      await sleep(200);
    }
    const generated = await request(`${origin}/key/generate`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-bench-1234', 'content-type': 'application/json' },
      body: JSON.stringify({ max_budget: 1e6, key_alias: 'bench' }),
    });
    const { key } = await generated.body.json();
    const body = JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hello, how are you today?' }],
      max_tokens: 16,
      user: 'customer-1',
      ...(TAGS > 0 ? { metadata: { tags: Array.from({ length: TAGS }, (_, i) => `tag-${i}`) } } : {}),
    });
    const pool = new Pool(origin, { connections: CONCURRENCY });
    let sent = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (sent++ < CALLS) {
          const res = await pool.request({ path: '/v1/chat/completions', method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body });
          await res.body.text();
          if (res.statusCode !== 200) throw new Error(`a call answered ${res.statusCode}`);
        }
      }),
    );
    await pool.close();
    // A graceful stop writes every row still queued.
    gateway.child.kill('SIGTERM');
    await gateway.exited;

    const db = new Client({ connectionString: database.url });
    await db.connect();
    try {
      await db.query('VACUUM ANALYZE');
      const [{ logged }] = (await db.query('SELECT count(*)::int AS logged FROM tollgate_spend_logs')).rows;
      if (logged !== CALLS) throw new Error(`${logged} spend rows for ${CALLS} calls`);
      const { rows } = await db.query(`
        SELECT COALESCE(parent.relname, c.relname) AS "table", sum(pg_table_size(c.oid))::float8 AS heap, sum(pg_indexes_size(c.oid))::float8 AS indexes
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_inherits i ON i.inhrelid = c.oid LEFT JOIN pg_class parent ON parent.oid = i.inhparent
        WHERE n.nspname = 'public' AND c.relkind = 'r'
        GROUP BY 1 ORDER BY sum(pg_total_relation_size(c.oid)) DESC`);
      // Tables whose size does not grow with calls (one page each) would read as bytes per call; baseline them.
      const perCall = rows.map((row) => ({ table: row.table, heap: row.heap / CALLS, indexes: row.indexes / CALLS }));
      const width = Math.max(...perCall.map((row) => row.table.length));
      const line = (a, b, c, d) => `| ${a.padEnd(width)} | ${b.padStart(6)} | ${c.padStart(7)} | ${d.padStart(6)} |`;
      const out = [
        `${CALLS} calls, ${TAGS} request tag(s) each, bytes on disk per call (heap + TOAST, indexes), after VACUUM:`,
        '',
        line('table', 'heap', 'indexes', 'total'),
        line('-'.repeat(width), '-'.repeat(6), '-'.repeat(7), '-'.repeat(6)),
        ...perCall.filter((row) => row.heap + row.indexes >= 1).map((row) => line(row.table, row.heap.toFixed(0), row.indexes.toFixed(0), (row.heap + row.indexes).toFixed(0))),
        line('all tables', '', '', perCall.reduce((sum, row) => sum + row.heap + row.indexes, 0).toFixed(0)),
      ];
      process.stdout.write(`${out.join('\n')}\n`);
    } finally {
      await db.end();
    }
  } finally {
    for (const { child } of children) if (child.exitCode === null) child.kill('SIGKILL');
    await database?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`[disk-per-call] ${error.stack ?? error}\n`);
  process.exit(1);
});
