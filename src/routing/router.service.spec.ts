import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/config.loader';
import { PricingService } from '../catalog/pricing.service';
import type { Deployment } from './deployment';
import { ModelRegistry } from './model-registry.service';
import { Router, routingFactsOf, type Attempt, type RouteRequest } from './router.service';
import { RouterPolicyHolder, routerPolicyOf } from './router-policy';
import { NoDeploymentsAvailableError, NoEligibleDeploymentError, UpstreamError } from './routing.errors';
import { InMemoryCounterStore } from '../store/in-memory-counter-store';
import { StoreRouterState } from './state/store-router-state';
import type { Clock } from './state/router-state.store';

class FakeClock implements Clock {
  value = 1_700_000_000_000;
  now(): number {
    return this.value;
  }
  advance(ms: number): void {
    this.value += ms;
  }
}

/** Deterministic [0, 1) sequence, so distribution tests never flake. */
function seeded(seed = 42): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

function routerFor(yaml: string): { sut: Router; clock: FakeClock; state: StoreRouterState; delays: number[]; policies: RouterPolicyHolder } {
  const dir = mkdtempSync(join(tmpdir(), 'router-spec-'));
  writeFileSync(join(dir, 'config.yaml'), yaml);
  const config = loadConfig({ configPath: join(dir, 'config.yaml'), env: {} });
  const clock = new FakeClock();
  const store = new InMemoryCounterStore(clock);
  store.close();
  const state = new StoreRouterState(store, clock);
  const policies = new RouterPolicyHolder(routerPolicyOf(config));
  const sut = new Router(new ModelRegistry(config, policies), new PricingService(), state, clock, policies);
  sut.random = seeded();
  const delays: number[] = [];
  sut.sleep = async (ms) => {
    delays.push(ms);
    clock.advance(ms);
  };
  return { sut, clock, state, delays, policies };
}

function request(model: string, extra: Partial<RouteRequest> = {}, body: Record<string, unknown> = {}): RouteRequest {
  return {
    model,
    operation: 'chat',
    body: { model, messages: [{ role: 'user', content: 'hi' }], ...body },
    streaming: false,
    clientSignal: new AbortController().signal,
    ...extra,
  };
}

const ok = async ({ deployment }: Attempt): Promise<string> => deployment.id;

function failWith(kind: ConstructorParameters<typeof UpstreamError>[0], status: number, headers?: Record<string, string>) {
  return (): never => {
    throw new UpstreamError(kind, status, 'OpenAI', `failure ${status}`, headers);
  };
}

async function countPicks(sut: Router, model: string, calls: number, run = ok): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < calls; i++) {
    const outcome = await sut.execute(request(model), run);
    outcome.finish();
    counts[outcome.deployment.id] = (counts[outcome.deployment.id] ?? 0) + 1;
  }
  return counts;
}

describe(Router.name, () => {
  describe('strategies (1,000 calls each)', () => {
    it('simple-shuffle should split traffic by rpm weight', async () => {
      const { sut } = routerFor(`
model_list:
  - { model_name: g, litellm_params: { model: mock/a, rpm: 900 }, model_info: { id: a } }
  - { model_name: g, litellm_params: { model: mock/b, rpm: 100 }, model_info: { id: b } }
`);
      const counts = await countPicks(sut, 'g', 1000);
      expect(counts.a).toBeGreaterThan(850);
      expect(counts.a).toBeLessThan(950);
      expect(counts.b).toBeGreaterThan(50);
    });

    it('simple-shuffle should prefer `weight` over rpm, and be uniform without either', async () => {
      const weighted = routerFor(`
model_list:
  - { model_name: g, litellm_params: { model: mock/a, weight: 1, rpm: 1000 }, model_info: { id: a } }
  - { model_name: g, litellm_params: { model: mock/b, weight: 3, rpm: 1 }, model_info: { id: b } }
`);
      const byWeight = await countPicks(weighted.sut, 'g', 1000);
      expect(byWeight.b / 1000).toBeGreaterThan(0.7);
      expect(byWeight.b / 1000).toBeLessThan(0.8);

      const uniform = routerFor(`
model_list:
  - { model_name: g, litellm_params: { model: mock/a }, model_info: { id: a } }
  - { model_name: g, litellm_params: { model: mock/b }, model_info: { id: b } }
  - { model_name: g, litellm_params: { model: mock/c }, model_info: { id: c } }
`);
      const counts = await countPicks(uniform.sut, 'g', 1000);
      for (const id of ['a', 'b', 'c']) {
        expect(counts[id]).toBeGreaterThan(280);
        expect(counts[id]).toBeLessThan(390);
      }
    });

    it('least-busy should send each call to the deployment with the fewest calls in flight', async () => {
      const { sut } = routerFor(`
model_list:
  - { model_name: g, litellm_params: { model: mock/a }, model_info: { id: a } }
  - { model_name: g, litellm_params: { model: mock/b }, model_info: { id: b } }
router_settings: { routing_strategy: least-busy }
`);
      // Streams hold their slot until finish(): 1,000 open calls must end up split evenly.
      const open = [];
      for (let i = 0; i < 1000; i++) open.push(await sut.execute(request('g', { streaming: true }), ok));
      const counts = { a: 0, b: 0 };
      for (const outcome of open) counts[outcome.deployment.id as 'a' | 'b'] += 1;
      expect(counts).toEqual({ a: 500, b: 500 });
      // Free three of a's slots: the next three calls all go to a.
      open
        .filter((o) => o.deployment.id === 'a')
        .slice(0, 3)
        .forEach((o) => o.finish());
      const next = [];
      for (let i = 0; i < 3; i++) next.push((await sut.execute(request('g', { streaming: true }), ok)).deployment.id);
      expect(next).toEqual(['a', 'a', 'a']);
    });

    it('latency-based-routing should send traffic to the fastest deployment once measured', async () => {
      const { sut, clock } = routerFor(`
model_list:
  - { model_name: g, litellm_params: { model: mock/fast }, model_info: { id: fast } }
  - { model_name: g, litellm_params: { model: mock/slow }, model_info: { id: slow } }
router_settings: { routing_strategy: latency-based-routing }
`);
      const timed = async ({ deployment }: Attempt): Promise<string> => {
        clock.advance(deployment.id === 'fast' ? 20 : 300);
        return deployment.id;
      };
      const counts = await countPicks(sut, 'g', 1000, timed);
      // Each is measured at least once; after that the fast one takes (nearly) everything.
      expect(counts.slow).toBeGreaterThanOrEqual(1);
      expect(counts.slow).toBeLessThan(5);
      expect(counts.fast).toBeGreaterThan(995);
    });

    it('usage-based-routing should balance tokens and skip deployments at their rpm', async () => {
      const { sut } = routerFor(`
model_list:
  - { model_name: g, litellm_params: { model: mock/a, rpm: 100 }, model_info: { id: a } }
  - { model_name: g, litellm_params: { model: mock/b, rpm: 1000 }, model_info: { id: b } }
router_settings: { routing_strategy: usage-based-routing-v2 }
`);
      const counts = await countPicks(sut, 'g', 1000);
      // Equal usage while both have room; a stops at its 100 rpm, b takes the rest.
      expect(counts.a).toBe(100);
      expect(counts.b).toBe(900);
      // Both full for this minute (b: 900 + 100 more): the next call has nowhere to go.
      await countPicks(sut, 'g', 100);
      await expect(sut.execute(request('g'), ok)).rejects.toBeInstanceOf(NoDeploymentsAvailableError);
    });

    it('cost-based-routing should always pick the cheapest deployment', async () => {
      const { sut } = routerFor(`
model_list:
  - { model_name: g, litellm_params: { model: mock/dear, input_cost_per_token: 0.00003, output_cost_per_token: 0.00006 }, model_info: { id: dear } }
  - { model_name: g, litellm_params: { model: mock/cheap, input_cost_per_token: 0.0000001, output_cost_per_token: 0.0000002 }, model_info: { id: cheap } }
router_settings: { routing_strategy: cost-based-routing }
`);
      expect(await countPicks(sut, 'g', 1000)).toEqual({ cheap: 1000 });
    });
  });

  describe('retries', () => {
    it('should make exactly 1 + num_retries attempts on a persistent server error, with exponential backoff', async () => {
      const { sut, delays } = routerFor(`
model_list:
  - { model_name: g, litellm_params: { model: mock/a }, model_info: { id: a } }
router_settings: { num_retries: 3, allowed_fails: 100 }
`);
      const attempts: string[] = [];
      const error = await sut
        .execute(request('g'), (attempt) => {
          attempts.push(attempt.deployment.id);
          return failWith('upstream', 500)();
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UpstreamError);
      expect(attempts).toEqual(['a', 'a', 'a', 'a']);
      expect(delays).toEqual([500, 1000, 2000]);
      expect(routingFactsOf(error)).toMatchObject({ attemptedRetries: 3, maxRetries: 3, attemptedFallbacks: 0, timeoutMs: 600_000, fallbacks: [] });
      expect(routingFactsOf(error)?.attempts.map((attempt) => [attempt.deployment.id, attempt.failure !== undefined])).toEqual([
        ['a', true],
        ['a', true],
        ['a', true],
        ['a', true],
      ]);
    });

    it("should honour the upstream's retry-after and retry_policy per error class", async () => {
      const { sut, delays } = routerFor(`
model_list:
  - { model_name: g, litellm_params: { model: mock/a }, model_info: { id: a } }
router_settings:
  num_retries: 5
  allowed_fails: 100
  retry_policy: { RateLimitErrorRetries: 1, AuthenticationErrorRetries: 0 }
`);
      let attempts = 0;
      await expect(
        sut.execute(request('g'), () => {
          attempts += 1;
          return failWith('rate_limited', 429, { 'retry-after': '2' })();
        }),
      ).rejects.toBeInstanceOf(UpstreamError);
      expect(attempts).toBe(2);
      expect(delays).toEqual([2000]);

      attempts = 0;
      await expect(sut.execute(request('g'), () => (attempts++, failWith('auth', 401)()))).rejects.toBeInstanceOf(UpstreamError);
      expect(attempts).toBe(1);
    });

    it('should not retry a bad request, and the per-request num_retries should win over the config', async () => {
      const { sut } = routerFor(`
model_list:
  - { model_name: g, litellm_params: { model: mock/a }, model_info: { id: a } }
router_settings: { num_retries: 4, allowed_fails: 100 }
`);
      let attempts = 0;
      await expect(sut.execute(request('g'), () => (attempts++, failWith('bad_request', 400)()))).rejects.toBeInstanceOf(UpstreamError);
      expect(attempts).toBe(1);
      attempts = 0;
      await expect(sut.execute(request('g', {}, { num_retries: 1 }), () => (attempts++, failWith('upstream', 503)()))).rejects.toBeInstanceOf(UpstreamError);
      expect(attempts).toBe(2);
    });

    it('should retry on another deployment at once, and report the retries', async () => {
      const { sut, delays } = routerFor(`
model_list:
  - { model_name: g, litellm_params: { model: mock/a }, model_info: { id: a } }
  - { model_name: g, litellm_params: { model: mock/b }, model_info: { id: b } }
router_settings: { num_retries: 2 }
`);
      const attempts: string[] = [];
      const outcome = await sut.execute(request('g'), ({ deployment }) => {
        attempts.push(deployment.id);
        if (attempts.length === 1) failWith('timeout', 408)();
        return Promise.resolve(deployment.id);
      });
      expect(attempts).toHaveLength(2);
      expect(attempts[0]).not.toBe(attempts[1]);
      expect(delays).toEqual([0]);
      expect(outcome).toMatchObject({ attemptedRetries: 1, maxRetries: 2, attemptedFallbacks: 0 });
    });
  });

  describe('cooldowns', () => {
    it('should take a deployment out after allowed_fails failures and bring it back after cooldown_time', async () => {
      const { sut, clock } = routerFor(`
model_list:
  - { model_name: g, litellm_params: { model: mock/bad }, model_info: { id: bad } }
  - { model_name: g, litellm_params: { model: mock/good }, model_info: { id: good } }
router_settings: { allowed_fails: 2, cooldown_time: 30, num_retries: 0 }
`);
      let badAttempts = 0;
      const flaky = ({ deployment }: Attempt): Promise<string> => {
        if (deployment.id === 'bad') {
          badAttempts += 1;
          failWith('upstream', 500)();
        }
        return Promise.resolve(deployment.id);
      };
      // Until the third failure in the minute, bad stays in rotation.
      while (badAttempts < 3) await sut.execute(request('g'), flaky).catch(() => undefined);
      expect(await countPicks(sut, 'g', 200, flaky)).toEqual({ good: 200 });
      expect(badAttempts).toBe(3);

      clock.advance(29_000);
      expect(await countPicks(sut, 'g', 50, flaky)).toEqual({ good: 50 });
      clock.advance(1_001);
      const back = await countPicks(sut, 'g', 200, async ({ deployment }) => deployment.id);
      expect(back.bad).toBeGreaterThan(50);
    });

    it('should answer 429 "No deployments available" while every deployment cools down', async () => {
      const { sut, clock } = routerFor(`
model_list:
  - { model_name: g, litellm_params: { model: mock/a }, model_info: { id: a } }
router_settings: { allowed_fails: 0, cooldown_time: 10 }
`);
      await expect(sut.execute(request('g'), failWith('rate_limited', 429))).rejects.toBeInstanceOf(UpstreamError);
      let attempts = 0;
      const error = (await sut.execute(request('g'), () => (attempts++, ok({} as Attempt))).catch((e: unknown) => e)) as NoDeploymentsAvailableError;
      expect(error).toBeInstanceOf(NoDeploymentsAvailableError);
      expect(error.status).toBe(429);
      expect(error.message).toContain('No deployments available for selected model, Try again in 10 seconds. Passed model=g');
      expect(attempts).toBe(0);
      clock.advance(10_001);
      await expect(sut.execute(request('g'), ok)).resolves.toMatchObject({ value: 'a' });
    });

    it('allowed_fails_policy should count bad requests only when it names them, and disable_cooldowns should keep everything in', async () => {
      const policy = routerFor(`
model_list:
  - { model_name: g, litellm_params: { model: mock/a }, model_info: { id: a } }
router_settings: { allowed_fails: 0, allowed_fails_policy: { BadRequestErrorAllowedFails: 1 } }
`);
      await policy.sut.execute(request('g'), failWith('bad_request', 400)).catch(() => undefined);
      await expect(policy.sut.execute(request('g'), ok)).resolves.toBeDefined();
      await policy.sut.execute(request('g'), failWith('bad_request', 400)).catch(() => undefined);
      await expect(policy.sut.execute(request('g'), ok)).rejects.toBeInstanceOf(NoDeploymentsAvailableError);

      const disabled = routerFor(`
model_list:
  - { model_name: g, litellm_params: { model: mock/a }, model_info: { id: a } }
router_settings: { allowed_fails: 0, disable_cooldowns: true }
`);
      for (let i = 0; i < 5; i++) await disabled.sut.execute(request('g'), failWith('upstream', 500)).catch(() => undefined);
      await expect(disabled.sut.execute(request('g'), ok)).resolves.toBeDefined();
    });
  });

  describe('fallbacks', () => {
    const FALLBACKS = `
model_list:
  - { model_name: primary, litellm_params: { model: mock/p }, model_info: { id: p } }
  - { model_name: second, litellm_params: { model: mock/s }, model_info: { id: s } }
  - { model_name: third, litellm_params: { model: mock/t }, model_info: { id: t } }
  - { model_name: big, litellm_params: { model: mock/big }, model_info: { id: big } }
  - { model_name: safe, litellm_params: { model: mock/safe }, model_info: { id: safe } }
  - { model_name: other, litellm_params: { model: mock/o }, model_info: { id: o } }
router_settings:
  num_retries: 1
  allowed_fails: 100
  fallbacks: [{ primary: [second, third] }, { "*": [other] }]
  context_window_fallbacks: [{ primary: [big] }]
  content_policy_fallbacks: [{ primary: [safe] }]
`;

    it('should walk the fallback chain in order, retrying each group, and count the fallbacks', async () => {
      const { sut } = routerFor(FALLBACKS);
      const attempts: string[] = [];
      const outcome = await sut.execute(request('primary'), ({ deployment }) => {
        attempts.push(deployment.id);
        if (deployment.id !== 't') failWith('upstream', 500)();
        return Promise.resolve(deployment.id);
      });
      expect(attempts).toEqual(['p', 'p', 's', 's', 't']);
      expect(outcome).toMatchObject({ value: 't', attemptedFallbacks: 2, attemptedRetries: 2 });
    });

    it('should pick the fallback list by error class, and none for a plain bad request', async () => {
      const { sut } = routerFor(FALLBACKS);
      const firstFails = (kind: ConstructorParameters<typeof UpstreamError>[0], status: number) => {
        let first = true;
        return ({ deployment }: Attempt): Promise<string> => {
          if (first) {
            first = false;
            failWith(kind, status)();
          }
          return Promise.resolve(deployment.id);
        };
      };
      expect((await sut.execute(request('primary'), firstFails('context_window_exceeded', 400))).value).toBe('big');
      expect((await sut.execute(request('primary'), firstFails('content_policy', 400))).value).toBe('safe');
      expect((await sut.execute(request('second'), firstFails('auth', 401))).value).toBe('o');
      await expect(sut.execute(request('primary'), firstFails('bad_request', 400))).rejects.toBeInstanceOf(UpstreamError);
    });

    it('per-request fallbacks, mock_testing_fallbacks and mock_testing_rate_limit_error should drive the chain', async () => {
      const { sut } = routerFor(FALLBACKS);
      const attempts: string[] = [];
      const record = ({ deployment }: Attempt): Promise<string> => (attempts.push(deployment.id), Promise.resolve(deployment.id));
      const outcome = await sut.execute(request('primary', {}, { mock_testing_fallbacks: true, fallbacks: ['third'] }), record);
      // The primary group is never called; the request's own list replaces the configured one.
      expect(attempts).toEqual(['t']);
      expect(outcome.attemptedFallbacks).toBe(1);

      attempts.length = 0;
      const limited = await sut.execute(request('primary', {}, { mock_testing_rate_limit_error: true }), record);
      // The mock 429 is retried like a real one (num_retries: 1): the retry reaches the upstream.
      expect(attempts).toEqual(['p']);
      expect(limited.attemptedRetries).toBe(1);
    });

    it('should never cool a deployment down for a requested mock failure', async () => {
      const { sut } = routerFor(`
model_list:
  - { model_name: g, litellm_params: { model: mock/a }, model_info: { id: a } }
router_settings: { allowed_fails: 0 }
`);
      let attempts = 0;
      const counted = ({ deployment }: Attempt): Promise<string> => (attempts++, Promise.resolve(deployment.id));
      await expect(sut.execute(request('g', {}, { mock_testing_rate_limit_error: true }), counted)).rejects.toMatchObject({ status: 429 });
      expect(attempts).toBe(0);
      await expect(sut.execute(request('g'), counted)).resolves.toMatchObject({ value: 'a' });
    });

    it('should skip fallback groups the caller may not use and default_fallbacks should catch the rest', async () => {
      const { sut } = routerFor(`
model_list:
  - { model_name: primary, litellm_params: { model: mock/p }, model_info: { id: p } }
  - { model_name: secret, litellm_params: { model: mock/x }, model_info: { id: x } }
  - { model_name: open, litellm_params: { model: mock/o }, model_info: { id: o } }
router_settings: { default_fallbacks: [secret, open] }
`);
      const outcome = await sut.execute(request('primary', { mayUse: (model) => model !== 'secret' }), ({ deployment }) =>
        deployment.id === 'p' ? failWith('upstream', 500)() : Promise.resolve(deployment.id),
      );
      expect(outcome.value).toBe('o');
      expect(outcome.attemptedFallbacks).toBe(1);
    });
  });

  describe('eligibility', () => {
    const ELIGIBILITY = `
model_list:
  - { model_name: g, litellm_params: { model: mock/eu, region_name: eu, tags: [teamA] }, model_info: { id: eu } }
  - { model_name: g, litellm_params: { model: mock/us, region_name: us, tags: [default] }, model_info: { id: us } }
  - { model_name: small, litellm_params: { model: mock/s, max_input_tokens: 10 }, model_info: { id: small-1 } }
  - { model_name: small, litellm_params: { model: mock/l, max_input_tokens: 100000 }, model_info: { id: small-2 } }
  - { model_name: one, litellm_params: { model: mock/one, max_parallel_requests: 2 }, model_info: { id: one } }
router_settings:
  enable_tag_filtering: true
  enable_pre_call_checks: true
  model_group_alias: { g-alias: g }
`;

    it("should pin an end user's allowed_model_region", async () => {
      const { sut } = routerFor(ELIGIBILITY);
      expect(await countPicks(sut, 'g', 1)).toEqual({ us: 1 });
      for (let i = 0; i < 50; i++) expect((await sut.execute(request('g', { allowedRegion: 'eu' }), ok)).deployment.region).toBe('eu');
      await expect(sut.execute(request('g', { allowedRegion: 'ap' }), ok)).rejects.toBeInstanceOf(NoEligibleDeploymentError);
    });

    it('should route by request tags, and untagged requests to the default deployments', async () => {
      const { sut } = routerFor(ELIGIBILITY);
      for (let i = 0; i < 20; i++) {
        expect((await sut.execute(request('g', {}, { tags: ['teamA'] }), ok)).value).toBe('eu');
        expect((await sut.execute(request('g', {}, { metadata: { tags: ['unknown'] } }), ok)).value).toBe('us');
        expect((await sut.execute(request('g-alias'), ok)).value).toBe('us');
      }
    });

    it('should skip deployments whose context window the prompt exceeds', async () => {
      const { sut } = routerFor(ELIGIBILITY);
      const long = { messages: [{ role: 'user', content: 'word '.repeat(200) }] };
      for (let i = 0; i < 20; i++) expect((await sut.execute(request('small', {}, long), ok)).value).toBe('small-2');
    });

    it('should skip deployments at their rpm this minute, and take them back the next minute', async () => {
      const { sut, clock } = routerFor(`
model_list:
  - { model_name: g, litellm_params: { model: mock/a, rpm: 3 }, model_info: { id: a } }
  - { model_name: g, litellm_params: { model: mock/b, rpm: 2 }, model_info: { id: b } }
router_settings: { enable_pre_call_checks: true }
`);
      clock.value = 1_700_000_080_000;
      expect(await countPicks(sut, 'g', 5)).toEqual({ a: 3, b: 2 });
      const error = (await sut.execute(request('g'), ok).catch((e: unknown) => e)) as NoDeploymentsAvailableError;
      expect(error).toBeInstanceOf(NoDeploymentsAvailableError);
      expect(error.message).toContain('Try again in 20 seconds');
      clock.advance(20_000);
      await expect(sut.execute(request('g'), ok)).resolves.toBeDefined();
    });

    it('usage-based routing should count the completion tokens a call reports', async () => {
      const { sut, state } = routerFor(`
model_list:
  - { model_name: g, litellm_params: { model: mock/a, tpm: 100000 }, model_info: { id: a } }
router_settings: { routing_strategy: usage-based-routing }
`);
      const outcome = await sut.execute(request('g'), ok);
      outcome.finish(500);
      outcome.finish(500);
      const used = (await state.usage(['a'])).get('a');
      expect(used?.requests).toBe(1);
      // The prompt estimate plus the 500 completion tokens, counted once.
      expect(used?.tokens).toBeGreaterThan(500);
      expect(used?.tokens).toBeLessThan(520);
    });

    it('should hold max_parallel_requests per deployment', async () => {
      const { sut } = routerFor(ELIGIBILITY);
      const first = await sut.execute(request('one', { streaming: true }), ok);
      await sut.execute(request('one', { streaming: true }), ok);
      await expect(sut.execute(request('one', { streaming: true }), ok)).rejects.toBeInstanceOf(NoDeploymentsAvailableError);
      first.finish();
      await expect(sut.execute(request('one', { streaming: true }), ok)).resolves.toBeDefined();
    });

    it('should address a deployment by model_info.id and by litellm_params.model', async () => {
      const { sut } = routerFor(ELIGIBILITY);
      for (let i = 0; i < 10; i++) {
        expect((await sut.execute(request('eu'), ok)).value).toBe('eu');
        expect((await sut.execute(request('mock/l'), ok)).value).toBe('small-2');
      }
    });
  });

  it('should give every attempt its own deadline', async () => {
    const { sut } = routerFor(`
model_list:
  - { model_name: g, litellm_params: { model: mock/a, timeout: 7 }, model_info: { id: a } }
`);
    const seen: number[] = [];
    const run = async (attempt: Attempt): Promise<Deployment> => (seen.push(attempt.timeoutMs), attempt.deployment);
    await sut.execute(request('g'), run);
    await sut.execute(request('g', {}, { timeout: 2 }), run);
    await sut.execute(request('g', { timeoutHeader: '3' }), run);
    expect(seen).toEqual([7000, 2000, 3000]);
  });

  it('should follow a swapped policy from the next call: fallbacks, retries and deadlines without a new Router', async () => {
    const yaml = `
model_list:
  - { model_name: broken, litellm_params: { model: mock/b }, model_info: { id: b } }
  - { model_name: spare, litellm_params: { model: mock/s }, model_info: { id: s } }
  - { model_name: timed, litellm_params: { model: mock/t, timeout: 9 }, model_info: { id: t } }
  - { model_name: plain, litellm_params: { model: mock/p }, model_info: { id: p } }
router_settings: { allowed_fails: 100 }
`;
    const { sut, policies } = routerFor(yaml);
    const attempts: string[] = [];
    const run = ({ deployment }: Attempt): Promise<string> => {
      attempts.push(deployment.id);
      if (deployment.id === 'b') failWith('upstream', 500)();
      return Promise.resolve(deployment.id);
    };
    await expect(sut.execute(request('broken'), run)).rejects.toBeInstanceOf(UpstreamError);
    expect(attempts).toEqual(['b']);

    const dir = mkdtempSync(join(tmpdir(), 'router-spec-'));
    writeFileSync(join(dir, 'config.yaml'), yaml);
    const changed = loadConfig({ configPath: join(dir, 'config.yaml'), env: {} }).withOverrides?.({
      router_settings: { num_retries: 2, fallbacks: [{ broken: ['spare'] }], timeout: 30 },
    });
    if (!changed) throw new Error('loadConfig gives withOverrides');
    const before = sut.policy;
    policies.swap(routerPolicyOf(changed));
    expect(sut.policy).not.toBe(before);
    attempts.length = 0;
    const outcome = await sut.execute(request('broken'), run);
    expect(attempts).toEqual(['b', 'b', 'b', 's']);
    expect(outcome).toMatchObject({ value: 's', attemptedRetries: 2, attemptedFallbacks: 1 });
    // The new default deadline reaches deployments without their own; one with its own timeout keeps it.
    expect((await sut.execute(request('plain'), ok)).timeoutMs).toBe(30_000);
    expect((await sut.execute(request('timed'), ok)).timeoutMs).toBe(9_000);
  });
});
