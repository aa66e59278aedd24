#!/usr/bin/env node
// What does the Router cost per call? Runs Router.execute() against a no-op attempt (no network), for every
// strategy, and compares it with the bare registry lookup it replaced. Needs the build:
//
//   npm run build && node bench/router-overhead.mjs [--calls 200000]
//
// Prints µs per call (wall time, single thread); the difference to the lookup is the routing overhead.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (path) => require(join(ROOT, 'dist/src', path));
const { loadConfig } = dist('config/config.loader.js');
const { ModelRegistry } = dist('routing/model-registry.service.js');
const { Router } = dist('routing/router.service.js');
const { PricingService } = dist('catalog/pricing.service.js');
const { InMemoryCounterStore } = dist('store/in-memory-counter-store.js');
const { systemClock } = dist('store/counter-store.js');
const { StoreRouterState } = dist('routing/state/store-router-state.js');
const { UpstreamCallControl } = dist('routing/upstream-abort.js');

const { values } = parseArgs({ options: { calls: { type: 'string', default: '200000' } } });
const CALLS = Number(values.calls);
const STRATEGIES = ['simple-shuffle', 'least-busy', 'latency-based-routing', 'usage-based-routing-v2', 'cost-based-routing'];

function routerFor(strategy) {
  const dir = mkdtempSync(join(tmpdir(), 'router-bench-'));
  const deployments = [1, 2, 3, 4]
    .map((i) => `  - { model_name: g, litellm_params: { model: mock/d${i}, rpm: 100000000, tpm: 100000000000 }, model_info: { id: d${i} } }`)
    .join('\n');
  writeFileSync(join(dir, 'config.yaml'), `model_list:\n${deployments}\nrouter_settings: { routing_strategy: ${strategy}, num_retries: 2 }\n`);
  const config = loadConfig({ configPath: join(dir, 'config.yaml'), env: {} });
  rmSync(dir, { recursive: true, force: true });
  const registry = new ModelRegistry(config);
  return { registry, router: new Router(registry, new PricingService(), new StoreRouterState(new InMemoryCounterStore(systemClock), systemClock), systemClock, config) };
}

const body = { model: 'g', messages: [{ role: 'user', content: 'Hello, how are you today?' }] };
const signal = new AbortController().signal;
const attempt = async ({ deployment }) => deployment.id;

async function measure(run) {
  for (let i = 0; i < 20000; i++) await run(); // warm-up (JIT)
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) await run();
  return ((performance.now() - started) * 1000) / CALLS;
}

const rows = [];
const { registry } = routerFor('simple-shuffle');
// What the gateway did per call before the router: one lookup and one deadline/abort control.
const baseline = await measure(async () => {
  const deployment = registry.pick('g');
  const control = new UpstreamCallControl(600_000);
  await attempt({ deployment, signal: control.signal });
  control.dispose();
});
rows.push(['registry.pick + call control (before the router)', baseline]);
for (const strategy of STRATEGIES) {
  const { router } = routerFor(strategy);
  const request = { model: 'g', operation: 'chat', body, streaming: false, clientSignal: signal };
  const perCall = await measure(async () => (await router.execute(request, attempt)).finish());
  rows.push([`Router.execute ${strategy}`, perCall]);
}
console.log(`| path | µs per call | added vs lookup |\n|---|---:|---:|`);
for (const [name, us] of rows) console.log(`| ${name} | ${us.toFixed(2)} | ${(us - baseline).toFixed(2)} |`);
