#!/usr/bin/env node
// The Admin UI at scale: seeds a PostgreSQL database with 500,000 keys, 50,000 end users and 5 million spend rows
// (plus organizations, teams, users, budgets and audit rows) in set-based SQL, boots the built gateway on it and
// times every list and report API the Admin UI calls. Prints a markdown table (p50 / max per route) and writes
// bench/out/ui-scale.json. Not part of CI: seeding takes minutes.
//
//   npm run build
//   node bench/ui-scale.mjs                              # seed (drops and recreates the database) and time
//   node bench/ui-scale.mjs --reuse                      # time an already seeded database again
//   node bench/ui-scale.mjs --keys 50000 --spend-rows 500000 --database-url postgresql://…/small
//
// The database URL must name a database on a server the script may DROP and CREATE it on (never point it at a
// database you care about). Only 127.0.0.1 is talked to: the gateway has no model deployments.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const GATEWAY_BIN = path.join(ROOT, 'bin/tollgate.js');
const MASTER_KEY = 'sk-ui-scale-master';
const DAY_MS = 86_400_000;
const SLOW_MS = 3000;

const { values: args } = parseArgs({
  options: {
    'database-url': { type: 'string', default: 'postgresql://postgres:postgres@127.0.0.1:5432/tollgate_ui_scale' },
    keys: { type: 'string', default: '500000' },
    'end-users': { type: 'string', default: '50000' },
    'spend-rows': { type: 'string', default: '5000000' },
    users: { type: 'string', default: '20000' },
    teams: { type: 'string', default: '2000' },
    organizations: { type: 'string', default: '200' },
    budgets: { type: 'string', default: '500' },
    'audit-rows': { type: 'string', default: '200000' },
    days: { type: 'string', default: '60' },
    repeat: { type: 'string', default: '7' },
    reuse: { type: 'boolean', default: false },
    only: { type: 'string' },
    'timeout-seconds': { type: 'string', default: '60' },
    out: { type: 'string', default: path.join(ROOT, 'bench/out/ui-scale.json') },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write(
    fs
      .readFileSync(fileURLToPath(import.meta.url), 'utf8')
      .split('\n')
      .slice(1, 13)
      .join('\n')
      .replaceAll('// ', '') + '\n',
  );
  process.exit(0);
}
const N = {
  keys: Number(args.keys),
  endUsers: Number(args['end-users']),
  spendRows: Number(args['spend-rows']),
  users: Number(args.users),
  teams: Number(args.teams),
  organizations: Number(args.organizations),
  budgets: Number(args.budgets),
  auditRows: Number(args['audit-rows']),
  days: Number(args.days),
};
const REPEAT = Number(args.repeat);
const TIMEOUT_MS = Number(args['timeout-seconds']) * 1000;
const databaseUrl = new URL(args['database-url']);
const databaseName = databaseUrl.pathname.slice(1);

const log = (message) => process.stderr.write(`[ui-scale ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

async function withClient(url, work) {
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function timed(client, label, sql) {
  const started = Date.now();
  await client.query(sql);
  log(`${label}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

// ------------------------------------------------------------------ gateway
async function startGateway() {
  if (!fs.existsSync(path.join(ROOT, 'dist/src/main.js'))) throw new Error('build the gateway first: npm run build');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollgate-ui-scale-'));
  const config = path.join(dir, 'config.yaml');
  fs.writeFileSync(config, `general_settings:\n  master_key: ${MASTER_KEY}\n  database_url: ${databaseUrl.toString()}\n  store_audit_logs: true\n`);
  const port = 4800 + Math.floor(Math.random() * 900);
  const env = { ...process.env, TOLLGATE_DATA_DIR: dir };
  for (const name of ['DATABASE_URL', 'LITELLM_MASTER_KEY', 'REDIS_URL', 'REDIS_HOST']) delete env[name];
  const child = spawn(process.execPath, [GATEWAY_BIN, '--config', config, '--port', String(port)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output = (output + chunk).slice(-4000)));
  child.stderr.on('data', (chunk) => (output = (output + chunk).slice(-4000)));
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited during boot:\n${output}`);
    if (Date.now() > deadline) throw new Error(`gateway not healthy after 120 s:\n${output}`);
    try {
      if ((await fetch(`${origin}/health/liveliness`, { signal: AbortSignal.timeout(2000) })).ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    origin,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ------------------------------------------------------------------ seeding
/** sha256 of the seeded key `sk-seed-<n>`, as the gateway stores key hashes. */
const keyToken = (n) => `encode(sha256(('sk-seed-' || (${n}))::bytea), 'hex')`;
const MODELS = [
  ['gpt-4o', 'gpt-4o', 'https://api.openai.com/v1'],
  ['gpt-4o-mini', 'gpt-4o-mini', 'https://api.openai.com/v1'],
  ['claude-sonnet', 'claude-3-5-sonnet-20241022', 'https://api.anthropic.com'],
  ['claude-haiku', 'claude-3-5-haiku-20241022', 'https://api.anthropic.com'],
  ['gemini-flash', 'gemini-1.5-flash', 'https://generativelanguage.googleapis.com'],
  ['llama-70b', 'llama-3.1-70b', 'http://vllm.internal:8000/v1'],
  ['embeddings', 'text-embedding-3-small', 'https://api.openai.com/v1'],
  ['azure-gpt-4o', 'gpt-4o', 'https://eu.openai.azure.com'],
];
const MODELS_SQL = `(VALUES ${MODELS.map(([group, model, base], i) => `(${i}, '${group}', '${model}', '${base}')`).join(', ')}) AS m(i, model_group, model, api_base)`;

async function seed() {
  log(`recreating database ${databaseName}`);
  const admin = new URL(databaseUrl);
  admin.pathname = '/postgres';
  await withClient(admin, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${databaseName}"`);
  });
  log('booting the gateway once to run its migrations');
  await (await startGateway()).stop();

  await withClient(databaseUrl, async (client) => {
    await client.query(`SET synchronous_commit = off`);
    await client.query(`SET work_mem = '256MB'`);
    await client.query(`SET maintenance_work_mem = '512MB'`);
    await timed(
      client,
      `${N.budgets} budgets`,
      `INSERT INTO tollgate_budgets (budget_id, max_budget, budget_duration, tpm_limit, rpm_limit, created_at)
       SELECT 'budget-' || i, 10 + i % 500, (ARRAY['1d','7d','30d'])[1 + i % 3], 100000, 1000, now() - (i || ' minutes')::interval
       FROM generate_series(1, ${N.budgets}) i`,
    );
    await timed(
      client,
      `${N.organizations} organizations`,
      `INSERT INTO tollgate_organizations (organization_id, organization_alias, budget_id, max_budget, created_at)
       SELECT 'org-' || i, 'Organization ' || i, 'budget-' || (1 + i % ${N.budgets}), 1000, now() - (i || ' hours')::interval
       FROM generate_series(1, ${N.organizations}) i`,
    );
    await timed(
      client,
      `${N.teams} teams`,
      `INSERT INTO tollgate_teams (team_id, team_alias, organization_id, max_budget, models, created_at)
       SELECT 'team-' || i, 'Team ' || i, 'org-' || (1 + i % ${N.organizations}), 500, ARRAY['gpt-4o','claude-sonnet'], now() - (i || ' minutes')::interval
       FROM generate_series(1, ${N.teams}) i`,
    );
    await timed(
      client,
      `${N.users} users`,
      `INSERT INTO tollgate_users (user_id, user_email, user_alias, user_role, teams, organization_id, max_budget, spend, created_at)
       SELECT 'user-' || i, 'user' || i || '@example.com', 'User ' || i,
              CASE WHEN i % 100 = 0 THEN 'proxy_admin_viewer' ELSE 'internal_user' END,
              ARRAY['team-' || (1 + i % ${N.teams})], 'org-' || (1 + i % ${N.organizations}), 100, (i % 1000) / 10.0,
              now() - (i || ' minutes')::interval
       FROM generate_series(1, ${N.users}) i`,
    );
    await timed(
      client,
      'team memberships',
      `INSERT INTO tollgate_team_memberships (team_id, user_id, spend)
       SELECT 'team-' || (1 + i % ${N.teams}), 'user-' || i, 0 FROM generate_series(1, ${N.users}) i`,
    );
    await timed(
      client,
      `${N.keys} keys`,
      `INSERT INTO tollgate_virtual_keys (token, key_name, key_alias, user_id, team_id, models, spend, max_budget, tpm_limit, rpm_limit,
                                          metadata, blocked, expires, created_at, updated_at, created_by)
       SELECT ${keyToken('i')}, 'sk-...' || lpad(i::text, 4, '0'), 'key-alias-' || i,
              'user-' || (1 + i % ${N.users}), 'team-' || (1 + i % ${N.teams}), ARRAY['gpt-4o','gpt-4o-mini'],
              (i % 997) / 100.0, CASE WHEN i % 3 = 0 THEN 25 END, 100000, 600, '{"env":"prod"}'::jsonb, i % 250 = 0,
              CASE WHEN i % 10 = 0 THEN now() + interval '90 days' END,
              now() - ((${N.keys} - i) || ' seconds')::interval, now(), 'user-' || (1 + i % ${N.users})
       FROM generate_series(1, ${N.keys}) i`,
    );
    await timed(
      client,
      `${N.endUsers} end users`,
      `INSERT INTO tollgate_end_users (user_id, alias, spend, budget_id, blocked, created_at)
       SELECT 'customer-' || i, 'Customer ' || i, (i % 500) / 10.0, CASE WHEN i % 5 = 0 THEN 'budget-' || (1 + i % ${N.budgets}) END,
              i % 1000 = 0, now() - (i || ' seconds')::interval
       FROM generate_series(1, ${N.endUsers}) i`,
    );
    // The month partitions a gateway running through those months would have made.
    const now = new Date();
    for (let back = Math.ceil(N.days / 28) + 1; back >= 1; back--) {
      const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1));
      const to = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, 1));
      const name = `tollgate_spend_logs_y${from.getUTCFullYear()}m${String(from.getUTCMonth() + 1).padStart(2, '0')}`;
      await client.query(`CREATE TABLE IF NOT EXISTS "${name}" PARTITION OF tollgate_spend_logs FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`);
    }
    // Spread evenly over the last N.days (newest last); a key makes calls through its user and team, 70 % of calls
    // name an end user, 3 % fail, 30 % carry tags.
    await timed(
      client,
      `${N.spendRows} spend rows`,
      `INSERT INTO tollgate_spend_logs (request_id, call_type, api_key, key_id, spend, total_tokens, prompt_tokens, completion_tokens,
                                        start_time, end_time, model, model_id, model_group, custom_llm_provider, api_base,
                                        "user", end_user, team_id, organization_id, request_tags, requester_ip_address, cache_hit, status, metadata)
       SELECT 'chatcmpl-seed-' || s.i, 'acompletion', ${keyToken('s.k')}, NULL,
              CASE WHEN s.failed THEN 0 ELSE (s.pt * 0.0000025 + s.ct * 0.00001) END, s.pt + s.ct, s.pt, CASE WHEN s.failed THEN 0 ELSE s.ct END,
              s.t, s.t + ((200 + s.i % 4000) || ' milliseconds')::interval, m.model, 'deployment-' || m.i, m.model_group, 'openai', m.api_base,
              'user-' || (1 + s.k % ${N.users}), CASE WHEN s.i % 10 < 7 THEN 'customer-' || (1 + s.i % ${N.endUsers}) END,
              'team-' || (1 + s.k % ${N.teams}), 'org-' || (1 + (1 + s.k % ${N.teams}) % ${N.organizations}),
              CASE WHEN s.i % 10 < 3 THEN ARRAY['prod', 'app-' || (s.i % 20)] ELSE '{}' END, '10.0.0.' || (s.i % 250), s.i % 50 = 0,
              CASE WHEN s.failed THEN 'failure' ELSE 'success' END,
              CASE WHEN s.failed THEN '{"error_information":{"error_class":"RateLimitError","error_code":"429","error_message":"rate limited"}}'::jsonb ELSE '{}'::jsonb END
       FROM (SELECT i, 1 + (i * 7919) % ${N.keys} AS k, i % 33 = 0 AS failed, 50 + i % 2000 AS pt, 10 + i % 700 AS ct,
                    now() - ((${N.spendRows} - i)::float8 / ${N.spendRows} * ${N.days} * 86400 || ' seconds')::interval AS t
             FROM generate_series(1::bigint, ${N.spendRows}) i) s
       JOIN ${MODELS_SQL} ON m.i = s.i % ${MODELS.length}`,
    );
    await timed(
      client,
      'ledger counters (tags, tag days, team days, model days)',
      `WITH tags AS (
         INSERT INTO tollgate_tag_spend (tag, spend, log_count)
         SELECT t.tag, sum(sl.spend), count(*) FROM tollgate_spend_logs sl CROSS JOIN LATERAL unnest(sl.request_tags) AS t(tag) GROUP BY 1),
       tag_days AS (
         INSERT INTO tollgate_spend_tag_days (day, tag, spend, log_count)
         SELECT (sl.start_time AT TIME ZONE 'UTC')::date, t.tag, sum(sl.spend), count(*)
         FROM tollgate_spend_logs sl CROSS JOIN LATERAL unnest(sl.request_tags) AS t(tag) GROUP BY 1, 2),
       team_days AS (
         INSERT INTO tollgate_spend_team_days (day, team_id, spend, requests)
         SELECT (start_time AT TIME ZONE 'UTC')::date, COALESCE(team_id, ''), sum(spend), count(*) FROM tollgate_spend_logs GROUP BY 1, 2)
       INSERT INTO tollgate_spend_model_days (day, model_group, model, api_base, requests, failures, timed_requests, latency_ms_sum,
                                              token_timed_requests, latency_per_token_ms_sum, spend, prompt_tokens, completion_tokens)
       SELECT (start_time AT TIME ZONE 'UTC')::date, COALESCE(model_group, ''), model, COALESCE(api_base, ''),
              count(*), count(*) FILTER (WHERE status = 'failure'),
              count(*) FILTER (WHERE status = 'success' AND NOT cache_hit),
              COALESCE(sum(GREATEST(0, EXTRACT(EPOCH FROM (end_time - start_time)) * 1000)) FILTER (WHERE status = 'success' AND NOT cache_hit), 0),
              count(*) FILTER (WHERE status = 'success' AND NOT cache_hit AND completion_tokens > 0),
              COALESCE(sum(GREATEST(0, EXTRACT(EPOCH FROM (end_time - start_time)) * 1000) / NULLIF(completion_tokens, 0))
                       FILTER (WHERE status = 'success' AND NOT cache_hit AND completion_tokens > 0), 0),
              sum(spend), sum(prompt_tokens), sum(completion_tokens)
       FROM tollgate_spend_logs GROUP BY 1, 2, 3, 4`,
    );
    // Audit rows as /audit lists them (the hash chain is not meant to verify: /audit/verify is not timed).
    await timed(
      client,
      `${N.auditRows} audit rows`,
      `INSERT INTO tollgate_audit_log (id, seq, updated_at, changed_by, changed_by_api_key, action, table_name, object_id,
                                       before_value, updated_values, route, prev_hash, row_hash)
       SELECT gen_random_uuid(), i, now() - ((${N.auditRows} - i) || ' seconds')::interval, 'user-' || (1 + i % ${N.users}), ${keyToken('1 + i % 1000')},
              (ARRAY['created','updated','deleted'])[1 + i % 3],
              (ARRAY['LiteLLM_VerificationToken','LiteLLM_TeamTable','LiteLLM_UserTable','LiteLLM_EndUserTable'])[1 + i % 4],
              'object-' || i, NULL, json_build_object('max_budget', i % 100), '/key/update', md5(i::text), md5((i + 1)::text)
       FROM generate_series(1, ${N.auditRows}) i`,
    );
    await timed(client, 'VACUUM ANALYZE', `VACUUM ANALYZE`);
  });
}

// ------------------------------------------------------------------ timing
function routes() {
  const today = new Date().toISOString().slice(0, 10);
  const monthAgo = new Date(Date.now() - 29 * DAY_MS).toISOString().slice(0, 10);
  const week = new Date(Date.now() - 6 * DAY_MS).toISOString().slice(0, 10);
  const middlePage = Math.max(1, Math.floor(N.keys / 2 / 50));
  const someKey = 'sk-seed-4242';
  return [
    ['/key/list?page=1&size=50', 'GET'],
    [`/key/list?page=${middlePage}&size=50`, 'GET'],
    ['/key/list?key_alias=key-alias-4242', 'GET'],
    [`/key/list?key_hash=__HASH__${someKey}`, 'GET'],
    ['/key/list?team_id=team-42&page=1&size=50', 'GET'],
    ['/key/list?user_id=user-42&page=1&size=50', 'GET'],
    ['/key/list?page=1&size=50&sort_by=spend&sort_order=desc', 'GET'],
    ['/user/list?page=1&page_size=50', 'GET'],
    [`/user/list?page=${Math.max(1, Math.floor(N.users / 100))}&page_size=50`, 'GET'],
    ['/team/list', 'GET'],
    ['/organization/list', 'GET'],
    ['/customer/list?page=1&page_size=50', 'GET'],
    ['/budget/list', 'GET'],
    ['/audit?page=1&page_size=50', 'GET'],
    [`/audit?page=${Math.max(1, Math.floor(N.auditRows / 100))}&page_size=50`, 'GET'],
    ['/audit?page=1&page_size=50&changed_by=user-42', 'GET'],
    ['/spend/logs?page=1&limit=50', 'GET'],
    ['/spend/logs?page=200&limit=50', 'GET'],
    [`/spend/logs?api_key=${someKey}&limit=50`, 'GET'],
    [`/global/spend/report?start_date=${week}&end_date=${today}`, 'GET'],
    [`/global/spend/report?start_date=${week}&end_date=${today}&group_by=customer`, 'GET'],
    [`/global/spend/report?start_date=${week}&end_date=${today}&group_by=api_key`, 'GET'],
    ['/global/spend/keys?limit=10', 'GET'],
    ['/global/spend/models?limit=10', 'GET'],
    ['/global/spend/teams', 'GET'],
    [`/global/spend/tags?start_date=${monthAgo}&end_date=${today}`, 'GET'],
    ['/global/spend/end_users', 'GET'],
    ['/model/analytics', 'GET'],
    [`/model/analytics?start_date=${new Date(Date.now() - 365 * DAY_MS).toISOString().slice(0, 10)}&end_date=${today}`, 'GET'],
    ['/model/analytics/daily?model_group=gpt-4o', 'GET'],
    ['/model/metrics', 'GET'],
  ];
}

async function timeRoutes() {
  const { createHash } = await import('node:crypto');
  const gateway = await startGateway();
  const results = [];
  try {
    const only = args.only?.split(',');
    for (const [template, method] of routes().filter(([route]) => !only || only.some((prefix) => route.startsWith(prefix)))) {
      const route = template.replace(/__HASH__(sk-[\w-]+)/, (_, key) => createHash('sha256').update(key).digest('hex'));
      const samples = [];
      let repeats = REPEAT;
      let status = 0;
      let bytes = 0;
      for (let i = 0; i <= REPEAT; i++) {
        const started = process.hrtime.bigint();
        try {
          const response = await fetch(`${gateway.origin}${route}`, {
            method,
            headers: { authorization: `Bearer ${MASTER_KEY}` },
            signal: AbortSignal.timeout(TIMEOUT_MS),
          });
          bytes = (await response.arrayBuffer()).byteLength;
          status = response.status;
        } catch (error) {
          if (error.name !== 'TimeoutError') throw error;
          status = 'timeout';
          samples.push(TIMEOUT_MS);
          break;
        }
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        if (i > 0) samples.push(ms); // the first request warms caches and the connection pool
        // A route that takes seconds is timed once more, not REPEAT times: the table is about which ones are slow.
        if (i === 0 && ms > SLOW_MS) repeats = 1;
        if (i > 0 && samples.length >= repeats) break;
      }
      samples.sort((a, b) => a - b);
      const row = {
        timedOut: status === 'timeout',
        route: template.replace('__HASH__', 'sha256:'),
        status,
        bytes,
        p50: samples[Math.floor(samples.length / 2)],
        max: samples[samples.length - 1],
      };
      results.push(row);
      log(`${row.route} ${status} ${row.p50.toFixed(1)} ms (max ${row.max.toFixed(1)})`);
    }
  } finally {
    await gateway.stop();
  }
  return results;
}

const seedStarted = Date.now();
if (!args.reuse) await seed();
const seedSeconds = args.reuse ? null : Math.round((Date.now() - seedStarted) / 1000);
const results = await timeRoutes();
const lines = [
  `Seeded: ${N.keys} keys, ${N.endUsers} end users, ${N.spendRows} spend rows over ${N.days} days, ${N.users} users, ${N.teams} teams, ` +
    `${N.organizations} organizations, ${N.budgets} budgets, ${N.auditRows} audit rows${seedSeconds === null ? '' : ` (seeding took ${seedSeconds} s)`}; ` +
    `${REPEAT} timed requests per route after one warm-up, sequential.`,
  '',
  '| route | status | bytes | p50 ms | max ms |',
  '|---|---|---|---|---|',
  ...results.map((row) => `| \`${row.route}\` | ${row.status} | ${row.bytes} | ${row.p50.toFixed(1)} | ${row.max.toFixed(1)} |`),
];
process.stdout.write(`${lines.join('\n')}\n`);
fs.mkdirSync(path.dirname(args.out), { recursive: true });
fs.writeFileSync(args.out, JSON.stringify({ counts: N, repeat: REPEAT, seedSeconds, results }, null, 2));
const slow = results.filter((row) => row.p50 > 300 || row.status !== 200);
if (slow.length > 0) log(`over 300 ms or not 200: ${slow.map((row) => row.route).join(', ')}`);
