import { Mailer } from '../email/mailer.service';
import type { AlertingSettings, TollgateConfig } from '../config/config.types';
import type { SettledCall, SettledCallBudget } from '../observability/call-observer';
import { CallObservers } from '../observability/call-observers';
import type { LitellmMetrics } from '../observability/litellm-metrics';
import type { CreatedKey, KeysService } from '../keys/keys.service';
import type { Deployment } from '../routing/deployment';
import { UpstreamError } from '../routing/routing.errors';
import type { LiveSpendService, SpendAccount } from '../spend/live-spend.service';
import type { BudgetReading } from '../store/counter-store';
import type { Alert, AlertKey } from './alert';
import type { AlertSender } from './alert-sender';
import { ALERT_QUEUE_CAPACITY, AlertingService, MAX_CALLS_IN_FLIGHT } from './alerting.service';
import type { SentAlerts } from './sent-alerts';

const deployment: Deployment = {
  id: 'dep-1',
  modelName: 'gpt-group',
  provider: 'openai',
  upstreamModel: 'gpt-4o-mini',
  timeoutMs: 1000,
  streamTimeoutMs: 1000,
  mode: 'chat',
  params: { model: 'openai/gpt-4o-mini' },
};

const SETTINGS: AlertingSettings = {
  enabled: true,
  types: ['budget_alerts', 'cooldown_deployment', 'new_virtual_key_created', 'llm_too_slow', 'outage_alerts'],
  slack: {
    budget_alerts: [],
    cooldown_deployment: [],
    new_virtual_key_created: [],
    new_internal_user_created: [],
    llm_too_slow: [],
    llm_requests_hanging: [],
    outage_alerts: [],
    spend_reports: [],
  },
  webhookUrl: 'http://127.0.0.1:9/hook',
  email: false,
  budgetThresholds: [50, 80, 95, 100],
  slowRequestSeconds: 300,
  cooldownAlertIntervalMs: 60_000,
  outage: { ttlMs: 60_000, minor: 5, major: 10 },
  spendReport: { intervalMs: 86_400_000, emails: [] },
};

/** The spend store as the worker reads it: what each account holds now, and when its window ends. */
class FakeSpend {
  readonly spend = new Map<string, number>();
  resetAt: number | null = null;
  reads = 0;
  readonly service = {
    of: async (accounts: readonly SpendAccount[]): Promise<BudgetReading[]> => {
      this.reads++;
      return accounts.map(({ account }) => ({ spend: this.spend.get(account) ?? 0, resetAt: this.resetAt }));
    },
  } as unknown as LiveSpendService;
}

/** tollgate_sent_alerts' contract: the first claim of a key takes, later ones do not (shared across instances). */
class FakeSentAlerts {
  readonly rows = new Set<string>();
  readonly service = {
    claim: async (key: AlertKey): Promise<boolean> => {
      const id = `${key.alertType}|${key.subject}|${key.threshold}|${key.windowStart.toISOString()}`;
      if (this.rows.has(id)) return false;
      this.rows.add(id);
      return true;
    },
  } as unknown as SentAlerts;
}

class FakeSender {
  readonly sent: Alert[] = [];
  readonly service = { send: async (alert: Alert) => (this.sent.push(alert), 1) } as unknown as AlertSender;
}

const keyBudget = (max: number | null, soft: number | null = null, windowMs: number | null = null): SettledCallBudget => ({ kind: 'key', account: 'key:k1', max, soft, windowMs });

function aCall(overrides: Partial<SettledCall> = {}): SettledCall {
  return {
    callId: 'call-1',
    route: '/v1/chat/completions',
    requestedModel: 'gpt-group',
    deployment,
    parties: { apiKeyHash: 'a'.repeat(64), keyAlias: 'billing-bot', userId: 'u1', userEmail: 'u1@example.test', teamId: 't1', teamAlias: 'Team One', endUserId: null },
    status: 200,
    failure: null,
    usage: null,
    cost: 1,
    streaming: false,
    totalMs: 10,
    upstreamMs: 5,
    timeToFirstTokenMs: null,
    attempts: [{ deployment, durationMs: 5, cooledDown: false }],
    fallbacks: [],
    responseHeaders: {},
    tags: [],
    budgets: [keyBudget(10)],
    ...overrides,
  };
}

/** KeysService's listener contract: told synchronously of each generated key. */
class FakeKeys {
  readonly listeners: ((event: CreatedKey) => void)[] = [];
  readonly service = { onKeyCreated: (listener: (event: CreatedKey) => void) => this.listeners.push(listener) } as unknown as KeysService;
  create(event: CreatedKey): void {
    for (const listener of this.listeners) listener(event);
  }
}

function instance(spend: FakeSpend, sent = new FakeSentAlerts(), settings: AlertingSettings = SETTINGS) {
  const sender = new FakeSender();
  const keys = new FakeKeys();
  const observers = new CallObservers({ active: false, settled: () => undefined } as unknown as LitellmMetrics);
  const service = new AlertingService(
    { alerting: settings } as TollgateConfig,
    observers,
    spend.service,
    sent.service,
    sender.service,
    keys.service,
    new Mailer({} as TollgateConfig),
  );
  service.onModuleInit();
  return { service, sender, observers, sent, keys };
}

/** Settles a call the way the pipeline does: the store is charged first, then observers are told. */
function charge(spend: FakeSpend, service: AlertingService, cost: number, budget = keyBudget(10)): void {
  spend.spend.set(budget.account, (spend.spend.get(budget.account) ?? 0) + cost);
  service.settled(aCall({ cost, budgets: [budget] }));
}

describe(AlertingService.name, () => {
  it('should register with the call observers only when alerting is on', () => {
    const spend = new FakeSpend();
    expect(instance(spend).observers.active).toBe(true);
    const off = instance(spend, undefined, { ...SETTINGS, enabled: false });
    expect(off.service.active).toBe(false);
    expect(off.observers.active).toBe(false);
  });

  it('should only queue on the request path: no spend read until the worker runs', async () => {
    const spend = new FakeSpend();
    const { service, sender } = instance(spend);
    charge(spend, service, 6);
    expect(spend.reads).toBe(0);
    expect(service.queue.size).toBe(1);
    await service.flush();
    expect(spend.reads).toBe(1);
    expect(sender.sent.map((alert) => alert.event.threshold)).toEqual([50]);
  });

  it('should send each threshold once as spend climbs, as LiteLLM WebhookEvents', async () => {
    const spend = new FakeSpend();
    const { service, sender } = instance(spend);
    for (const cost of [4, 2, 1, 1, 1.6, 0.4, 3]) {
      charge(spend, service, cost);
      await service.flush();
    }
    expect(sender.sent.map(({ event }) => [event.event, event.threshold])).toEqual([
      ['threshold_crossed', 50],
      ['threshold_crossed', 80],
      ['threshold_crossed', 95],
      ['budget_crossed', 100],
    ]);
    const [first] = sender.sent;
    expect(first.event).toMatchObject({
      spend: 6,
      max_budget: 10,
      token: 'a'.repeat(64),
      key_alias: 'billing-bot',
      user_id: 'u1',
      team_id: 't1',
      team_alias: 'Team One',
      user_email: 'u1@example.test',
      event_group: 'key',
      alert_type: 'budget_alerts',
      projected_exceeded_date: null,
      projected_spend: null,
    });
    expect(first.text).toContain('billing-bot');
    expect(first.text).toContain('50%');
  });

  it('should alert every threshold a batch of calls jumps over, from one spend read', async () => {
    const spend = new FakeSpend();
    const { service, sender } = instance(spend);
    charge(spend, service, 4);
    await service.flush();
    charge(spend, service, 3);
    charge(spend, service, 2.6);
    await service.flush();
    expect(sender.sent.map(({ event }) => event.threshold)).toEqual([50, 80, 95]);
    expect(spend.reads).toBe(2);
  });

  it('should send a crossing seen by two instances once (the database claim decides)', async () => {
    const spend = new FakeSpend();
    const sent = new FakeSentAlerts();
    const a = instance(spend, sent);
    const b = instance(spend, sent);
    spend.spend.set('key:k1', 6);
    // Both settle a call that moved the shared budget over 50 % (each sees the other's cost in its read).
    a.service.settled(aCall({ cost: 3 }));
    b.service.settled(aCall({ cost: 3 }));
    await Promise.all([a.service.flush(), b.service.flush()]);
    expect([...a.sender.sent, ...b.sender.sent].map(({ event }) => event.threshold)).toEqual([50]);
  });

  it('should alert again in a new budget window, and not twice in one', async () => {
    const spend = new FakeSpend();
    const { service, sender } = instance(spend);
    const budget = keyBudget(10, null, 86_400_000);
    spend.resetAt = 1_000 * 86_400_000;
    charge(spend, service, 6, budget);
    await service.flush();
    // A restart forgets what it saw: the claim still holds the window.
    spend.spend.set(budget.account, 4);
    charge(spend, service, 2, budget);
    await service.flush();
    expect(sender.sent).toHaveLength(1);
    // The window rolled over: spend starts again from 0 and 50 % alerts again.
    spend.resetAt += 86_400_000;
    spend.spend.set(budget.account, 0);
    charge(spend, service, 5, budget);
    await service.flush();
    expect(sender.sent.map(({ event }) => event.threshold)).toEqual([50, 50]);
    expect(sender.sent.map((alert) => [alert.key?.windowStart.getTime(), alert.key?.windowEnd?.getTime()])).toEqual([
      [999 * 86_400_000, 1_000 * 86_400_000],
      [1_000 * 86_400_000, 1_001 * 86_400_000],
    ]);
  });

  describe('projected_limit_exceeded', () => {
    const DAY = 86_400_000;

    it('should send one projected_limit_exceeded per window when the pace would overrun the budget, with the projection', async () => {
      const spend = new FakeSpend();
      const { service, sender, sent } = instance(spend);
      const budget = keyBudget(10, null, DAY);
      // A quarter of the window has passed: $3 so far projects to $12 by its end.
      const windowStart = Date.now() - DAY / 4;
      spend.resetAt = windowStart + DAY;
      charge(spend, service, 3, budget);
      await service.flush();
      charge(spend, service, 1, budget);
      await service.flush();
      expect(sender.sent).toHaveLength(1);
      const [alert] = sender.sent;
      expect(alert.event).toMatchObject({ event: 'projected_limit_exceeded', event_group: 'key', alert_type: 'budget_alerts', threshold: null, spend: 3, max_budget: 10 });
      expect(alert.event.projected_spend).toBeGreaterThan(11.9);
      expect(alert.event.projected_spend).toBeLessThan(12.01);
      // $10 at $3 per quarter day: 10/3 of a quarter day into the window.
      const exceeded = Date.parse(alert.event.projected_exceeded_date ?? '');
      expect(Math.abs(exceeded - (windowStart + (DAY / 4) * (10 / 3)))).toBeLessThan(60_000);
      expect(alert.text).toContain('Level: `Medium`');
      expect(alert.key).toMatchObject({ threshold: 'projected', subject: 'key:k1', windowStart: new Date(windowStart) });
      expect([...sent.rows].filter((row) => row.includes('|projected|'))).toHaveLength(1);
    });

    it('should send it once across instances (the database claim decides)', async () => {
      const spend = new FakeSpend();
      const shared = new FakeSentAlerts();
      const a = instance(spend, shared);
      const b = instance(spend, shared);
      spend.resetAt = Date.now() - DAY / 2 + DAY;
      charge(spend, a.service, 6, keyBudget(10, null, DAY));
      charge(spend, b.service, 0.5, keyBudget(10, null, DAY));
      await Promise.all([a.service.flush(), b.service.flush()]);
      expect([...a.sender.sent, ...b.sender.sent].filter(({ event }) => event.event === 'projected_limit_exceeded')).toHaveLength(1);
    });

    it('should not project in the first tenth of a window, nor a budget that never resets', async () => {
      const spend = new FakeSpend();
      const { service, sender } = instance(spend);
      spend.resetAt = Date.now() - DAY * 0.05 + DAY;
      charge(spend, service, 1, keyBudget(10, null, DAY));
      charge(spend, service, 1, { ...keyBudget(10), account: 'key:forever' });
      await service.flush();
      expect(sender.sent).toEqual([]);
    });

    it('should project from the spend the store returned at the charge', async () => {
      const spend = new FakeSpend();
      const { service, sender } = instance(spend);
      // 40 % of the window has passed: $4.50 (the store's answer; the reading lags at 0) projects to $11.25.
      spend.resetAt = Date.now() - DAY * 0.4 + DAY;
      service.settled(aCall({ cost: 0.5, budgets: [{ ...keyBudget(10, null, DAY), spendAfter: 4.5 }] }));
      await service.flush();
      expect(sender.sent.map(({ event }) => event.event)).toEqual(['projected_limit_exceeded']);
      expect(sender.sent[0].event.projected_spend).toBeCloseTo(11.25, 1);
    });
  });

  it('should send soft_budget_crossed once for a key with a soft budget', async () => {
    const spend = new FakeSpend();
    const { service, sender } = instance(spend);
    charge(spend, service, 2, keyBudget(null, 3));
    charge(spend, service, 2, keyBudget(null, 3));
    await service.flush();
    charge(spend, service, 2, keyBudget(null, 3));
    await service.flush();
    expect(sender.sent.map(({ event }) => [event.event, event.soft_budget])).toEqual([['soft_budget_crossed', 3]]);
  });

  it('should name team and user budgets by their event group', async () => {
    const spend = new FakeSpend();
    const { service, sender } = instance(spend);
    const team: SettledCallBudget = { kind: 'team', account: 'team:t1', max: 10, soft: null, windowMs: null };
    const user: SettledCallBudget = { kind: 'user', account: 'user:u1', max: 100, soft: null, windowMs: null };
    spend.spend.set('team:t1', 5);
    spend.spend.set('user:u1', 5);
    service.settled(aCall({ cost: 5, budgets: [team, user, keyBudget(null)] }));
    await service.flush();
    expect(sender.sent.map(({ event }) => [event.event_group, event.threshold])).toEqual([['team', 50]]);
    expect(sender.sent[0].text).toContain('Team One');
  });

  it('should queue nothing for free calls or budgets without a maximum', () => {
    const spend = new FakeSpend();
    const { service } = instance(spend);
    service.settled(aCall({ cost: 0 }));
    service.settled(aCall({ cost: 1, budgets: [keyBudget(null)] }));
    expect(service.queue.size).toBe(0);
  });

  it('should drop (and count) calls beyond the queue bound without throwing or reading', () => {
    const spend = new FakeSpend();
    const { service } = instance(spend);
    for (let i = 0; i < ALERT_QUEUE_CAPACITY + 25; i++) service.settled(aCall());
    expect(service.queue.size).toBe(ALERT_QUEUE_CAPACITY);
    expect(service.dropped).toBe(25);
    expect(spend.reads).toBe(0);
  });

  it('should keep working after a failed spend read, and send the other alerts of the round', async () => {
    const spend = new FakeSpend();
    const { service, sender } = instance(spend);
    const of = spend.service.of.bind(spend.service);
    spend.service.of = async () => {
      throw new Error('redis down');
    };
    charge(spend, service, 6);
    service.settled(aCall({ cost: 0, attempts: [{ deployment, durationMs: 5, cooledDown: true }] }));
    await service.flush();
    expect(sender.sent.map(({ event }) => event.event)).toEqual(['cooldown_deployment']);
    sender.sent.length = 0;
    spend.service.of = of;
    charge(spend, service, 3);
    await service.flush();
    expect(sender.sent.map(({ event }) => event.threshold)).toEqual([80]);
  });

  it('should send one cooldown alert per deployment per interval', async () => {
    const spend = new FakeSpend();
    const { service, sender } = instance(spend);
    const cooled = aCall({ cost: 0, status: 500, attempts: [{ deployment, durationMs: 5, cooledDown: true, failure: new Error('boom') }] });
    service.settled(cooled);
    service.settled(cooled);
    await service.flush();
    service.settled(cooled);
    await service.flush();
    expect(sender.sent.map(({ event }) => [event.event, event.event_group, event.model_id, event.model_group])).toEqual([['cooldown_deployment', 'proxy', 'dep-1', 'gpt-group']]);
    expect(sender.sent[0].key).toBeNull();
  });

  it('should send no cooldown alerts when alert_types leaves them out', async () => {
    const spend = new FakeSpend();
    const { service, sender } = instance(spend, undefined, { ...SETTINGS, types: ['budget_alerts'] });
    service.settled(aCall({ cost: 0, attempts: [{ deployment, durationMs: 5, cooledDown: true }] }));
    await service.flush();
    expect(sender.sent).toEqual([]);
  });

  it('should send key_created for a generated key, with its hash and never the key', async () => {
    const spend = new FakeSpend();
    const { service, sender, keys } = instance(spend);
    keys.create({
      origin: 'key_generate',
      sendInviteEmail: false,
      token: 'b'.repeat(64),
      key: 'sk-the-secret-never-alerted',
      keyAlias: 'ci-bot',
      userId: 'u1',
      teamId: null,
      createdBy: 'admin',
      maxBudget: 5,
      softBudget: null,
      budgetDuration: null,
      models: [],
      expires: null,
    });
    await service.flush();
    expect(sender.sent).toHaveLength(1);
    expect(JSON.stringify(sender.sent)).not.toContain('sk-the-secret-never-alerted');
    expect(sender.sent[0].event).toMatchObject({
      event: 'key_created',
      event_group: 'key',
      alert_type: 'new_virtual_key_created',
      token: 'b'.repeat(64),
      key_alias: 'ci-bot',
      max_budget: 5,
      user_id: 'u1',
    });
    expect(sender.sent[0].text).toContain('ci-bot');
  });

  it('should not listen for new keys when alert_types leaves them out', () => {
    const { keys } = instance(new FakeSpend(), undefined, { ...SETTINGS, types: ['budget_alerts'] });
    expect(keys.listeners).toHaveLength(0);
  });

  it('should send the alerts of the last calls at shutdown, and take no more after it', async () => {
    const spend = new FakeSpend();
    const { service, sender } = instance(spend);
    charge(spend, service, 6);
    await service.beforeApplicationShutdown();
    expect(sender.sent.map(({ event }) => event.threshold)).toEqual([50]);
    await service.onApplicationShutdown();
    charge(spend, service, 3);
    expect(service.queue.size).toBe(0);
  });

  it('should send llm_too_slow for a successful call slower than alerting_threshold, once per deployment per interval', async () => {
    const spend = new FakeSpend();
    const { service, sender } = instance(spend, undefined, { ...SETTINGS, slowRequestSeconds: 2 });
    service.settled(aCall({ cost: 0, totalMs: 1_900 }));
    service.settled(aCall({ cost: 0, totalMs: 2_500, failure: new Error('timeout'), status: 504 }));
    service.settled(aCall({ cost: 0, totalMs: 2_345 }));
    service.settled(aCall({ cost: 0, totalMs: 9_000 }));
    await service.flush();
    expect(sender.sent.map(({ event }) => [event.event, event.model_id, event.key_alias])).toEqual([['llm_too_slow', 'dep-1', 'billing-bot']]);
    expect(sender.sent[0].event.event_message).toContain('Responses are slow - 2.35s response time > Alerting threshold: 2s');
    expect(sender.sent[0].text).toMatch(/^Alert type: `llm_too_slow`\nLevel: `Low`\nTimestamp: `\d\d:\d\d:\d\d`\n\nMessage: /);
  });

  it('should not time calls when llm_too_slow is left out of alert_types', () => {
    const { service } = instance(new FakeSpend(), undefined, { ...SETTINGS, types: ['cooldown_deployment'], slowRequestSeconds: 1 });
    service.settled(aCall({ cost: 0, totalMs: 60_000 }));
    expect(service.queue.size).toBe(0);
  });

  describe('llm_requests_hanging', () => {
    const HANGING: AlertingSettings = { ...SETTINGS, types: ['llm_requests_hanging'], slowRequestSeconds: 300 };

    it('should alert once for a call still unanswered alerting_threshold after it started, never for a settled one', async () => {
      const { service, sender } = instance(new FakeSpend(), undefined, HANGING);
      const start = Date.now();
      service.started('call-1', 'gpt-group');
      service.started('call-2', 'gpt-group');
      service.settled(aCall({ callId: 'call-2', cost: 0 }));
      service.checkHanging(start + 299_000);
      await service.flush();
      expect(sender.sent).toEqual([]);
      service.checkHanging(start + 301_000);
      service.checkHanging(start + 900_000);
      await service.flush();
      expect(sender.sent).toHaveLength(1);
      expect(sender.sent[0].event).toMatchObject({
        event: 'llm_requests_hanging',
        event_group: 'proxy',
        alert_type: 'llm_requests_hanging',
        model_group: 'gpt-group',
        spend: 0,
        token: null,
      });
      expect(sender.sent[0].event.event_message).toContain('Requests are hanging - 300s+ request time');
      expect(sender.sent[0].event.event_message).toContain('Unanswered calls: 1');
      expect(sender.sent[0].text).toMatch(/^Alert type: `llm_requests_hanging`\nLevel: `Medium`/);
      await service.onApplicationShutdown();
    });

    it('should send one alert per model group per interval, counting its hanging calls', async () => {
      const { service, sender } = instance(new FakeSpend(), undefined, HANGING);
      const start = Date.now();
      for (const [callId, model] of [
        ['a1', 'model-a'],
        ['a2', 'model-a'],
        ['b1', 'model-b'],
      ])
        service.started(callId, model);
      service.checkHanging(start + 301_000);
      await service.flush();
      // Another model-a call hangs within the interval: rate-limited like llm_too_slow.
      service.started('a3', 'model-a');
      service.checkHanging(Date.now() + 301_000);
      await service.flush();
      expect(sender.sent.map(({ event }) => [event.model_group, /Unanswered calls: (\d+)/.exec(event.event_message)?.[1]])).toEqual([
        ['model-a', '2'],
        ['model-b', '1'],
      ]);
      await service.onApplicationShutdown();
    });

    it('should find hanging calls on its own timer', async () => {
      const { service, sender } = instance(new FakeSpend(), undefined, { ...HANGING, slowRequestSeconds: 1 });
      service.started('call-1', 'gpt-group');
      const deadline = Date.now() + 10_000;
      while (sender.sent.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(sender.sent.map(({ event }) => event.event)).toEqual(['llm_requests_hanging']);
      await service.onApplicationShutdown();
    });

    it('should not watch calls when llm_requests_hanging is left out of alert_types, and watch a bounded number', async () => {
      const off = instance(new FakeSpend(), undefined, { ...SETTINGS, slowRequestSeconds: 1 });
      off.service.started('call-1', 'gpt-group');
      off.service.checkHanging(Date.now() + 60_000);
      expect(off.service.queue.size).toBe(0);
      const { service } = instance(new FakeSpend(), undefined, HANGING);
      for (let index = 0; index <= MAX_CALLS_IN_FLIGHT; index++) service.started(`call-${index}`, 'gpt-group');
      expect(service.unwatchedCalls).toBe(1);
      await service.onApplicationShutdown();
    });
  });

  describe('with the spend the store returned at each charge (spendAfter)', () => {
    const exact = (cost: number, spendAfter: number, budget = keyBudget(10)): SettledCall => aCall({ cost, budgets: [{ ...budget, spendAfter }] });

    it('should find the crossing from the charges themselves, even when spend moved on before the worker read it', async () => {
      const spend = new FakeSpend();
      const sent = new FakeSentAlerts();
      const a = instance(spend, sent);
      const b = instance(spend, sent);
      // Three calls on two instances: 2 → 4 (a), 4 → 6 (b, crosses 50 %), 6 → 8 (b, crosses 80 %). Reading now says 8
      // for all: from it alone, a and b would each see 6 → 8 and 50 % would be lost.
      spend.spend.set('key:k1', 8);
      a.service.settled(exact(2, 4));
      b.service.settled(exact(2, 6));
      b.service.settled(exact(2, 8));
      await Promise.all([a.service.flush(), b.service.flush()]);
      expect(a.sender.sent).toEqual([]);
      expect(b.sender.sent.map(({ event }) => [event.threshold, event.spend])).toEqual([
        [50, 6],
        [80, 8],
      ]);
    });

    it('should not read the store for a budget that never resets', async () => {
      const spend = new FakeSpend();
      const { service, sender } = instance(spend);
      service.settled(exact(6, 6));
      service.settled(exact(3, 9.6));
      await service.flush();
      expect(spend.reads).toBe(0);
      expect(sender.sent.map(({ event }) => event.threshold)).toEqual([50, 80, 95]);
    });

    it('should read only the window of a windowed budget, and key its alerts by it', async () => {
      const spend = new FakeSpend();
      const { service, sender } = instance(spend);
      spend.resetAt = 5 * 3_600_000;
      service.settled(exact(6, 6, keyBudget(10, null, 3_600_000)));
      await service.flush();
      expect(spend.reads).toBe(1);
      expect(sender.sent.map((alert) => alert.key?.windowStart.getTime())).toEqual([4 * 3_600_000]);
    });
  });

  describe('outage_alerts', () => {
    const failing = (status: number, kind: 'upstream' | 'bad_request' | 'timeout' = 'upstream'): SettledCall =>
      aCall({ cost: 0, status, attempts: [{ deployment, durationMs: 5, cooledDown: false, failure: new UpstreamError(kind, status, 'OpenAI', 'boom') }] });

    it('should send a minor alert at the 5th provider error of a window and a major one at the 10th, once each', async () => {
      const spend = new FakeSpend();
      const { service, sender } = instance(spend, undefined, { ...SETTINGS, types: ['outage_alerts'] });
      for (let i = 0; i < 4; i++) service.settled(failing(500));
      // The caller's own mistakes are not an outage.
      for (let i = 0; i < 6; i++) service.settled(failing(400, 'bad_request'));
      await service.flush();
      expect(sender.sent).toEqual([]);
      service.settled(failing(503));
      await service.flush();
      for (let i = 0; i < 7; i++) service.settled(failing(500, i % 2 === 0 ? 'upstream' : 'timeout'));
      await service.flush();
      expect(sender.sent.map(({ event }) => event.event_message.split(':')[0])).toEqual(['Minor Service Outage', 'Major Service Outage']);
      expect(sender.sent[0].event).toMatchObject({ event: 'outage_alerts', event_group: 'proxy', model_id: 'dep-1', alert_type: 'outage_alerts' });
      expect(sender.sent[0].event.event_message).toContain('5 errors');
      expect(sender.sent[0].event.event_message).toContain('500 ×4, 503 ×1');
      expect(sender.sent[1].text).toContain('Level: `High`');
    });

    it('should count again in a new window once the outage window has passed', async () => {
      const spend = new FakeSpend();
      const { service, sender } = instance(spend, undefined, { ...SETTINGS, types: ['outage_alerts'], outage: { ttlMs: 50, minor: 2, major: 100 } });
      service.settled(failing(500));
      await service.flush();
      await new Promise((resolve) => setTimeout(resolve, 80));
      service.settled(failing(500));
      await service.flush();
      expect(sender.sent).toEqual([]);
      service.settled(failing(500));
      await service.flush();
      expect(sender.sent).toHaveLength(1);
    });
  });
});
