import { Inject, Injectable, Logger } from '@nestjs/common';
import { PricingService } from '../catalog/pricing.service';
import { estimateChatPromptTokens, estimateTextTokens } from '../catalog/token-counter';
import type { Deployment } from './deployment';
import { ModelRegistry, type ResolvedModel } from './model-registry.service';
import type { LlmOperation } from './openai.types';
import { policyClassOf, retryAfterMs, type UpstreamFailureKind } from './provider-errors';
import { RouterPolicyHolder, type RouterPolicy } from './router-policy';
import { NoDeploymentsAvailableError, NoEligibleDeploymentError, UpstreamError } from './routing.errors';
import { choose, type SelectionFacts } from './strategies';
import { ROUTER_CLOCK, ROUTER_STATE_STORE, type Clock, type RouterStateStore } from './state/router-state.store';
import { ClientDisconnected, UpstreamCallControl } from './upstream-abort';

const FAILURE_WINDOW_MS = 60_000;
const INITIAL_RETRY_DELAY_MS = 500;
const MAX_RETRY_DELAY_MS = 8_000;
/** An upstream asking for a longer pause than this is not waited for inside one request. */
const MAX_HONOURED_RETRY_AFTER_MS = 60_000;

/** One request as the router needs to see it. */
export interface RouteRequest {
  /** The model group asked for, after the key's and team's aliases. */
  model: string;
  operation: LlmOperation;
  /** The request body: per-request controls (`fallbacks`, `num_retries`, `timeout`, `mock_testing_*`), tags, prompt. */
  body: Readonly<Record<string, unknown>>;
  streaming: boolean;
  /** Aborted when the client goes away: the running attempt is cancelled and nothing more is tried. */
  clientSignal: AbortSignal;
  /** `x-litellm-timeout` request header (seconds). */
  timeoutHeader?: string | string[];
  /** The end user's `allowed_model_region`: only deployments with that `region_name` serve the call. */
  allowedRegion?: string | null;
  /** Whether the caller may use a configured fallback group (key/team model lists); skipped when not. */
  mayUse?: (model: string) => boolean;
  /** A per-call deployment (client-side credentials): served as it is, without choosing or falling back. */
  pinned?: Deployment;
}

/** One upstream attempt: the deployment to call and the signal that aborts it (deadline or client gone). */
export interface Attempt {
  readonly deployment: Deployment;
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
}

export interface RouteOutcome<T> {
  readonly value: T;
  readonly deployment: Deployment;
  /** Every upstream attempt of the call, the successful one last (per-deployment metrics). */
  readonly attempts: readonly UpstreamAttempt[];
  /** The fallback groups tried, in order. */
  readonly fallbacks: readonly FallbackTry[];
  readonly attemptedRetries: number;
  readonly maxRetries: number;
  readonly attemptedFallbacks: number;
  readonly timeoutMs: number;
  /**
   * Ends the successful attempt's bookkeeping (parallel slot, stream deadline); idempotent. The completion
   * tokens, when known, are added to the deployment's usage of the minute (usage-based routing, rpm/tpm checks).
   */
  finish(completionTokens?: number): void;
}

/** What the Router stamps on a failure it gives up on, so the error response carries the same facts. */
export interface RoutingFacts {
  attemptedRetries: number;
  maxRetries: number;
  attemptedFallbacks: number;
  /** The deadline of the last attempt made, when one was: `x-litellm-timeout` on the error as on a success. */
  timeoutMs?: number;
  attempts: UpstreamAttempt[];
  fallbacks: FallbackTry[];
}

/** One call to one deployment, as metrics count it (LiteLLM's `litellm_deployment_*` series). */
export interface UpstreamAttempt {
  readonly deployment: Deployment;
  /** Until the reply (a stream: its first events) or the failure. */
  readonly durationMs: number;
  /** Undefined when the attempt succeeded. */
  readonly failure?: unknown;
  /** This failure put the deployment into a cooldown. */
  readonly cooledDown: boolean;
}

/** A fallback group the router turned to, and whether it served the call. */
export interface FallbackTry {
  readonly model: string;
  readonly succeeded: boolean;
}

type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/**
 * Runs a request against a model group: picks a deployment by the configured strategy among the eligible
 * ones (region, tags, context window, cooldowns, parallel limits), calls it, and on failure retries (per
 * error class, with backoff and the upstream's retry-after), cools failing deployments down, and falls back
 * to other groups. Each upstream attempt is exactly one adapter call; adapters never retry on their own.
 */
@Injectable()
export class Router {
  private readonly logger = new Logger('Router');
  /** Injectable for distribution tests. */
  random: () => number = Math.random;
  sleep: Sleep = sleepUnlessAborted;

  constructor(
    private readonly models: ModelRegistry,
    private readonly pricing: PricingService,
    @Inject(ROUTER_STATE_STORE) private readonly state: RouterStateStore,
    @Inject(ROUTER_CLOCK) private readonly clock: Clock,
    private readonly policies: RouterPolicyHolder,
  ) {}

  /** The policy in force now (src/settings swaps it at runtime); an attempt reads it once where it decides. */
  get policy(): RouterPolicy {
    return this.policies.current;
  }

  /**
   * Runs `call` until one attempt succeeds or retries and fallbacks are used up.
   * @throws the last attempt's error (with routing facts attached), UnknownModelError, or ClientDisconnected.
   */
  async execute<T>(request: RouteRequest, call: (attempt: Attempt) => Promise<T>): Promise<RouteOutcome<T>> {
    const primary: ResolvedModel = request.pinned ? { group: request.pinned.modelName, deployments: [request.pinned] } : this.models.resolve(request.model);
    const controls = perRequestControls(request.body);
    const maxRetries = controls.numRetries ?? this.policy.numRetries;
    const facts: RoutingFacts = { attemptedRetries: 0, maxRetries, attemptedFallbacks: 0, attempts: [], fallbacks: [] };
    const context = new CallContext(request, this.policy);
    let groups: (ResolvedModel | string)[] = [primary];
    let lastError: unknown;
    for (let index = 0; index < groups.length; index++) {
      const group = typeof groups[index] === 'string' ? this.resolveFallback(groups[index] as string) : (groups[index] as ResolvedModel);
      if (!group) continue;
      if (index > 0) facts.attemptedFallbacks += 1;
      try {
        const outcome = await this.runGroup(group, index === 0, request, controls, context, facts, call);
        if (index > 0) facts.fallbacks.push({ model: group.group, succeeded: true });
        return outcome;
      } catch (error) {
        if (index > 0) facts.fallbacks.push({ model: group.group, succeeded: false });
        if (request.clientSignal.aborted) throw new ClientDisconnected();
        const kind = failureKindOf(error);
        if (kind === undefined) throw attachFacts(error, facts);
        lastError = error;
        if (index === 0 && !request.pinned) groups = [primary, ...this.fallbacksFor(request, primary.group, kind, controls)];
      }
    }
    throw attachFacts(lastError, facts);
  }

  /** All retries of one model group. */
  private async runGroup<T>(
    group: ResolvedModel,
    isPrimary: boolean,
    request: RouteRequest,
    controls: PerRequestControls,
    context: CallContext,
    facts: RoutingFacts,
    call: (attempt: Attempt) => Promise<T>,
  ): Promise<RouteOutcome<T>> {
    if (isPrimary && controls.mockTestingFallbacks) {
      throw new MockTestingError('upstream', 500, `This is a mock exception for model=${group.group}, to trigger a fallback.`);
    }
    const failed = new Set<string>();
    let retries = 0;
    for (;;) {
      let deployment: Deployment;
      let slot: boolean;
      try {
        ({ deployment, slot } = await this.select(group, request, context, failed));
      } catch (error) {
        // Nothing left to call in this group (e.g. the last deployment just cooled down): its retries end here.
        facts.attemptedRetries += retries;
        throw error;
      }
      const timeoutMs = controls.timeoutMs ?? headerTimeoutMs(request.timeoutHeader) ?? (request.streaming ? deployment.streamTimeoutMs : deployment.timeoutMs);
      facts.timeoutMs = timeoutMs;
      const control = new UpstreamCallControl(timeoutMs, request.clientSignal);
      const started = this.clock.now();
      let finished = false;
      let counted = false;
      const finish = (completionTokens?: number): void => {
        if (completionTokens !== undefined && completionTokens > 0 && !counted && this.tracksUsage()) {
          counted = true;
          void this.state.addUsage(deployment.id, 0, completionTokens);
        }
        if (finished) return;
        finished = true;
        control.dispose();
        if (slot) void this.state.releaseSlot(deployment.id);
      };
      try {
        if (isPrimary && retries === 0 && controls.mockTestingRateLimitError) {
          throw new MockTestingError('rate_limited', 429, `This is a mock rate limit error for model=${group.group}.`);
        }
        if (this.tracksUsage()) void this.state.addUsage(deployment.id, 1, context.promptTokens());
        const value = await call({ deployment, signal: control.signal, timeoutMs });
        // A stream has delivered its first events: the first-byte deadline is met.
        control.clearDeadline();
        if (this.policy.strategy === 'latency-based-routing') void this.state.recordLatency(deployment.id, this.clock.now() - started);
        if (!request.streaming) finish();
        facts.attemptedRetries += retries;
        facts.attempts.push({ deployment, durationMs: this.clock.now() - started, cooledDown: false });
        return {
          value,
          deployment,
          attempts: facts.attempts,
          fallbacks: facts.fallbacks,
          attemptedRetries: facts.attemptedRetries,
          maxRetries: facts.maxRetries,
          attemptedFallbacks: facts.attemptedFallbacks,
          timeoutMs,
          finish,
        };
      } catch (error) {
        finish();
        if (request.clientSignal.aborted) throw new ClientDisconnected();
        const kind = failureKindOf(error);
        if (kind === undefined) throw error;
        // A requested test failure says nothing about the deployment's health.
        const cooledDown = error instanceof MockTestingError ? false : await this.recordFailure(deployment, kind);
        facts.attempts.push({ deployment, durationMs: this.clock.now() - started, failure: error, cooledDown });
        failed.add(deployment.id);
        if (retries >= this.retriesFor(group.group, kind, controls)) {
          facts.attemptedRetries += retries;
          throw error;
        }
        retries += 1;
        const othersLeft = group.deployments.some((d) => !failed.has(d.id));
        await this.sleep(this.retryDelayMs(error, retries, othersLeft), request.clientSignal);
        if (request.clientSignal.aborted) throw new ClientDisconnected();
      }
    }
  }

  /**
   * The eligible deployments of the group (region, tags, context window, not cooling down), then one of
   * them by strategy, holding one of its parallel-request slots.
   */
  private async select(group: ResolvedModel, request: RouteRequest, context: CallContext, failed: ReadonlySet<string>): Promise<{ deployment: Deployment; slot: boolean }> {
    let candidates = group.deployments;
    if (request.allowedRegion) {
      const region = request.allowedRegion;
      candidates = candidates.filter((d) => d.region === region);
      if (candidates.length === 0) throw new NoEligibleDeploymentError(group.group, `none is in allowed_model_region=${region}`);
    }
    if (this.policy.enableTagFiltering) candidates = this.byTags(group.group, candidates, context.tags);
    if (this.policy.enablePreCallChecks) candidates = this.withinContextWindow(group.group, candidates, context);
    if (!this.policy.disableCooldowns) {
      const cooling = await this.state.cooldowns(candidates.map((d) => d.id));
      if (cooling.size > 0) {
        const healthy = candidates.filter((d) => !cooling.has(d.id));
        if (healthy.length === 0) {
          const soonest = Math.min(...cooling.values()) - this.clock.now();
          throw new NoDeploymentsAvailableError(group.group, Math.max(0, soonest) / 1000, this.policy.enablePreCallChecks, [...cooling.keys()]);
        }
        candidates = healthy;
      }
    }
    if (this.policy.enablePreCallChecks) candidates = await this.withinRateLimits(group.group, candidates, context);
    // Retries go to a deployment that has not failed this request, while there is one.
    if (failed.size > 0) {
      const fresh = candidates.filter((d) => !failed.has(d.id));
      if (fresh.length > 0) candidates = fresh;
    }
    let remaining = [...candidates];
    while (remaining.length > 0) {
      const chosen = choose(this.policy.strategy, remaining, await this.factsFor(remaining, context));
      if (!chosen) break;
      const limit = numeric(chosen.params.max_parallel_requests) ?? this.policy.defaultMaxParallelRequests ?? Number.POSITIVE_INFINITY;
      // A call is counted in flight only where something reads the count: a parallel limit, or least-busy
      // routing. Otherwise the slot is two round trips to a shared store for nothing.
      if (!Number.isFinite(limit) && this.policy.strategy !== 'least-busy') return { deployment: chosen, slot: false };
      if (await this.state.acquireSlot(chosen.id, limit)) return { deployment: chosen, slot: true };
      remaining = remaining.filter((d) => d !== chosen);
    }
    throw new NoDeploymentsAvailableError(group.group, 1, this.policy.enablePreCallChecks, []);
  }

  private async factsFor(candidates: readonly Deployment[], context: CallContext): Promise<SelectionFacts> {
    const facts: SelectionFacts = { random: this.random, lowestLatencyBuffer: this.policy.lowestLatencyBuffer };
    if (candidates.length === 1 && !this.tracksUsage()) return facts;
    const ids = candidates.map((d) => d.id);
    switch (this.policy.strategy) {
      case 'least-busy':
        facts.inFlight = await this.state.inFlight(ids);
        break;
      case 'latency-based-routing':
        facts.latencies = await this.state.latencies(ids);
        break;
      case 'usage-based-routing':
      case 'usage-based-routing-v2':
        facts.usage = await this.state.usage(ids);
        facts.estimatedTokens = context.promptTokens();
        break;
      case 'cost-based-routing':
        facts.costPerToken = (d) => {
          const price = this.pricing.priceFor(d);
          return price.inputCostPerToken + price.outputCostPerToken;
        };
        break;
      default:
        break;
    }
    return facts;
  }

  /**
   * Tag routing: a request with tags goes to deployments carrying all of them (any, with
   * `tag_filtering_match_any`), else to those tagged `default`; a request without tags goes to `default`
   * deployments when some exist, else to all.
   */
  private byTags(model: string, candidates: readonly Deployment[], tags: readonly string[]): readonly Deployment[] {
    const tagsOf = (d: Deployment): string[] => (Array.isArray(d.params.tags) ? d.params.tags : []);
    const defaults = candidates.filter((d) => tagsOf(d).includes('default'));
    if (tags.length === 0) return defaults.length > 0 ? defaults : candidates;
    const matches = candidates.filter((d) => {
      const own = tagsOf(d);
      return this.policy.tagFilteringMatchAny ? tags.some((t) => own.includes(t)) : tags.every((t) => own.includes(t));
    });
    if (matches.length > 0) return matches;
    if (defaults.length > 0) return defaults;
    throw new NoEligibleDeploymentError(model, `none has tags=[${tags.join(', ')}]`);
  }

  /** Pre-call check: drops deployments whose context window (price catalog or `model_info`) the prompt exceeds. */
  private withinContextWindow(model: string, candidates: readonly Deployment[], context: CallContext): readonly Deployment[] {
    if (context.operation === 'embedding') return candidates;
    const fitting = candidates.filter((d) => {
      const window = this.maxInputTokens(d);
      return window === undefined || context.promptTokens() <= window;
    });
    if (fitting.length > 0) return fitting;
    throw new UpstreamError(
      'context_window_exceeded',
      400,
      'Router',
      `ContextWindowExceededError: the prompt (~${context.promptTokens()} tokens) exceeds the context window of every deployment of model=${model}`,
    );
  }

  maxInputTokens(deployment: Deployment): number | undefined {
    return numeric(deployment.params.max_input_tokens) ?? numeric(deployment.params.max_tokens_input) ?? this.pricing.priceFor(deployment).maxInputTokens;
  }

  private tracksUsage(): boolean {
    return this.policy.strategy === 'usage-based-routing' || this.policy.strategy === 'usage-based-routing-v2' || this.policy.enablePreCallChecks;
  }

  /** Pre-call check: drops deployments whose `rpm` / `tpm` this minute has no room left for the call. */
  private async withinRateLimits(model: string, candidates: readonly Deployment[], context: CallContext): Promise<readonly Deployment[]> {
    if (!candidates.some((d) => d.params.rpm !== undefined || d.params.tpm !== undefined)) return candidates;
    const usage = await this.state.usage(candidates.map((d) => d.id));
    const tokens = context.promptTokens();
    const open = candidates.filter((d) => {
      const used = usage.get(d.id) ?? { requests: 0, tokens: 0 };
      const rpm = numeric(d.params.rpm);
      const tpm = numeric(d.params.tpm);
      return (rpm === undefined || used.requests + 1 <= rpm) && (tpm === undefined || used.tokens + tokens <= tpm);
    });
    if (open.length === 0) {
      const untilNextMinute = (60_000 - (this.clock.now() % 60_000)) / 1000;
      throw new NoDeploymentsAvailableError(model, Math.ceil(untilNextMinute), true, []);
    }
    return open;
  }

  /**
   * Counts the failure in the deployment's current minute; past `allowed_fails` (per class with
   * `allowed_fails_policy`) the deployment is cooled down for `cooldown_time`. A bad request is the caller's
   * fault, not the deployment's: it counts only when the policy names its class.
   */
  private async recordFailure(deployment: Deployment, kind: UpstreamFailureKind): Promise<boolean> {
    if (this.policy.disableCooldowns) return false;
    const errorClass = policyClassOf(kind);
    const clientFault = kind === 'bad_request' || kind === 'not_found' || kind === 'context_window_exceeded' || kind === 'content_policy';
    const allowed = this.policy.allowedFailsPolicy[errorClass] ?? (clientFault ? undefined : this.policy.allowedFails);
    if (allowed === undefined) return false;
    const failures = await this.state.addFailure(deployment.id, FAILURE_WINDOW_MS);
    if (failures <= allowed) return false;
    await this.state.startCooldown(deployment.id, this.policy.cooldownMs);
    this.logger.warn(`deployment ${deployment.id} of ${deployment.modelName} cooled down for ${this.policy.cooldownMs / 1000}s after ${failures} failures`);
    return true;
  }

  /**
   * Retries allowed for this error class: the request's `num_retries`, else `model_group_retry_policy`,
   * else `retry_policy`, else `num_retries` for transient classes (rate limit, timeout, server error) and
   * none for the caller's own faults.
   */
  private retriesFor(group: string, kind: UpstreamFailureKind, controls: PerRequestControls): number {
    const errorClass = policyClassOf(kind);
    const configured = this.policy.modelGroupRetryPolicy.get(group)?.[errorClass] ?? this.policy.retryPolicy[errorClass];
    if (configured !== undefined) return configured;
    const transient = kind === 'rate_limited' || kind === 'timeout' || kind === 'upstream' || kind === 'unreachable';
    if (!transient) return 0;
    return controls.numRetries ?? this.policy.numRetries;
  }

  /**
   * No wait when another deployment can take the retry; else the upstream's `retry-after`, else an
   * exponential backoff from 0.5 s to 8 s (at least `retry_after`).
   */
  private retryDelayMs(error: unknown, retry: number, othersLeft: boolean): number {
    if (othersLeft) return this.policy.minRetryDelayMs;
    const headers = error instanceof UpstreamError || error instanceof NoDeploymentsAvailableError ? error.headers : undefined;
    const requested = retryAfterMs(headers?.['retry-after'], this.clock.now());
    if (requested !== undefined) return Math.max(this.policy.minRetryDelayMs, Math.min(requested, MAX_HONOURED_RETRY_AFTER_MS));
    return Math.max(this.policy.minRetryDelayMs, Math.min(MAX_RETRY_DELAY_MS, INITIAL_RETRY_DELAY_MS * 2 ** (retry - 1)));
  }

  /**
   * The fallback groups for a failure of `group`: the context-window or content-policy list for those
   * classes, else the request's `fallbacks`, the group's `fallbacks`, the `*` entry, `default_fallbacks`.
   * A malformed request fails the same everywhere, so it falls back nowhere.
   */
  private fallbacksFor(request: RouteRequest, group: string, kind: UpstreamFailureKind, controls: PerRequestControls): string[] {
    const policy = this.policy;
    const lookup = (map: ReadonlyMap<string, string[]>): string[] | undefined => map.get(request.model) ?? map.get(group);
    let names: readonly string[] | undefined;
    if (kind === 'context_window_exceeded') names = controls.contextWindowFallbacks ?? lookup(policy.contextWindowFallbacks);
    if (kind === 'content_policy') names = lookup(policy.contentPolicyFallbacks);
    if (names === undefined) {
      if (kind === 'bad_request' || kind === 'not_found') return [];
      names = controls.fallbacks ?? lookup(policy.fallbacks) ?? policy.fallbacks.get('*') ?? policy.defaultFallbacks;
    }
    const fromRequest = names === controls.fallbacks || names === controls.contextWindowFallbacks;
    const chosen: string[] = [];
    for (const name of names) {
      if (chosen.length >= policy.maxFallbacks) break;
      if (name === request.model || name === group || chosen.includes(name)) continue;
      // Request fallbacks were checked against the key's models when the request was admitted.
      if (!fromRequest && request.mayUse && !request.mayUse(name)) continue;
      chosen.push(name);
    }
    return chosen;
  }

  private resolveFallback(name: string): ResolvedModel | undefined {
    try {
      return this.models.resolve(name);
    } catch {
      this.logger.warn(`fallback model ${name} is not configured; skipped`);
      return undefined;
    }
  }
}

/** The failure `mock_testing_fallbacks` / `mock_testing_rate_limit_error` ask for; no provider is called. */
class MockTestingError extends UpstreamError {
  constructor(kind: 'upstream' | 'rate_limited', status: number, detail: string) {
    super(kind, status, 'Router', detail);
  }
}

/** Per-call router values that depend on the request only, computed at most once. */
class CallContext {
  readonly operation: LlmOperation;
  readonly tags: readonly string[];
  private tokens?: number;

  constructor(
    private readonly request: RouteRequest,
    policy: RouterPolicy,
  ) {
    this.operation = request.operation;
    this.tags = policy.enableTagFiltering ? requestTags(request.body) : [];
  }

  /** Prompt tokens estimated from characters (cheap; enough to compare with a context window or tpm). */
  promptTokens(): number {
    if (this.tokens !== undefined) return this.tokens;
    const body = this.request.body;
    if (Array.isArray(body.messages)) this.tokens = estimateChatPromptTokens(body.messages as { role: string; content?: unknown }[]);
    else if (body.prompt !== undefined) this.tokens = estimateTextTokens(body.prompt);
    else if (Array.isArray(body.input)) this.tokens = body.input.reduce<number>((sum, item) => sum + estimateTextTokens(item), 0);
    else this.tokens = estimateTextTokens(body.input);
    return this.tokens;
  }
}

interface PerRequestControls {
  fallbacks?: string[];
  contextWindowFallbacks?: string[];
  numRetries?: number;
  timeoutMs?: number;
  mockTestingFallbacks: boolean;
  mockTestingRateLimitError: boolean;
}

function perRequestControls(body: Readonly<Record<string, unknown>>): PerRequestControls {
  return {
    fallbacks: modelNames(body.fallbacks),
    contextWindowFallbacks: modelNames(body.context_window_fallbacks),
    numRetries: numeric(body.num_retries),
    timeoutMs: positiveSecondsToMs(body.timeout),
    mockTestingFallbacks: body.mock_testing_fallbacks === true || body.mock_testing_fallbacks === 'true',
    mockTestingRateLimitError: body.mock_testing_rate_limit_error === true || body.mock_testing_rate_limit_error === 'true',
  };
}

/** `["gpt-4", {"model": "claude"}]` → names; LiteLLM accepts both forms. */
function modelNames(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const names: string[] = [];
  for (const item of value) {
    if (typeof item === 'string') names.push(item);
    else if (typeof item === 'object' && item !== null && typeof (item as { model?: unknown }).model === 'string') names.push((item as { model: string }).model);
  }
  return names;
}

/** Request `tags`, or `metadata.tags`. */
function requestTags(body: Readonly<Record<string, unknown>>): string[] {
  const metadata = body.metadata as { tags?: unknown } | undefined;
  const tags = Array.isArray(body.tags) ? body.tags : Array.isArray(metadata?.tags) ? metadata.tags : [];
  return tags.filter((tag): tag is string => typeof tag === 'string');
}

function headerTimeoutMs(value: string | string[] | undefined): number | undefined {
  return positiveSecondsToMs(Array.isArray(value) ? value[0] : value);
}

function positiveSecondsToMs(value: unknown): number | undefined {
  const seconds = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

function numeric(value: unknown): number | undefined {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) && number >= 0 ? number : undefined;
}

/**
 * The class the router decides on, for failures it handles; undefined for everything else (client gone,
 * response too large, a bug), which ends the call as it is.
 */
function failureKindOf(error: unknown): UpstreamFailureKind | undefined {
  if (error instanceof UpstreamError) return error.kind;
  // Nothing to call in this group now: another group may still serve the request.
  if (error instanceof NoDeploymentsAvailableError) return 'rate_limited';
  if (error instanceof NoEligibleDeploymentError) return 'upstream';
  return undefined;
}

const ROUTING_FACTS = Symbol('routingFacts');

function attachFacts(error: unknown, facts: RoutingFacts): unknown {
  if (typeof error === 'object' && error !== null) (error as { [ROUTING_FACTS]?: RoutingFacts })[ROUTING_FACTS] = { ...facts };
  return error;
}

/** The retries and fallbacks a failed call went through, when the Router ran it. */
export function routingFactsOf(error: unknown): RoutingFacts | undefined {
  return typeof error === 'object' && error !== null ? (error as { [ROUTING_FACTS]?: RoutingFacts })[ROUTING_FACTS] : undefined;
}

/** LiteLLM's response headers describing the routing of a call. */
export function routingHeaders(outcome: RouteOutcome<unknown>): Record<string, string> {
  const headers: Record<string, string> = {
    'x-litellm-model-id': outcome.deployment.id,
    'x-litellm-attempted-retries': String(outcome.attemptedRetries),
    'x-litellm-max-retries': String(outcome.maxRetries),
    'x-litellm-attempted-fallbacks': String(outcome.attemptedFallbacks),
    'x-litellm-timeout': String(outcome.timeoutMs / 1000),
  };
  if (outcome.deployment.apiBase) headers['x-litellm-model-api-base'] = outcome.deployment.apiBase;
  if (outcome.deployment.region) headers['x-litellm-model-region'] = outcome.deployment.region;
  return headers;
}

function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
