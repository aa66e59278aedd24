import { type BeforeApplicationShutdown, Inject, Injectable, Optional, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { AlertingSettings, EmailSettings, TollgateConfig } from '../config/config.types';
import type { CallObserver, SettledCall, SettledCallBudget, SettledCallParties } from '../observability/call-observer';
import { CallObservers } from '../observability/call-observers';
import { type CreatedKey, KeysService } from '../keys/keys.service';
import { type CreatedUser, UsersService } from '../teams/users.service';
import type { Deployment } from '../routing/deployment';
import { UpstreamError } from '../routing/routing.errors';
import { LiveSpendService } from '../spend/live-spend.service';
import { type Alert, type AlertEventGroup, slackText, type WebhookEvent } from './alert';
import { AlertSender } from './alert-sender';
import { budgetAlertEmail } from '../email/email-templates';
import { Mailer } from '../email/mailer.service';
import { BoundedQueue } from './bounded-queue';
import { crossedThresholds, projectedOverrun, type SpendProjection } from './budget-thresholds';
import { SentAlerts } from './sent-alerts';

/** Settled calls waiting for the worker; beyond it calls are not checked for alerts (and counted). */
export const ALERT_QUEUE_CAPACITY = 10_000;
/** Items the worker takes per round (one batched spend read for all their budgets). */
const BATCH = 500;
/** Budgets whose last seen spend is remembered (for crossings between two rounds); cleared past it. */
const MAX_REMEMBERED = 100_000;
/** Calls in flight remembered for `llm_requests_hanging`; beyond it new calls are not watched (and counted). */
export const MAX_CALLS_IN_FLIGHT = 10_000;
/** The hanging-call check runs every half `alerting_threshold`, but not more often than this. */
const MIN_HANGING_CHECK_MS = 1_000;
/** How long shutdown waits for the alerts of the last calls (a stuck receiver must not hold it longer). */
const SHUTDOWN_FLUSH_MS = 3_000;

interface BudgetCheck {
  readonly kind: 'budget';
  readonly budget: SettledCallBudget;
  readonly cost: number;
  readonly parties: SettledCallParties;
}

interface CooldownNotice {
  readonly kind: 'cooldown';
  readonly deployment: Deployment;
  readonly status: number | null;
}

interface SlowResponse {
  readonly kind: 'slow';
  readonly deployment: Deployment;
  readonly requestedModel: string;
  readonly seconds: number;
  readonly parties: SettledCallParties;
}

interface ProviderError {
  readonly kind: 'provider_error';
  readonly deployment: Deployment;
  readonly status: number;
}

interface KeyNotice {
  readonly kind: 'key_created';
  readonly key: CreatedKey;
}

interface UserNotice {
  readonly kind: 'user_created';
  readonly user: CreatedUser;
}

interface HangingCalls {
  readonly kind: 'hanging';
  readonly requestedModel: string;
  /** Calls of the model found unanswered past `alerting_threshold` in one check. */
  readonly calls: number;
  readonly longestSeconds: number;
}

type Queued = BudgetCheck | CooldownNotice | KeyNotice | UserNotice | SlowResponse | ProviderError | HangingCalls;

const GROUP: Record<SettledCallBudget['kind'], AlertEventGroup> = { key: 'key', team: 'team', user: 'internal_user' };
const NAME: Record<SettledCallBudget['kind'], string> = { key: 'Key', team: 'Team', user: 'User' };

/**
 * LiteLLM's alerting (`general_settings.alerting`): budget alerts (`budget_alerts`: a key's, team's or user's spend
 * crossing a percentage of its max budget, or a key's soft budget, or a windowed budget's pace projecting it over its
 * max), deployment cooldowns (`cooldown_deployment`), slow responses (`llm_too_slow`), calls unanswered past
 * `alerting_threshold` (`llm_requests_hanging`), outages and new keys (`new_virtual_key_created`). The pipeline tells it of each settled
 * call through CALL_OBSERVER, KeysService of each new key; both only queue (O(1), no await). A background worker
 * works out which thresholds each charge crossed, claims each budget alert in the database (one per budget,
 * threshold and budget window across all instances) and sends what it claimed.
 */
@Injectable()
export class AlertingService implements CallObserver, OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger('Alerting');
  private readonly settings: AlertingSettings | undefined;
  private readonly budgetsOn: boolean;
  private readonly cooldownsOn: boolean;
  private readonly keysOn: boolean;
  private readonly usersOn: boolean;
  private readonly outagesOn: boolean;
  /** Provider errors per deployment in its current outage window (per instance). */
  private readonly outages = new Map<string, { start: number; errors: number; statuses: Map<number, number>; minorSent: boolean; majorSent: boolean }>();
  /** `alerting_threshold` in ms when `llm_too_slow` is on, else infinite. */
  private readonly slowMs: number;
  /** `alerting_threshold` in ms when `llm_requests_hanging` is on, else infinite. */
  private readonly hangingMs: number;
  /** Calls started and not yet settled (`llm_requests_hanging`): when each started and the model it asked for. */
  private readonly inFlight = new Map<string, { startedAt: number; requestedModel: string }>();
  private unwatched = 0;
  /** When each model group's last hanging-requests alert went out (per instance). */
  private readonly hangingSentAt = new Map<string, number>();
  private hangingTimer: NodeJS.Timeout | undefined;
  readonly queue = new BoundedQueue<Queued>(ALERT_QUEUE_CAPACITY);
  /** Spend seen at the last round, per account, with the window it was in. */
  private readonly lastSeen = new Map<string, { spend: number; windowStart: number }>();
  /** Budget windows whose projected overrun this instance has claimed already (saves a claim per later round). */
  private readonly projectedClaimed = new Set<string>();
  /** When each deployment's last cooldown alert went out (per instance). */
  private readonly cooldownSentAt = new Map<string, number>();
  /** When each deployment's last slow-response alert went out (per instance). */
  private readonly slowSentAt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private stopped = false;
  /** The SMTP server and branding, when mail is configured. */
  private readonly emailSettings: EmailSettings | undefined;

  constructor(
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
    private readonly observers: CallObservers,
    private readonly liveSpend: LiveSpendService,
    private readonly sentAlerts: SentAlerts,
    private readonly sender: AlertSender,
    private readonly keys: KeysService,
    private readonly mailer: Mailer,
    @Optional() private readonly users?: UsersService,
  ) {
    this.emailSettings = config.email;
    this.settings = config.alerting?.enabled ? config.alerting : undefined;
    this.budgetsOn = this.settings?.types.includes('budget_alerts') ?? false;
    this.cooldownsOn = this.settings?.types.includes('cooldown_deployment') ?? false;
    this.keysOn = this.settings?.types.includes('new_virtual_key_created') ?? false;
    this.usersOn = this.settings?.types.includes('new_internal_user_created') ?? false;
    this.outagesOn = this.settings?.types.includes('outage_alerts') ?? false;
    this.slowMs = this.settings?.types.includes('llm_too_slow') ? this.settings.slowRequestSeconds * 1000 : Number.POSITIVE_INFINITY;
    this.hangingMs = this.settings?.types.includes('llm_requests_hanging') ? this.settings.slowRequestSeconds * 1000 : Number.POSITIVE_INFINITY;
  }

  get active(): boolean {
    return this.budgetsOn || this.cooldownsOn || this.outagesOn || this.slowMs !== Number.POSITIVE_INFINITY || this.hangingMs !== Number.POSITIVE_INFINITY;
  }

  onModuleInit(): void {
    this.observers.register(this);
    if (this.hangingMs !== Number.POSITIVE_INFINITY) {
      // Half the threshold: a call is found at most 1.5 × alerting_threshold after it started.
      this.hangingTimer = setInterval(() => this.checkHanging(), Math.max(MIN_HANGING_CHECK_MS, this.hangingMs / 2));
      this.hangingTimer.unref();
    }
    if (this.keysOn) {
      this.keys.onKeyCreated((key) => {
        if (!this.stopped && this.queue.push({ kind: 'key_created', key })) this.schedule();
      });
    }
    if (this.usersOn) {
      this.users?.onUserCreated((user) => {
        if (!this.stopped && this.queue.push({ kind: 'user_created', user })) this.schedule();
      });
    }
  }

  /** `llm_requests_hanging`: remembers the call until it settles (O(1); bounded). */
  started(callId: string, requestedModel: string): void {
    if (this.hangingMs === Number.POSITIVE_INFINITY || this.stopped) return;
    if (this.inFlight.size >= MAX_CALLS_IN_FLIGHT) {
      this.unwatched++;
      return;
    }
    this.inFlight.set(callId, { startedAt: Date.now(), requestedModel });
  }

  /**
   * Queues one `llm_requests_hanging` notice per model group for the calls still unanswered `alerting_threshold`
   * after they started; each call is reported once (it is forgotten here, its settle then finds nothing). Runs on a
   * timer, off the request path; public for tests.
   */
  checkHanging(now = Date.now()): void {
    if (this.stopped) return;
    const byModel = new Map<string, { calls: number; longestMs: number }>();
    for (const [callId, { startedAt, requestedModel }] of this.inFlight) {
      const runningMs = now - startedAt;
      if (runningMs < this.hangingMs) continue;
      this.inFlight.delete(callId);
      const model = byModel.get(requestedModel) ?? { calls: 0, longestMs: 0 };
      model.calls++;
      model.longestMs = Math.max(model.longestMs, runningMs);
      byModel.set(requestedModel, model);
    }
    let queued = false;
    for (const [requestedModel, { calls, longestMs }] of byModel) {
      queued = this.queue.push({ kind: 'hanging', requestedModel, calls, longestSeconds: longestMs / 1000 }) || queued;
    }
    if (queued) this.schedule();
  }

  settled(call: SettledCall): void {
    if (this.stopped) return;
    if (this.hangingMs !== Number.POSITIVE_INFINITY) this.inFlight.delete(call.callId);
    let queued = false;
    if (this.budgetsOn && call.cost > 0) {
      for (const budget of call.budgets) {
        if (budget.max === null && (budget.soft ?? null) === null) continue;
        queued = this.queue.push({ kind: 'budget', budget, cost: call.cost, parties: call.parties }) || queued;
      }
    }
    if (this.cooldownsOn || this.outagesOn) {
      for (const attempt of call.attempts) {
        if (this.cooldownsOn && attempt.cooledDown) queued = this.queue.push({ kind: 'cooldown', deployment: attempt.deployment, status: statusOf(attempt.failure) }) || queued;
        if (this.outagesOn && isProviderOutage(attempt.failure)) {
          queued = this.queue.push({ kind: 'provider_error', deployment: attempt.deployment, status: attempt.failure.status }) || queued;
        }
      }
    }
    // LiteLLM times a successful call from start to end; a failed one is an exception, not a slow response.
    if (call.totalMs > this.slowMs && call.failure === null && call.deployment !== null) {
      queued = this.queue.push({ kind: 'slow', deployment: call.deployment, requestedModel: call.requestedModel, seconds: call.totalMs / 1000, parties: call.parties }) || queued;
    }
    if (queued) this.schedule();
  }

  /** Calls not watched for `llm_requests_hanging` because MAX_CALLS_IN_FLIGHT were in flight. */
  get unwatchedCalls(): number {
    return this.unwatched;
  }

  /** Calls not checked for alerts because the queue was full. */
  get dropped(): number {
    return this.queue.dropped;
  }

  /** Runs the worker now and resolves when the queue is empty (tests; shutdown). */
  async flush(): Promise<void> {
    while ((this.queue.size > 0 && !this.stopped) || this.draining) await this.drain();
  }

  private schedule(): void {
    if (this.timer !== undefined || this.draining) return;
    // One timer per round, not per call: calls settling meanwhile join the round.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, 20);
    this.timer.unref();
  }

  private drain(): Promise<void> {
    if (!this.draining) {
      this.draining = this.work().finally(() => {
        this.draining = undefined;
        if (this.queue.size > 0 && !this.stopped) this.schedule();
      });
    }
    return this.draining;
  }

  private async work(): Promise<void> {
    while (this.queue.size > 0 && !this.stopped) {
      const batch = this.queue.take(BATCH);
      const checks = batch.filter((item): item is BudgetCheck => item.kind === 'budget');
      const alerts = [
        ...this.cooldownAlerts(batch),
        ...this.outageAlerts(batch),
        ...this.slowAlerts(batch),
        ...this.hangingAlerts(batch),
        ...batch.flatMap((item) => (item.kind === 'key_created' ? [keyCreatedAlert(item.key)] : [])),
        ...batch.flatMap((item) => (item.kind === 'user_created' ? [userCreatedAlert(item.user)] : [])),
      ];
      try {
        alerts.push(...(await this.budgetAlerts(checks)));
      } catch (error) {
        // The other alerts of the round still go out; these calls' budgets are not checked (see docs).
        this.logger.error(`budget alerts of ${checks.length} settled call(s) not checked: ${error instanceof Error ? error.message : typeof error}`);
      }
      for (const alert of alerts) await this.deliver(alert);
    }
  }

  private async deliver(alert: Alert): Promise<void> {
    try {
      if (alert.key !== null && !(await this.sentAlerts.claim(alert.key))) return;
      this.mail(alert);
      await this.sender.send(alert);
    } catch (error) {
      this.logger.error(`${alert.type} alert (${alert.event.event}) not sent: ${error instanceof Error ? error.message : typeof error}`);
    }
  }

  /**
   * `alerting: ["email"]`: a key's or user's budget alert goes to that user's `user_email` (LiteLLM mails the
   * budget's owner); team budgets have no single owner to mail and go to Slack and the webhook only.
   */
  private mail(alert: Alert): void {
    const email = this.emailSettings;
    const event = alert.event;
    if (!this.settings?.email || !email || !event.user_email || (event.event_group !== 'key' && event.event_group !== 'internal_user')) return;
    if (event.event !== 'threshold_crossed' && event.event !== 'budget_crossed' && event.event !== 'soft_budget_crossed') return;
    const limit = event.event === 'soft_budget_crossed' ? event.soft_budget : event.max_budget;
    if (limit === null || limit <= 0) return;
    const name = event.event_group === 'key' ? `key ${event.key_alias ?? (event.token ? `${event.token.slice(0, 8)}…` : '')}` : `user ${event.user_id ?? ''}`;
    const percent = event.threshold ?? Math.floor((event.spend / limit) * 100);
    const mail = budgetAlertEmail(email, { recipient: event.user_email, subject: name.trim(), spend: event.spend, maxBudget: limit, percent });
    this.mailer.send({ ...mail, to: event.user_email, kind: 'budget_alert' });
  }

  /**
   * The budget thresholds crossed by a round's calls. Exact when the store told the pipeline the spend right after
   * each charge (its atomic increment): a call moved the budget over `(after - cost, after]`, and those intervals
   * never overlap, across instances too. Otherwise (the store could not say) spend is read once per budget after
   * the calls settled, and spend before is that minus the round's costs, or the spend seen at this instance's
   * previous round when lower (another instance may have moved it meanwhile), in the same window. The window is
   * read for windowed budgets only.
   */
  private async budgetAlerts(checks: readonly BudgetCheck[]): Promise<Alert[]> {
    if (checks.length === 0 || !this.settings) return [];
    const thresholds = this.settings.budgetThresholds;
    interface Account {
      budget: SettledCallBudget;
      parties: SettledCallParties;
      cost: number;
      /** Each call's exact move, or null once a call of the round had no spendAfter. */
      moves: { before: number; after: number; parties: SettledCallParties }[] | null;
    }
    const byAccount = new Map<string, Account>();
    for (const check of checks) {
      const after = check.budget.spendAfter;
      const move = typeof after === 'number' ? { before: after - check.cost, after, parties: check.parties } : null;
      const known = byAccount.get(check.budget.account);
      if (!known) byAccount.set(check.budget.account, { budget: check.budget, parties: check.parties, cost: check.cost, moves: move ? [move] : null });
      else {
        known.budget = check.budget;
        known.parties = check.parties;
        known.cost += check.cost;
        known.moves = known.moves && move ? [...known.moves, move] : null;
      }
    }
    const entries = [...byAccount.values()];
    const toRead = entries.filter(({ budget, moves }) => moves === null || budget.windowMs !== null);
    const readings = toRead.length === 0 ? [] : await this.liveSpend.of(toRead.map(({ budget }) => ({ account: budget.account, windowMs: budget.windowMs })));
    const readingOf = new Map(toRead.map((entry, index) => [entry, readings[index]]));
    if (this.lastSeen.size > MAX_REMEMBERED) this.lastSeen.clear();
    if (this.projectedClaimed.size > MAX_REMEMBERED) this.projectedClaimed.clear();
    const alerts: Alert[] = [];
    const now = Date.now();
    for (const entry of entries) {
      const { budget, parties, cost, moves } = entry;
      const reading = readingOf.get(entry);
      const windowed = reading !== undefined && reading.resetAt !== null && budget.windowMs !== null;
      const window = { start: windowed ? reading.resetAt! - budget.windowMs! : 0, end: windowed ? reading.resetAt : null };
      const soft = budget.soft ?? null;
      if (moves !== null) {
        // Each threshold once per round even if two of its calls report it (a store answer never overlaps, but be safe).
        const sent = new Set<number | 'soft'>();
        for (const move of moves) {
          const crossed = crossedThresholds(move.before, move.after, budget.max, soft, thresholds);
          for (const threshold of [...crossed.percents, ...(crossed.soft ? (['soft'] as const) : [])]) {
            if (sent.has(threshold)) continue;
            sent.add(threshold);
            alerts.push(budgetAlert(budget, move.parties, move.after, window, threshold));
          }
        }
        const last = Math.max(...moves.map((move) => move.after));
        const latest = Math.max(last, reading?.spend ?? last);
        this.lastSeen.set(budget.account, { spend: latest, windowStart: window.start });
        if (windowed) alerts.push(...this.projectedAlert(budget, moves[moves.length - 1].parties, latest, window, now));
        continue;
      }
      const after = reading!.spend;
      const seen = this.lastSeen.get(budget.account);
      const before = seen && seen.windowStart === window.start ? Math.min(after - cost, seen.spend) : after - cost;
      this.lastSeen.set(budget.account, { spend: after, windowStart: window.start });
      const crossed = crossedThresholds(before, after, budget.max, soft, thresholds);
      for (const percent of crossed.percents) alerts.push(budgetAlert(budget, parties, after, window, percent));
      if (crossed.soft) alerts.push(budgetAlert(budget, parties, after, window, 'soft'));
      if (windowed) alerts.push(...this.projectedAlert(budget, parties, after, window, now));
    }
    return alerts;
  }

  /**
   * LiteLLM's `projected_limit_exceeded` for a windowed budget (see projectedOverrun): at most one per budget window,
   * claimed like the thresholds (threshold `projected`); remembered here so later rounds of the window skip the claim.
   */
  private projectedAlert(budget: SettledCallBudget, parties: SettledCallParties, spend: number, window: { start: number; end: number | null }, now: number): Alert[] {
    const remembered = `${budget.account}|${window.start}`;
    if (budget.windowMs === null || this.projectedClaimed.has(remembered)) return [];
    const projection = projectedOverrun(spend, budget.max, { start: window.start, ms: budget.windowMs }, now);
    if (projection === null) return [];
    this.projectedClaimed.add(remembered);
    return [budgetAlert(budget, parties, spend, window, 'projected', projection)];
  }

  /** One cooldown alert per deployment per `max(cooldown_time, 60 s)` on this instance. */
  private cooldownAlerts(batch: readonly Queued[]): Alert[] {
    const alerts: Alert[] = [];
    const now = Date.now();
    for (const item of batch) {
      if (item.kind !== 'cooldown' || !this.settings) continue;
      const { deployment } = item;
      const last = this.cooldownSentAt.get(deployment.id);
      if (last !== undefined && now - last < this.settings.cooldownAlertIntervalMs) continue;
      this.cooldownSentAt.set(deployment.id, now);
      const message = `Deployment ${deployment.id} of model group ${deployment.modelName} (${deployment.upstreamModel}) was cooled down${item.status === null ? '' : ` after an HTTP ${item.status} failure`}`;
      alerts.push(deploymentAlert('cooldown_deployment', 'Medium', message, deployment));
    }
    return alerts;
  }

  /**
   * One `llm_requests_hanging` alert per model group per `max(cooldown_time, 60 s)` on this instance, like
   * `llm_too_slow`; per model group, not deployment: a call is not routed yet when it starts.
   */
  private hangingAlerts(batch: readonly Queued[]): Alert[] {
    const alerts: Alert[] = [];
    const now = Date.now();
    for (const item of batch) {
      if (item.kind !== 'hanging' || !this.settings) continue;
      const last = this.hangingSentAt.get(item.requestedModel);
      if (last !== undefined && now - last < this.settings.cooldownAlertIntervalMs) continue;
      this.hangingSentAt.set(item.requestedModel, now);
      const message =
        `\`Requests are hanging - ${this.settings.slowRequestSeconds}s+ request time\`` +
        `\nRequest Model: \`${item.requestedModel || 'unknown'}\`\nUnanswered calls: ${item.calls} (longest ${Math.round(item.longestSeconds * 10) / 10}s so far)`;
      alerts.push({
        type: 'llm_requests_hanging',
        key: null,
        text: slackText('llm_requests_hanging', 'Medium', message),
        event: {
          ...EMPTY_CALL_INFO,
          event: 'llm_requests_hanging',
          event_group: 'proxy',
          event_message: message,
          alert_type: 'llm_requests_hanging',
          threshold: null,
          model_group: item.requestedModel,
        },
      });
    }
    return alerts;
  }

  /** The alerts of the last calls go out while the database and the store are still open (they close on shutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    let timeout: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timeout = setTimeout(resolve, SHUTDOWN_FLUSH_MS)));
    await Promise.race([this.flush(), deadline]);
    clearTimeout(timeout);
    this.stopped = true;
    if (this.queue.size > 0) this.logger.warn(`${this.queue.size} settled call(s) or event(s) not checked for alerts at shutdown`);
  }

  /** One `llm_too_slow` alert per deployment per `max(cooldown_time, 60 s)` on this instance (LiteLLM sends each). */
  private slowAlerts(batch: readonly Queued[]): Alert[] {
    const alerts: Alert[] = [];
    const now = Date.now();
    for (const item of batch) {
      if (item.kind !== 'slow' || !this.settings) continue;
      const { deployment, parties } = item;
      const last = this.slowSentAt.get(deployment.id);
      if (last !== undefined && now - last < this.settings.cooldownAlertIntervalMs) continue;
      this.slowSentAt.set(deployment.id, now);
      const caller = [parties.keyAlias ? `key ${parties.keyAlias}` : null, parties.teamAlias ? `team ${parties.teamAlias}` : null].filter(Boolean).join(', ');
      const message =
        `\`Responses are slow - ${Math.round(item.seconds * 100) / 100}s response time > Alerting threshold: ${this.settings.slowRequestSeconds}s\`` +
        `\nRequest Model: \`${item.requestedModel}\`\nDeployment: \`${deployment.id}\` (${deployment.upstreamModel})${caller ? `\nCaller: ${caller}` : ''}`;
      alerts.push(
        deploymentAlert('llm_too_slow', 'Low', message, deployment, {
          token: parties.apiKeyHash,
          user_id: parties.userId,
          team_id: parties.teamId,
          team_alias: parties.teamAlias,
          user_email: parties.userEmail,
          key_alias: parties.keyAlias,
        }),
      );
    }
    return alerts;
  }

  /**
   * LiteLLM's `outage_alerts` per deployment: provider errors (timeouts, unreachable, 408, 5xx) counted from the
   * first one for `outage_alert_ttl`; a minor alert at `minor_outage_alert_threshold` errors and a major one at
   * `major_outage_alert_threshold`, each once per window (per instance).
   */
  private outageAlerts(batch: readonly Queued[]): Alert[] {
    if (!this.settings) return [];
    const { ttlMs, minor, major } = this.settings.outage;
    const alerts: Alert[] = [];
    const now = Date.now();
    for (const item of batch) {
      if (item.kind !== 'provider_error') continue;
      const { deployment } = item;
      let outage = this.outages.get(deployment.id);
      if (!outage || now - outage.start > ttlMs) {
        outage = { start: now, errors: 0, statuses: new Map(), minorSent: false, majorSent: false };
        this.outages.set(deployment.id, outage);
      }
      outage.errors++;
      outage.statuses.set(item.status, (outage.statuses.get(item.status) ?? 0) + 1);
      const level = !outage.majorSent && outage.errors >= major ? 'Major' : !outage.minorSent && outage.errors >= minor ? 'Minor' : null;
      if (level === null) continue;
      if (level === 'Major') outage.majorSent = true;
      outage.minorSent = true;
      const codes = [...outage.statuses].map(([status, count]) => `${status} ×${count}`).join(', ');
      const message =
        `${level} Service Outage: deployment \`${deployment.id}\` of model group \`${deployment.modelName}\` ` +
        `(${deployment.customLlmProvider ?? deployment.provider}/${deployment.upstreamModel}): ${outage.errors} errors in ${Math.round((now - outage.start) / 1000)}s (HTTP ${codes})`;
      alerts.push(deploymentAlert('outage_alerts', level === 'Major' ? 'High' : 'Medium', message, deployment));
    }
    return alerts;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.hangingTimer);
    this.inFlight.clear();
    clearTimeout(this.timer);
    this.timer = undefined;
    // What is already being sent finishes (the sender gives up its retries once it is closed).
    await this.draining;
  }
}

const EMPTY_CALL_INFO = {
  spend: 0,
  max_budget: null,
  soft_budget: null,
  token: null,
  customer_id: null,
  user_id: null,
  team_id: null,
  team_alias: null,
  user_email: null,
  key_alias: null,
  projected_exceeded_date: null,
  projected_spend: null,
} as const;

/** LiteLLM's `key_created` webhook event and `new_virtual_key_created` Slack alert: the key's hash, never the key. */
function keyCreatedAlert(key: CreatedKey): Alert {
  const name = key.keyAlias ? `"${key.keyAlias}" (hash ${key.token.slice(0, 12)}…)` : `hash ${key.token.slice(0, 12)}…`;
  const owner = [key.userId ? `user ${key.userId}` : null, key.teamId ? `team ${key.teamId}` : null].filter(Boolean).join(', ');
  const message = `Virtual key ${name} created${owner ? ` for ${owner}` : ''}${key.maxBudget === null ? '' : `, max budget $${key.maxBudget}`}${key.createdBy ? ` by ${key.createdBy}` : ''}`;
  return {
    type: 'new_virtual_key_created',
    key: null,
    text: slackText('new_virtual_key_created', 'Low', message),
    event: {
      ...EMPTY_CALL_INFO,
      max_budget: key.maxBudget,
      soft_budget: key.softBudget,
      token: key.token,
      user_id: key.userId,
      team_id: key.teamId,
      key_alias: key.keyAlias,
      event: 'key_created',
      event_group: 'key',
      event_message: message,
      alert_type: 'new_virtual_key_created',
      threshold: null,
    },
  };
}

/** LiteLLM's `internal_user_created` webhook event and `new_internal_user_created` Slack alert. */
function userCreatedAlert(user: CreatedUser): Alert {
  const message = `Internal user ${user.userId}${user.userEmail ? ` (${user.userEmail})` : ''} created with role ${user.userRole}${
    user.maxBudget === null ? '' : `, max budget $${user.maxBudget}`
  }${user.createdBy ? ` by ${user.createdBy}` : ''}`;
  return {
    type: 'new_internal_user_created',
    key: null,
    text: slackText('new_internal_user_created', 'Low', message),
    event: {
      ...EMPTY_CALL_INFO,
      max_budget: user.maxBudget,
      user_id: user.userId,
      user_email: user.userEmail,
      event: 'internal_user_created',
      event_group: 'internal_user',
      event_message: message,
      alert_type: 'new_internal_user_created',
      threshold: null,
    },
  };
}

function budgetAlert(
  budget: SettledCallBudget,
  parties: SettledCallParties,
  spend: number,
  window: { start: number; end: number | null },
  threshold: number | 'soft' | 'projected',
  projection: SpendProjection | null = null,
): Alert {
  const who = describe(budget, parties);
  const money = (value: number): string => `$${Number(value.toPrecision(6))}`;
  const max = budget.max;
  const event = threshold === 'projected' ? 'projected_limit_exceeded' : threshold === 'soft' ? 'soft_budget_crossed' : threshold >= 100 ? 'budget_crossed' : 'threshold_crossed';
  const exceededDate = projection === null ? null : new Date(projection.exceededAt).toISOString();
  const message =
    threshold === 'projected'
      ? `${who} is projected to exceed its budget: spend ${money(spend)}, projected ${money(projection?.projectedSpend ?? spend)} by the end of its window, max budget ${money(max ?? 0)}, reached around ${exceededDate ?? '?'}`
      : threshold === 'soft'
        ? `${who} crossed its soft budget: spend ${money(spend)}, soft budget ${money(budget.soft ?? 0)}`
        : threshold >= 100
          ? `${who} crossed its budget: spend ${money(spend)}, max budget ${money(max ?? 0)}`
          : `${who} crossed ${threshold}% of its budget: spend ${money(spend)}, max budget ${money(max ?? 0)}`;
  const webhookEvent: WebhookEvent = {
    ...EMPTY_CALL_INFO,
    spend,
    max_budget: max,
    soft_budget: budget.soft ?? null,
    token: parties.apiKeyHash,
    user_id: parties.userId,
    team_id: parties.teamId,
    team_alias: parties.teamAlias,
    user_email: parties.userEmail,
    key_alias: parties.keyAlias,
    event,
    event_group: GROUP[budget.kind],
    event_message: message,
    alert_type: 'budget_alerts',
    threshold: typeof threshold === 'number' ? threshold : null,
    projected_spend: projection?.projectedSpend ?? null,
    projected_exceeded_date: exceededDate,
  };
  return {
    type: 'budget_alerts',
    key: {
      alertType: 'budget_alerts',
      subject: budget.account,
      threshold: String(threshold),
      windowStart: new Date(window.start),
      windowEnd: window.end === null ? null : new Date(window.end),
    },
    event: webhookEvent,
    text: slackText('budget_alerts', threshold === 'soft' ? 'Low' : threshold === 'projected' || threshold < 100 ? 'Medium' : 'High', message),
  };
}

/** The budget's owner as alerts name it: key alias and hash prefix, team alias or id, user id. Never the key. */
function describe(budget: SettledCallBudget, parties: SettledCallParties): string {
  if (budget.kind === 'key') {
    const hash = parties.apiKeyHash ? `hash ${parties.apiKeyHash.slice(0, 12)}…` : null;
    const alias = parties.keyAlias ? `"${parties.keyAlias}"` : null;
    return `${NAME.key} ${[alias, hash].filter(Boolean).join(' ') || budget.account}`;
  }
  if (budget.kind === 'team') return `${NAME.team} ${parties.teamAlias ? `"${parties.teamAlias}" (${parties.teamId})` : (parties.teamId ?? budget.account)}`;
  return `${NAME.user} ${parties.userId ?? budget.account}`;
}

/** A provider-side failure (LiteLLM counts 408 and 5xx, timeouts and unreachable ones too), not the caller's. */
function isProviderOutage(failure: unknown): failure is UpstreamError {
  return failure instanceof UpstreamError && (failure.kind === 'timeout' || failure.kind === 'unreachable' || failure.status === 408 || failure.status >= 500);
}

function statusOf(failure: unknown): number | null {
  if (typeof failure !== 'object' || failure === null) return null;
  const status = (failure as { status?: unknown }).status;
  return typeof status === 'number' ? status : null;
}

/** An alert about a deployment (cooldown, outage, slow responses): proxy-level, never claimed in the database. */
function deploymentAlert(
  type: 'cooldown_deployment' | 'llm_too_slow' | 'outage_alerts',
  level: Parameters<typeof slackText>[1],
  message: string,
  deployment: Deployment,
  caller: Partial<WebhookEvent> = {},
): Alert {
  return {
    type,
    key: null,
    text: slackText(type, level, message),
    event: {
      ...EMPTY_CALL_INFO,
      ...caller,
      event: type,
      event_group: 'proxy',
      event_message: message,
      alert_type: type,
      threshold: null,
      model_id: deployment.id,
      model_group: deployment.modelName,
    },
  };
}
