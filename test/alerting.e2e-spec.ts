import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI, { APIError } from 'openai';
import { DataSource } from 'typeorm';
import type { WebhookEvent } from '../src/alerting/alert';
import { AlertingService } from '../src/alerting/alerting.service';
import { SentAlerts } from '../src/alerting/sent-alerts';
import { SpendReports } from '../src/alerting/spend-report';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EmbeddedPostgresHandle, startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { discardStorage, freshStorage, startGateway, type TestGateway, type TestStorage } from './support/gateway-harness';
import { type MockUpstreamProcess, startMockUpstreamProcess } from './support/mock-upstream.process';
import { redisServerAvailable, startRedisServer, type TestRedis } from './support/redis-server';

const MASTER_KEY = 'sk-alerts-master';
/** Only completion tokens cost money: a call costs exactly 16 × 1e-4 = 0.0016. */
const OUTPUT_PRICE = 0.0001;
const COMPLETION_TOKENS = 16;
const CALL_COST = COMPLETION_TOKENS * OUTPUT_PRICE;
/** 50 % is crossed by call 5, 80 % by call 8, 95 % by call 9 and the budget by call 10: one threshold per call. */
const MAX_BUDGET = 0.015;

/** A plain HTTP receiver standing in for the operator's webhook: records every JSON body it is sent. */
interface Receiver {
  url: string;
  events: WebhookEvent[];
  /** Slack incoming-webhook bodies (`{"text": …}`), received on /slack/…. */
  slack: { text: string }[];
  /** POSTs received, failed ones included. */
  posts: number;
  close(): Promise<void>;
}

async function startReceiver(failFirst: number): Promise<Receiver> {
  const events: WebhookEvent[] = [];
  const receiver = { events, slack: [], posts: 0 } as unknown as Receiver;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      receiver.posts++;
      // The first deliveries fail: the sender must retry them, and still deliver each alert once.
      if (receiver.posts <= failFirst) {
        res.writeHead(503).end();
        return;
      }
      const json = req.method === 'POST' && req.headers['content-type'] === 'application/json';
      if (json && req.url === '/hook') events.push(JSON.parse(body) as WebhookEvent);
      if (json && req.url === '/slack/T0/B0/secret') receiver.slack.push(JSON.parse(body) as { text: string });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return receiver;
}

/** Polls until `check` holds (or fails with what it last saw at the deadline). */
async function eventually<T>(read: () => T, check: (value: T) => boolean, what: string, deadlineMs = 15_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = read();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last saw ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function config(mock: MockUpstreamProcess): string {
  return `
general_settings:
  master_key: ${MASTER_KEY}
  alerting: ["webhook", "slack"]
  alerting_threshold: 0.25
  alerting_args: { minor_outage_alert_threshold: 2, major_outage_alert_threshold: 50 }
model_list:
  - model_name: priced
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${mock.baseUrl}, api_key: sk-upstream, input_cost_per_token: 0, output_cost_per_token: ${OUTPUT_PRICE} }
    model_info: { id: priced-1 }
  - model_name: slow
    litellm_params: { model: openai/slow-400, api_base: ${mock.baseUrl}, api_key: sk-upstream }
    model_info: { id: slow-1 }
  - model_name: hang
    litellm_params: { model: openai/slow-2500, api_base: ${mock.baseUrl}, api_key: sk-upstream }
    model_info: { id: hang-1 }
  - model_name: broken
    litellm_params: { model: openai/500, api_base: ${mock.baseUrl}, api_key: sk-upstream }
    model_info: { id: broken-1 }
router_settings:
  num_retries: 0
  allowed_fails: 1
  cooldown_time: 30
`;
}

describe('Alerting (e2e): budget, new key and cooldown alerts to a webhook and Slack, once each', () => {
  let mock: MockUpstreamProcess;
  let receiver: Receiver;
  let gateway: TestGateway;

  beforeAll(async () => {
    mock = await startMockUpstreamProcess(['--completion-tokens', String(COMPLETION_TOKENS)]);
    receiver = await startReceiver(1);
    gateway = await startGateway(config(mock), { env: { WEBHOOK_URL: `${receiver.url}/hook`, SLACK_WEBHOOK_URL: `${receiver.url}/slack/T0/B0/secret` } });
  });

  afterAll(async () => {
    await gateway?.close();
    await receiver?.close();
    await mock?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  const client = (key: string) => new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });

  async function generateKey(body: Record<string, unknown>): Promise<string> {
    const response = await fetch(`${gateway.url}/key/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { key: string }).key;
  }

  it('should send threshold_crossed at 50, 80 and 95 % and budget_crossed at 100 %, each exactly once', async () => {
    const key = await generateKey({ max_budget: MAX_BUDGET, key_alias: 'alerts-e2e' });
    let calls = 0;
    let refused: APIError | undefined;
    while (!refused && calls < 14) {
      try {
        await client(key).chat.completions.create({ model: 'priced', messages: [{ role: 'user', content: 'hi' }], max_tokens: COMPLETION_TOKENS });
        calls++;
      } catch (error) {
        if (!(error instanceof APIError)) throw error;
        refused = error;
      }
    }
    expect(refused?.status).toBe(400);
    expect(calls).toBe(10);

    const budgetEvents = () => receiver.events.filter((event) => event.alert_type === 'budget_alerts');
    await eventually(budgetEvents, (events) => events.length >= 4, 'four budget alerts');
    // Everything the calls queued has been handled: nothing more may arrive.
    await gateway.app.get(AlertingService).flush();
    const events = budgetEvents();
    expect(events.map((event) => [event.event, event.threshold])).toEqual([
      ['threshold_crossed', 50],
      ['threshold_crossed', 80],
      ['threshold_crossed', 95],
      ['budget_crossed', 100],
    ]);
    const token = createHash('sha256').update(key).digest('hex');
    for (const event of events) {
      expect(event).toMatchObject({ max_budget: MAX_BUDGET, token, key_alias: 'alerts-e2e', event_group: 'key', user_id: null, team_id: null, projected_spend: null });
      expect(event.spend).toBeGreaterThanOrEqual(((event.threshold ?? 0) / 100) * MAX_BUDGET - 1e-9);
      // The spend the store returned at the crossing call's own charge: calls 5, 8, 9 and 10.
      expect(event.spend / CALL_COST).toBeCloseTo({ 50: 5, 80: 8, 95: 9, 100: 10 }[event.threshold ?? 0] ?? NaN, 6);
      expect(event.event_message).toContain('alerts-e2e');
      // The key itself never leaves the gateway.
      expect(JSON.stringify(event)).not.toContain(key);
    }
    expect(events.at(-1)?.spend).toBeCloseTo(10 * CALL_COST, 10);
    // The first POST (of the key_created alert) was answered 503 and retried: one POST more than bodies received.
    expect(receiver.posts).toBe(receiver.events.length + receiver.slack.length + 1);
    // Slack got the same alerts as text.
    const slackBudget = receiver.slack.filter(({ text }) => text.startsWith('Alert type: `budget_alerts`'));
    expect(slackBudget.map(({ text }) => /crossed (\d+%|its budget)/.exec(text)?.[1])).toEqual(['50%', '80%', '95%', 'its budget']);
    expect(slackBudget.map(({ text }) => /Level: `(\w+)`/.exec(text)?.[1])).toEqual(['Medium', 'Medium', 'Medium', 'High']);
    expect(slackBudget.every(({ text }) => text.includes('alerts-e2e') && !text.includes(key))).toBe(true);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/^tollgate_alerts_sent_total\{alert_type="budget_alerts",channel="webhook"\} 4$/m);
    expect(metrics).toMatch(/^tollgate_alerts_sent_total\{alert_type="budget_alerts",channel="slack"\} 4$/m);
    expect(metrics).toMatch(/^tollgate_alert_queue_dropped_total 0$/m);
    // new_virtual_key_created: LiteLLM's key_created event, once, with the hash.
    expect(receiver.events.filter((event) => event.alert_type === 'new_virtual_key_created')).toEqual([
      expect.objectContaining({ event: 'key_created', event_group: 'key', token, key_alias: 'alerts-e2e', max_budget: MAX_BUDGET, spend: 0 }),
    ]);

    // The database holds one row per threshold, and a second claim (another instance's) does not take.
    const rows: { threshold: string }[] = await gateway.app
      .get(DataSource)
      .query(`SELECT "threshold" FROM "tollgate_sent_alerts" WHERE "alert_type" = 'budget_alerts' ORDER BY "sent_at", "threshold"`);
    expect(rows.map((row) => row.threshold).sort()).toEqual(['100', '50', '80', '95']);
    const [{ subject, window_start }]: { subject: string; window_start: Date }[] = await gateway.app
      .get(DataSource)
      .query(`SELECT "subject", "window_start" FROM "tollgate_sent_alerts" WHERE "threshold" = '50'`);
    const sentAlerts = gateway.app.get(SentAlerts);
    expect(await sentAlerts.claim({ alertType: 'budget_alerts', subject, threshold: '50', windowStart: window_start, windowEnd: null })).toBe(false);
    // The same threshold in another budget window is another alert; rows of windows over for a day are pruned.
    const day = 86_400_000;
    const ended = { alertType: 'budget_alerts', subject, threshold: '50', windowStart: new Date(Date.now() - 3 * day), windowEnd: new Date(Date.now() - 2 * day) } as const;
    expect(await sentAlerts.claim(ended)).toBe(true);
    expect(await sentAlerts.runOnce()).toBe(1);
    const left: { count: string }[] = await gateway.app.get(DataSource).query(`SELECT count(*) FROM "tollgate_sent_alerts" WHERE "alert_type" = 'budget_alerts'`);
    expect(Number(left[0].count)).toBe(4);
  });

  it('should send one cooldown_deployment alert and one minor outage alert when a deployment fails and is cooled down', async () => {
    let failures = 0;
    const cooldowns = () => receiver.events.filter((event) => event.alert_type === 'cooldown_deployment');
    // allowed_fails: 1, so the second failure in the minute cools the deployment down; later calls find no deployment.
    while (cooldowns().length === 0 && failures < 4) {
      await client(MASTER_KEY)
        .chat.completions.create({ model: 'broken', messages: [{ role: 'user', content: 'hi' }] })
        .catch((error: unknown) => expect(error).toBeInstanceOf(APIError));
      failures++;
      await gateway.app.get(AlertingService).flush();
    }
    await eventually(cooldowns, (events) => events.length >= 1, 'a cooldown alert');
    await client(MASTER_KEY)
      .chat.completions.create({ model: 'broken', messages: [{ role: 'user', content: 'hi' }] })
      .catch(() => undefined);
    await gateway.app.get(AlertingService).flush();
    expect(cooldowns()).toHaveLength(1);
    expect(cooldowns()[0]).toMatchObject({ event: 'cooldown_deployment', event_group: 'proxy', model_id: 'broken-1', model_group: 'broken' });
    expect(cooldowns()[0].event_message).toContain('broken-1');
    // The two 500s that cooled it down are also a (minor) outage at minor_outage_alert_threshold: 2.
    const outages = receiver.events.filter((event) => event.alert_type === 'outage_alerts');
    expect(outages).toEqual([expect.objectContaining({ event: 'outage_alerts', event_group: 'proxy', model_id: 'broken-1' })]);
    expect(outages[0].event_message).toMatch(/^Minor Service Outage: .*2 errors .*HTTP 500 ×2/);
  });

  it('should send new_internal_user_created once for a user /user/new creates', async () => {
    const response = await fetch(`${gateway.url}/user/new`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: 'alerts-new-user', user_email: 'new-user@acme.example', max_budget: 7, auto_create_key: false }),
    });
    expect(response.status).toBe(200);
    const created = () => receiver.events.filter((event) => event.alert_type === 'new_internal_user_created');
    await eventually(created, (events) => events.length >= 1, 'a new-user alert');
    await gateway.app.get(AlertingService).flush();
    expect(created()).toEqual([
      expect.objectContaining({ event: 'internal_user_created', event_group: 'internal_user', user_id: 'alerts-new-user', user_email: 'new-user@acme.example', max_budget: 7 }),
    ]);
    expect(receiver.slack.filter(({ text }) => text.startsWith('Alert type: `new_internal_user_created`') && text.includes('alerts-new-user'))).toHaveLength(1);
  });

  it('should send llm_too_slow once for calls slower than alerting_threshold', async () => {
    const slow = () => receiver.events.filter((event) => event.alert_type === 'llm_too_slow' && event.model_id === 'slow-1');
    for (let i = 0; i < 2; i++) await client(MASTER_KEY).chat.completions.create({ model: 'slow', messages: [{ role: 'user', content: 'hi' }] });
    await eventually(slow, (events) => events.length >= 1, 'a slow-response alert');
    await gateway.app.get(AlertingService).flush();
    expect(slow()).toHaveLength(1);
    expect(slow()[0]).toMatchObject({ event: 'llm_too_slow', event_group: 'proxy', model_group: 'slow' });
    expect(slow()[0].event_message).toMatch(/Responses are slow - 0\.\d+s response time > Alerting threshold: 0\.25s/);
    expect(receiver.slack.filter(({ text }) => text.startsWith('Alert type: `llm_too_slow`') && text.includes('slow-1'))).toHaveLength(1);
  });

  it("should send one spend report per period, ranking the spend logs' keys and models", async () => {
    // The report job checks soon after boot: this period's report went out once.
    const reports = () => receiver.events.filter((event) => event.alert_type === 'spend_reports');
    await eventually(reports, (events) => events.length >= 1, 'the spend report of this period');
    expect(reports()[0]).toMatchObject({ event: 'spend_report', event_group: 'proxy', token: null });
    expect(await gateway.app.get(SpendReports).runOnce()).toBe(false);
    // The report's queries against the real spend logs: the budget test's key spent 10 calls.
    const deadline = Date.now() + 15_000;
    let read = await gateway.app.get(SpendReports).summary(new Date(Date.now() - 86_400_000), new Date(Date.now() + 60_000));
    while (!read.keys.some(({ name }) => name === 'alerts-e2e') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      read = await gateway.app.get(SpendReports).summary(new Date(Date.now() - 86_400_000), new Date(Date.now() + 60_000));
    }
    expect(read.keys.find(({ name }) => name === 'alerts-e2e')?.spend).toBeCloseTo(10 * CALL_COST, 6);
    expect(read.total).toBeGreaterThanOrEqual(10 * CALL_COST - 1e-9);
    expect(read.models.length).toBeGreaterThan(0);
  });

  it('should send llm_requests_hanging while a call is still unanswered past alerting_threshold', async () => {
    const hanging = () => receiver.events.filter((event) => event.alert_type === 'llm_requests_hanging' && event.model_group === 'hang');
    // The call takes 2.5 s; the check runs every second, so it finds the call unanswered well before it ends.
    const call = client(MASTER_KEY).chat.completions.create({ model: 'hang', messages: [{ role: 'user', content: 'hi' }] });
    const [event] = await eventually(hanging, (events) => events.length >= 1, 'a hanging-request alert');
    expect(event).toMatchObject({ event: 'llm_requests_hanging', event_group: 'proxy', token: null });
    expect(event.event_message).toContain('Requests are hanging - 0.25s+ request time');
    await call;
    await gateway.app.get(AlertingService).flush();
    expect(hanging()).toHaveLength(1);
  });
});

/**
 * Two gateways on one Redis and one PostgreSQL (a server when DATABASE_URL is set, else an embedded cluster this
 * suite starts itself and both connect to), calls to one key spread over both at once: each threshold is crossed by
 * exactly one charge, on one instance or the other, and claimed once.
 */
const describeShared = redisServerAvailable() ? describe : describe.skip;

describeShared('Alerting (e2e) on two instances sharing Redis and PostgreSQL', () => {
  let mock: MockUpstreamProcess;
  let receiver: Receiver;
  let redis: TestRedis;
  let database: TestStorage;
  let embedded: EmbeddedPostgresHandle | undefined;
  const gateways: TestGateway[] = [];

  beforeAll(async () => {
    mock = await startMockUpstreamProcess(['--completion-tokens', String(COMPLETION_TOKENS)]);
    receiver = await startReceiver(0);
    redis = await startRedisServer();
    database = await freshStorage();
    if (!database.databaseUrl) {
      embedded = await startEmbeddedPostgres(database.dataDir);
      database = { ...database, databaseUrl: embedded.url };
    }
    const yaml = `
general_settings:
  master_key: ${MASTER_KEY}
  alerting: ["webhook"]
  alert_types: ["budget_alerts"]
router_settings:
  redis_url: ${redis.url}
model_list:
  - model_name: priced
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${mock.baseUrl}, api_key: sk-upstream, input_cost_per_token: 0, output_cost_per_token: ${OUTPUT_PRICE} }
`;
    for (let i = 0; i < 2; i++) {
      const storage = { dataDir: mkdtempSync(join(tmpdir(), 'tollgate-e2e-alerts-')), databaseUrl: database.databaseUrl };
      gateways.push(await startGateway(yaml, { env: { WEBHOOK_URL: `${receiver.url}/hook` }, storage }));
    }
  });

  afterAll(async () => {
    for (const gateway of gateways) {
      await gateway.close();
      discardStorage(gateway.storage);
    }
    await embedded?.stop();
    if (database) discardStorage(database);
    await redis?.stop();
    await receiver?.close();
    await mock?.close();
  });

  it('should send each threshold of a key spent through both instances exactly once', async () => {
    const response = await fetch(`${gateways[0].url}/key/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ max_budget: MAX_BUDGET, key_alias: 'shared-e2e' }),
    });
    const { key } = (await response.json()) as { key: string };
    const ask = (gateway: TestGateway) =>
      new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 }).chat.completions
        .create({ model: 'priced', messages: [{ role: 'user', content: 'hi' }], max_tokens: COMPLETION_TOKENS })
        .then(
          () => 'ok',
          (error: unknown) => (error instanceof APIError && error.status === 400 ? 'refused' : Promise.reject(error)),
        );
    let outcomes: string[] = [];
    for (let round = 0; round < 8 && !outcomes.includes('refused'); round++) outcomes = await Promise.all(gateways.map(ask));
    expect(outcomes).toContain('refused');
    await Promise.all(gateways.map((gateway) => gateway.app.get(AlertingService).flush()));
    const budgetEvents = receiver.events.filter((event) => event.alert_type === 'budget_alerts' && event.key_alias === 'shared-e2e');
    expect(budgetEvents.map((event) => event.threshold).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([50, 80, 95, 100]);
    const rows: { count: string }[] = await gateways[1].app.get(DataSource).query(`SELECT count(*) FROM "tollgate_sent_alerts"`);
    expect(Number(rows[0].count)).toBe(4);
  });
});
