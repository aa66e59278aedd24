#!/usr/bin/env node
// Where does the gateway's CPU go, per call? Runs the enterprise path (bench/enterprise.yaml: a virtual key with a
// budget under a global max_budget, hide_secrets, audit, Prometheus metrics, the embedded database) under V8's
// sampling profiler, drives a closed loop of chat calls against the mock upstream, then attributes every sample to
// the pipeline stage whose code was running (the innermost Tollgate frame on the stack), or to the library or Node
// internals when no Tollgate frame is on it (socket callbacks, the database driver, GC). Needs the build:
//
//   npm run build && node bench/stage-profile.mjs [--seconds 20] [--concurrency 16] [--scenario chat|chat-stream|embeddings]
//
// Prints µs of main-thread CPU per call for each stage. The profiler itself costs some CPU (samples every 100 µs),
// so the total is higher than bench/run.mjs's CPU per request; the shares are what this is for.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool, request } from 'undici';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MASTER_KEY = 'sk-bench-1234';
const UPSTREAM_KEY = 'sk-upstream-bench';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '16' },
    scenario: { type: 'string', default: 'chat' },
    out: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);
const CONCURRENCY = Number(values.concurrency);
const SCENARIOS = {
  chat: { path: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello, how are you today?' }], max_tokens: 16 } },
  'chat-stream': { path: '/v1/chat/completions', body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello, how are you today?' }], max_tokens: 16, stream: true } },
  embeddings: { path: '/v1/embeddings', body: { model: 'text-embedding-3-small', input: 'The food was delicious and the waiter was very friendly.' } },
};
const scenario = SCENARIOS[values.scenario];
if (!scenario) throw new Error(`--scenario must be one of ${Object.keys(SCENARIOS).join(', ')}`);

/**
 * Stages by the source directory of the innermost Tollgate frame (dist/src/<dir>/…), checked in order; a file
 * name wins over its directory where one directory serves two stages.
 */
const STAGES = [
  ['auth (key lookup, route and IP access)', [/\/src\/auth\//, /\/src\/keys\//, /\/src\/common\/access\//]],
  ['charged parties (team, user, end user)', [/\/pipeline\/charged-parties/, /\/src\/teams\//, /\/src\/customers\//]],
  ['guardrails (hide_secrets)', [/\/src\/guardrails\//, /\/pipeline\/guardrail-/, /guardrail-[a-z-]+\/dist\//]],
  ['admission + settlement (limits, counter store)', [/\/src\/limits\//, /\/src\/store\//]],
  ['routing + provider adapter', [/\/src\/routing\//, /\/src\/models\//]],
  ['pricing', [/\/src\/pricing\//, /\/src\/catalog\//]],
  ['spend ledger (row, journal, writer)', [/\/src\/spend\//]],
  ['audit', [/\/src\/audit\//]],
  ['metrics (Prometheus)', [/\/src\/observability\//]],
  ['pipeline (the stages around these)', [/\/src\/pipeline\//]],
  ['edge: parse, validate, respond', [/\/src\/gateway\//, /\/src\/common\/http\//, /\/src\/common\//, /\/src\/messages\//, /\/src\/responses\//]],
  ['database (queries issued)', [/\/src\/database\//]],
  ['other Tollgate code', [/\/dist\/src\//]],
];
/** Samples with no Tollgate frame, by the innermost library frame. */
const LIBRARIES = [
  ['Fastify (HTTP server, routing, serialisation)', /node_modules\/(fastify|@fastify|find-my-way|avvio|light-my-request|fast-json-stringify|secure-json-parse)\//],
  ['NestJS (request pipeline, interceptors)', /node_modules\/(@nestjs|rxjs|reflect-metadata)\//],
  ['PostgreSQL driver (pg, TypeORM)', /node_modules\/(pg|pg-protocol|pg-pool|typeorm)\//],
  ['HTTP client to the provider (undici)', /node_modules\/undici\//],
  ['prom-client', /node_modules\/prom-client\//],
  ['other libraries', /node_modules\//],
];

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

function start(name, argv, env = process.env) {
  const child = spawn(argv[0], argv.slice(1), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const rec = { child, output: '' };
  const keep = (data) => {
    rec.output = (rec.output + data).slice(-32_000);
    if (values.verbose) process.stderr.write(`[${name}] ${data}`);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  rec.exited = new Promise((done) => child.on('exit', (code, signal) => done(code ?? signal)));
  return rec;
}

async function waitFor(check, what, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} did not come up in ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

async function post(origin, path, body, auth) {
  const res = await request(`${origin}${path}`, { method: 'POST', headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`${path} answered ${res.statusCode}: ${text.slice(0, 300)}`);
  return text;
}

/** Closed loop: `concurrency` calls in flight until `until`; returns the calls that finished with 200. */
async function drive(origin, auth, until) {
  const pool = new Pool(origin, { connections: CONCURRENCY, pipelining: 1 });
  const payload = JSON.stringify(scenario.body);
  let done = 0;
  let failed = 0;
  const worker = async () => {
    while (Date.now() < until) {
      const res = await pool.request({ path: scenario.path, method: 'POST', headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' }, body: payload });
      await res.body.text();
      if (res.statusCode === 200) done++;
      else failed++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await pool.close();
  if (failed) throw new Error(`${failed} calls failed`);
  return done;
}

/** The profile with only the samples from the first to the last one taken inside the call pipeline. */
function callSpan(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const inPipeline = new Map();
  const isInPipeline = (id) => {
    if (inPipeline.has(id)) return inPipeline.get(id);
    const { url, functionName } = byId.get(id).callFrame;
    // A named function: the module's own top-level code (functionName '') runs at boot, when it is loaded.
    const answer = (url.includes('/src/pipeline/call-pipeline.service') && functionName !== '') || (parent.has(id) && isInPipeline(parent.get(id)));
    inPipeline.set(id, answer);
    return answer;
  };
  const first = profile.samples.findIndex(isInPipeline);
  let last = profile.samples.length - 1;
  while (last > first && !isInPipeline(profile.samples[last])) last--;
  if (first < 0) throw new Error('no sample inside the call pipeline: did the calls reach the gateway?');
  return { ...profile, samples: profile.samples.slice(first, last + 1), timeDeltas: [0, ...profile.timeDeltas.slice(first + 1, last + 1)] };
}

/** Self time per stage from a .cpuprofile: each sample goes to the innermost Tollgate frame on its stack. */
function attribute(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const bucketOf = new Map();
  const classify = (id) => {
    if (bucketOf.has(id)) return bucketOf.get(id);
    const node = byId.get(id);
    const name = node.callFrame.functionName;
    let bucket;
    if (name === '(idle)') bucket = null;
    else if (name === '(garbage collector)') bucket = 'garbage collection';
    else if (name === '(program)') bucket = 'V8 and Node outside JavaScript';
    else {
      let library;
      for (let at = id; at !== undefined; at = parent.get(at)) {
        const url = byId.get(at).callFrame.url;
        if (!url) continue;
        if (url.includes('/dist/src/') || /guardrail-[a-z-]+\/dist\//.test(url)) {
          bucket = STAGES.find(([, patterns]) => patterns.some((pattern) => pattern.test(url)))[0];
          break;
        }
        library ??= LIBRARIES.find(([, pattern]) => pattern.test(url))?.[0];
      }
      bucket ??= library ?? 'Node internals (sockets, streams, timers)';
    }
    bucketOf.set(id, bucket);
    return bucket;
  };
  const micros = new Map();
  let total = 0;
  let span = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    span += Math.max(delta, 0);
    const bucket = classify(id);
    if (bucket === null || delta <= 0) return;
    micros.set(bucket, (micros.get(bucket) ?? 0) + delta);
    total += delta;
  });
  return { micros, total, spanMs: span / 1000 };
}

function report(micros, total, calls, spanMs) {
  const rows = [...micros].sort((a, b) => b[1] - a[1]);
  const width = Math.max(...rows.map(([name]) => name.length), 20);
  const line = (name, us, share) => `| ${name.padEnd(width)} | ${us.padStart(8)} | ${share.padStart(6)} |`;
  const out = [
    `${calls} calls in ${(spanMs / 1000).toFixed(1)} s (${Math.round((calls * 1000) / spanMs)} calls/s), main-thread CPU ${(total / calls).toFixed(0)} µs per call (busy ${((100 * total) / (spanMs * 1000)).toFixed(0)} %)`,
    '',
    line('stage', 'µs/call', 'share'),
    line('-'.repeat(width), '-'.repeat(8), '-'.repeat(6)),
    ...rows.map(([name, us]) => line(name, (us / calls).toFixed(1), `${((100 * us) / total).toFixed(1)} %`)),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

async function main() {
  const workDir = mkdtempSync(join(tmpdir(), 'tollgate-stage-profile-'));
  // Its own temporary directory, as TOLLGATE_DATA_DIR always is in the benches: run as root, the embedded server
  // runs as another user, which must be able to reach the data directory.
  const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-stage-profile-data-'));
  const children = [];
  try {
    const mockPort = await freePort();
    const mock = start('mock', [
      process.execPath,
      join(ROOT, 'test/support/mock-upstream.mjs'),
      '--port',
      String(mockPort),
      '--require-api-key',
      UPSTREAM_KEY,
      '--rpm-limit',
      '1000000000',
      '--tpm-limit',
      '1000000000000',
    ]);
    children.push(mock);
    await waitFor(async () => /mock upstream listening on/.test(mock.output), 'the mock upstream', 10_000);

    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const env = { ...process.env, UPSTREAM_BASE_URL: `http://127.0.0.1:${mockPort}/v1`, TOLLGATE_DATA_DIR: dataDir };
    for (const name of ['LITELLM_MASTER_KEY', 'DATABASE_URL', 'REDIS_URL', 'REDIS_HOST']) delete env[name];
    const profiles = join(workDir, 'profiles');
    const gateway = start(
      'gateway',
      [
        process.execPath,
        '--cpu-prof',
        '--cpu-prof-dir',
        profiles,
        '--cpu-prof-interval',
        '100',
        join(ROOT, 'bin/tollgate.js'),
        '--config',
        join(ROOT, 'bench/enterprise.yaml'),
        '--port',
        String(port),
      ],
      env,
    );
    children.push(gateway);
    await waitFor(async () => (await request(`${origin}/health/liveliness`)).statusCode === 200, 'the gateway');

    const { key } = JSON.parse(await post(origin, '/key/generate', { max_budget: 1000000, models: ['gpt-4o-mini', 'text-embedding-3-small'] }, MASTER_KEY));
    process.stderr.write(`[stage-profile] warm-up ${WARMUP} s, then ${SECONDS} s of ${values.scenario} at c=${CONCURRENCY} with a virtual key\n`);
    // The profile covers the process's whole life: it is cut to the span from the first to the last sample inside
    // the call pipeline, which holds the warm-up and the measured calls and neither boot nor shutdown.
    const warmupCalls = await drive(origin, key, Date.now() + WARMUP * 1000);
    const measuredCalls = await drive(origin, key, Date.now() + SECONDS * 1000);
    gateway.child.kill('SIGTERM');
    await gateway.exited;
    const [file] = readdirSync(profiles).filter((name) => name.endsWith('.cpuprofile'));
    if (!file) throw new Error('the gateway wrote no CPU profile');
    const profile = JSON.parse(readFileSync(join(profiles, file), 'utf8'));
    if (values.out) writeFileSync(values.out, JSON.stringify(profile));
    const { micros, total, spanMs } = attribute(callSpan(profile));
    report(micros, total, warmupCalls + measuredCalls, spanMs);
  } finally {
    for (const { child } of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(workDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`[stage-profile] ${error.stack ?? error}\n`);
  process.exit(1);
});
