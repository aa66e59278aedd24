import OpenAI, { APIError } from 'openai';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { type MockUpstreamProcess, startMockUpstreamProcess } from './support/mock-upstream.process';

const MASTER_KEY = 'sk-limits-master';
/** Only completion tokens cost money here, so a call's cost is exactly known in advance: 16 × 1e-4. */
const OUTPUT_PRICE = 0.0001;
const COMPLETION_TOKENS = 16;
const CALL_COST = COMPLETION_TOKENS * OUTPUT_PRICE;

function config(mock: MockUpstreamProcess, extra = ''): string {
  return `
general_settings:
  master_key: ${MASTER_KEY}
${extra}
model_list:
  - model_name: priced
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${mock.baseUrl}, api_key: sk-upstream, input_cost_per_token: 0, output_cost_per_token: ${OUTPUT_PRICE} }
  - model_name: other
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${mock.baseUrl}, api_key: sk-upstream, input_cost_per_token: 0, output_cost_per_token: ${OUTPUT_PRICE} }
  - model_name: slow
    litellm_params: { model: openai/slow-400, api_base: ${mock.baseUrl}, api_key: sk-upstream }
`;
}

describe('Virtual keys on the LLM path: auth, model access, rate limits, budgets (e2e)', () => {
  let mock: MockUpstreamProcess;
  let gateway: TestGateway;

  beforeAll(async () => {
    mock = await startMockUpstreamProcess(['--completion-tokens', String(COMPLETION_TOKENS), '--latency', '30']);
    gateway = await startGateway(config(mock));
  });

  afterAll(async () => {
    await gateway?.close();
    await mock?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  async function admin<T = Record<string, unknown>>(path: string, body?: unknown, auth = MASTER_KEY): Promise<{ status: number; body: T }> {
    const response = await fetch(`${gateway.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  async function newKey(params: Record<string, unknown> = {}): Promise<string> {
    const { status, body } = await admin<{ key: string }>('/key/generate', params);
    expect(status).toBe(200);
    return body.key;
  }

  const client = (key: string) => new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  const ask = (key: string, model = 'priced') =>
    client(key)
      .chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: COMPLETION_TOKENS })
      .withResponse();
  const failure = async (promise: Promise<unknown>): Promise<APIError> => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(APIError);
    return error as APIError;
  };

  it('should serve a generated key and report its cost and limits in headers', async () => {
    const key = await newKey({ max_budget: 10, rpm_limit: 100, tpm_limit: 100000 });
    const { data, response } = await ask(key);
    expect(data.choices[0].message.content).toBeTruthy();
    expect(Number(response.headers.get('x-litellm-response-cost'))).toBeCloseTo(CALL_COST, 10);
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('100');
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('99');
    expect(response.headers.get('x-litellm-key-max-budget')).toBe('10');
    const info = await admin<{ info: { spend: number } }>(`/key/info?key=${key}`);
    expect(info.body.info.spend).toBeCloseTo(CALL_COST, 10);
  });

  it('should refuse unknown, blocked, deleted and expired keys at once', async () => {
    expect((await failure(ask('sk-never-issued'))).status).toBe(401);

    const blocked = await newKey();
    await ask(blocked);
    expect((await admin('/key/block', { key: blocked })).status).toBe(200);
    const blockedError = await failure(ask(blocked));
    expect(blockedError.status).toBe(401);
    expect(blockedError.message).toContain('Key is blocked');
    await admin('/key/unblock', { key: blocked });
    await ask(blocked);

    const deleted = await newKey();
    await ask(deleted);
    await admin('/key/delete', { keys: [deleted] });
    expect((await failure(ask(deleted))).status).toBe(401);

    const expiring = await newKey({ duration: '1s' });
    await ask(expiring);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const expired = await failure(ask(expiring));
    expect(expired.status).toBe(400);
    expect(expired.type).toBe('expired_key');
    expect(expired.message).toContain('Authentication Error - Expired Key.');
  });

  it('should stop the old secret at once on rotation without grace, and keep it for the grace period', async () => {
    const original = await newKey();
    await ask(original);
    const rotated = await admin<{ key: string }>(`/key/${original}/regenerate`, {});
    expect(rotated.status).toBe(200);
    await ask(rotated.body.key);
    expect((await failure(ask(original))).status).toBe(401);

    const graceful = await newKey();
    const next = await admin<{ key: string }>('/key/regenerate', { key: graceful, grace_period: '1h' });
    await ask(next.body.key);
    await ask(graceful);
  });

  it('should enforce the key model list, its aliases and request fallbacks', async () => {
    const key = await newKey({ models: ['priced'], aliases: { cheap: 'priced' } });
    await ask(key, 'priced');
    await ask(key, 'cheap');
    const refused = await failure(ask(key, 'other'));
    expect(refused.status).toBe(401);
    expect(refused.message).toContain('API Key not allowed to access model');
    const listed: string[] = [];
    for await (const model of client(key).models.list()) listed.push(model.id);
    expect(listed.sort()).toEqual(['cheap', 'priced']);
    expect((await failure(client(key).models.retrieve('other'))).status).toBe(401);
    const viaFallback = await failure(
      client(key).chat.completions.create({ model: 'priced', messages: [{ role: 'user', content: 'x' }], fallbacks: ['other'] } as OpenAI.ChatCompletionCreateParamsNonStreaming),
    );
    expect(viaFallback.status).toBe(401);
  });

  it('should confine a key to its allowed_routes', async () => {
    const key = await newKey({ allowed_routes: ['/chat/completions'] });
    await ask(key);
    const refused = await failure(client(key).embeddings.create({ model: 'priced', input: 'x' }));
    expect(refused.status).toBe(403);
    expect(refused.error).toMatchObject({ message: 'Route /v1/embeddings not allowed', type: 'auth_error', code: '403' });
    const grouped = await newKey({ allowed_routes: ['LiteLLMRoutes.openai_routes'] });
    await ask(grouped);
    expect((await admin('/key/info', undefined, grouped)).status).toBe(403);
  });

  it('should answer 429 with retry-after once rpm_limit is reached', async () => {
    const key = await newKey({ rpm_limit: 2 });
    await ask(key);
    await ask(key);
    const limited = await failure(ask(key));
    expect(limited.status).toBe(429);
    expect(limited.message).toContain('Crossed RPM Limit');
    expect(Number(limited.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.headers?.get('x-ratelimit-remaining-requests')).toBe('0');
  });

  it('should keep a key’s rate window across a rotation', async () => {
    const key = await newKey({ rpm_limit: 1 });
    await ask(key);
    const rotated = await admin<{ key: string }>(`/key/${key}/regenerate`, {});
    expect((await failure(ask(rotated.body.key))).status).toBe(429);
  });

  it('should answer 429 once the minute’s tokens reach tpm_limit', async () => {
    const key = await newKey({ tpm_limit: 10 });
    await ask(key);
    const limited = await failure(ask(key));
    expect(limited.status).toBe(429);
    expect(limited.message).toContain('Crossed TPM Limit');
  });

  it('should hold max_parallel_requests under concurrency and free the slot after each call', async () => {
    const key = await newKey({ max_parallel_requests: 1 });
    const slow = () => client(key).chat.completions.create({ model: 'slow', messages: [{ role: 'user', content: 'x' }] });
    const results = await Promise.allSettled([slow(), slow(), slow()]);
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as APIError);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(refused.every((e) => e.status === 429 && e.message.includes('Max parallel request limit reached'))).toBe(true);
    await slow();
  });

  it('should block the first call of a key with max_budget 0', async () => {
    const key = await newKey({ max_budget: 0 });
    const error = await failure(ask(key));
    expect(error.status).toBe(400);
    expect(error.type).toBe('budget_exceeded');
    expect(error.error).toMatchObject({ message: 'Budget has been exceeded! Current cost: 0, Max budget: 0', code: '400' });
  });

  it('should let a first call under budget through and refuse once spend reaches the budget', async () => {
    const key = await newKey({ max_budget: CALL_COST * 1.5 });
    await ask(key);
    await ask(key);
    const error = await failure(ask(key));
    expect(error.type).toBe('budget_exceeded');
    expect(error.message).toContain(`Max budget: ${CALL_COST * 1.5}`);
  });

  it('should accept 9 to 11 of 200 concurrent calls against a budget worth 10', async () => {
    const key = await newKey({ max_budget: CALL_COST * 10 });
    const results = await Promise.allSettled(Array.from({ length: 200 }, () => ask(key)));
    const accepted = results.filter((r) => r.status === 'fulfilled').length;
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as APIError);
    expect(accepted).toBeGreaterThanOrEqual(9);
    expect(accepted).toBeLessThanOrEqual(11);
    expect(refused.every((e) => e.status === 400 && e.type === 'budget_exceeded')).toBe(true);
    const info = await admin<{ info: { spend: number } }>(`/key/info?key=${key}`);
    expect(info.body.info.spend).toBeCloseTo(accepted * CALL_COST, 10);
  });

  it('should charge a stream the client aborts midway for what it received, and free the reservation', async () => {
    await mock.configure({ chunkDelayMs: 100 });
    try {
      const key = await newKey({ max_budget: 10 });
      const controller = new AbortController();
      const stream = await client(key).chat.completions.create(
        { model: 'priced', messages: [{ role: 'user', content: 'a long answer please' }], stream: true, max_tokens: COMPLETION_TOKENS },
        { signal: controller.signal },
      );
      let received = 0;
      try {
        for await (const _chunk of stream) if (++received === 3) controller.abort();
      } catch {
        // the SDK may end or throw on abort
      }
      let spend = 0;
      for (let i = 0; i < 50 && spend === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        spend = (await admin<{ info: { spend: number } }>(`/key/info?key=${key}`)).body.info.spend;
      }
      expect(spend).toBeGreaterThan(0);
      expect(spend).toBeLessThan(CALL_COST);
    } finally {
      await mock.configure({ chunkDelayMs: 0 });
    }
  });

  it('should hold the concurrency target for a team budget and an end-user budget too', async () => {
    const team = await admin<{ team_id: string }>('/team/new', { max_budget: CALL_COST * 10 });
    const teamKey = await newKey({ team_id: team.body.team_id });
    const teamResults = await Promise.allSettled(Array.from({ length: 200 }, () => ask(teamKey)));
    const teamAccepted = teamResults.filter((r) => r.status === 'fulfilled').length;
    expect(teamAccepted).toBeGreaterThanOrEqual(9);
    expect(teamAccepted).toBeLessThanOrEqual(11);

    await admin('/customer/new', { user_id: 'concurrent-customer', max_budget: CALL_COST * 10 });
    const master = client(MASTER_KEY);
    const asCustomer = () =>
      master.chat.completions.create({ model: 'priced', messages: [{ role: 'user', content: 'hi' }], max_tokens: COMPLETION_TOKENS, user: 'concurrent-customer' });
    const customerResults = await Promise.allSettled(Array.from({ length: 200 }, asCustomer));
    const customerAccepted = customerResults.filter((r) => r.status === 'fulfilled').length;
    expect(customerAccepted).toBeGreaterThanOrEqual(9);
    expect(customerAccepted).toBeLessThanOrEqual(11);
  });

  it('should reset spend when budget_duration passes', async () => {
    const key = await newKey({ max_budget: CALL_COST * 0.5, budget_duration: '1s' });
    await ask(key);
    expect((await failure(ask(key))).type).toBe('budget_exceeded');
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await ask(key);
  });

  it('should throttle an end user whose shared budget has tpm_limit 2, and refuse it while blocked', async () => {
    expect((await admin('/budget/new', { budget_id: 'tiny-tpm', tpm_limit: 2 })).status).toBe(200);
    expect((await admin('/customer/new', { user_id: 'customer-1', budget_id: 'tiny-tpm' })).status).toBe(200);
    const master = client(MASTER_KEY);
    const asCustomer = () => master.chat.completions.create({ model: 'priced', messages: [{ role: 'user', content: 'hi' }], user: 'customer-1' });
    await asCustomer();
    const throttled = await failure(asCustomer());
    expect(throttled.status).toBe(429);
    expect(throttled.message).toContain('rate limit type = customer');

    expect((await admin('/end_user/new', { user_id: 'customer-2' })).status).toBe(200);
    const asOther = () => master.chat.completions.create({ model: 'priced', messages: [{ role: 'user', content: 'hi' }], user: 'customer-2' });
    await asOther();
    await admin('/customer/block', { user_ids: ['customer-2'] });
    const blocked = await failure(asOther());
    expect(blocked.status).toBe(400);
    expect(blocked.error).toMatchObject({ message: 'User blocked from making LLM API Calls. User=customer-2' });
    await admin('/user/unblock', { user_ids: ['customer-2'] });
    await asOther();
    const info = await admin<{ spend: number }>('/customer/info?end_user_id=customer-2');
    expect(info.body.spend).toBeCloseTo(2 * CALL_COST, 10);
  });

  it('should hold a team key to the team budget, the team models and the team block', async () => {
    const team = await admin<{ team_id: string }>('/team/new', { team_alias: 'budgeted', max_budget: CALL_COST * 1.5, models: ['priced'] });
    expect(team.status).toBe(200);
    const key = await newKey({ team_id: team.body.team_id });
    await ask(key);
    await ask(key);
    const overBudget = await failure(ask(key));
    expect(overBudget.type).toBe('budget_exceeded');
    expect(overBudget.message).toContain(`Max budget: ${CALL_COST * 1.5}`);

    const open = await admin<{ team_id: string }>('/team/new', { models: ['priced'] });
    const teamKey = await newKey({ team_id: open.body.team_id, models: ['all-team-models'] });
    await ask(teamKey);
    expect((await failure(ask(teamKey, 'other'))).status).toBe(401);
    await admin('/team/block', { team_id: open.body.team_id });
    const blocked = await failure(ask(teamKey));
    expect(blocked.status).toBe(401);
    expect(blocked.message).toContain('is blocked');
  });

  it('should hold a member to max_budget_in_team and a user to the user budget', async () => {
    const team = await admin<{ team_id: string }>('/team/new', {});
    expect((await admin('/team/member_add', { team_id: team.body.team_id, member: { role: 'user', user_id: 'member-1' }, max_budget_in_team: CALL_COST * 0.5 })).status).toBe(200);
    const memberKey = await newKey({ team_id: team.body.team_id, user_id: 'member-1' });
    await ask(memberKey);
    expect((await failure(ask(memberKey))).type).toBe('budget_exceeded');

    const user = await admin<{ key: string }>('/user/new', { user_id: 'spender', max_budget: CALL_COST * 0.5 });
    await ask(user.body.key);
    const second = await newKey({ user_id: 'spender' });
    expect((await failure(ask(second))).type).toBe('budget_exceeded');
  });

  it('should apply a shared budget named by budget_id to keys that set no limits of their own', async () => {
    expect((await admin('/budget/new', { budget_id: 'key-tier', rpm_limit: 1, max_budget: 100 })).status).toBe(200);
    const tiered = await newKey({ budget_id: 'key-tier' });
    const { response } = await ask(tiered);
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('1');
    expect((await failure(ask(tiered))).status).toBe(429);
    const ownLimit = await newKey({ budget_id: 'key-tier', rpm_limit: 5 });
    await ask(ownLimit);
    await ask(ownLimit);
    await admin('/budget/update', { budget_id: 'key-tier', rpm_limit: 3 });
    const afterUpdate = await newKey({ budget_id: 'key-tier' });
    expect((await ask(afterUpdate)).response.headers.get('x-ratelimit-limit-requests')).toBe('3');
  });

  it('should refuse privilege escalation by non-admin keys', async () => {
    const anonymous = await newKey();
    const denied = await admin('/key/generate', {}, anonymous);
    expect(denied.status).toBe(401);

    for (const user_id of ['alice', 'bob']) expect((await admin('/user/new', { user_id, auto_create_key: false })).status).toBe(200);
    const userKey = await newKey({ user_id: 'alice', max_budget: 1, models: ['priced'] });
    const bigger = await admin('/key/generate', { max_budget: 100 }, userKey);
    expect(bigger.status).toBe(403);
    const otherModels = await admin('/key/generate', { models: ['other'] }, userKey);
    expect(otherModels.status).toBe(403);
    const own = await admin<{ key: string; user_id: string }>('/key/generate', { max_budget: 0.5, models: ['priced'] }, userKey);
    expect(own.status).toBe(200);
    expect(own.body.user_id).toBe('alice');

    const spent = await newKey({ user_id: 'bob', max_budget: CALL_COST * 0.5 });
    await ask(spent);
    const minted = await admin('/key/generate', { max_budget: CALL_COST * 0.1 }, spent);
    expect(minted.status).toBe(403);
  });
});

describe('Global proxy budget and global parallel cap (e2e)', () => {
  it('should refuse calls once litellm_settings.max_budget is spent, for the master key too', async () => {
    const mock = await startMockUpstreamProcess(['--completion-tokens', String(COMPLETION_TOKENS)]);
    const gateway = await startGateway(`${config(mock)}\nlitellm_settings:\n  max_budget: ${CALL_COST * 1.5}\n`);
    try {
      const master = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
      const call = () => master.chat.completions.create({ model: 'priced', messages: [{ role: 'user', content: 'x' }], max_tokens: COMPLETION_TOKENS });
      await call();
      await call();
      const error = (await call().catch((e: unknown) => e)) as APIError;
      expect(error.status).toBe(400);
      expect(error.type).toBe('budget_exceeded');
    } finally {
      await gateway.close();
      await mock.close();
      discardStorage(gateway.storage);
    }
  });
});
