import type { TollgateConfig } from '../config/config.types';
import type { RouterErrorClass } from './provider-errors';

export const ROUTING_STRATEGIES = ['simple-shuffle', 'least-busy', 'latency-based-routing', 'usage-based-routing', 'usage-based-routing-v2', 'cost-based-routing'] as const;
export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

type PerClass = Partial<Record<RouterErrorClass, number>>;

/**
 * `router_settings` (and the `litellm_settings` keys LiteLLM also reads), parsed at boot and again whenever the runtime
 * settings or the config file change (src/settings swaps it in through the `RouterPolicyHolder`).
 */
export interface RouterPolicy {
  readonly strategy: RoutingStrategy;
  readonly numRetries: number;
  readonly retryPolicy: PerClass;
  readonly modelGroupRetryPolicy: ReadonlyMap<string, PerClass>;
  readonly allowedFails: number;
  readonly allowedFailsPolicy: PerClass;
  readonly cooldownMs: number;
  readonly disableCooldowns: boolean;
  readonly fallbacks: ReadonlyMap<string, string[]>;
  readonly contextWindowFallbacks: ReadonlyMap<string, string[]>;
  readonly contentPolicyFallbacks: ReadonlyMap<string, string[]>;
  readonly defaultFallbacks: readonly string[];
  readonly maxFallbacks: number;
  readonly enablePreCallChecks: boolean;
  readonly enableTagFiltering: boolean;
  readonly tagFilteringMatchAny: boolean;
  readonly defaultMaxParallelRequests?: number;
  /** latency-based-routing: deployments within this fraction of the fastest share the traffic. */
  readonly lowestLatencyBuffer: number;
  /** Shortest wait before retrying on the same deployment(s) (`retry_after`, seconds in config). */
  readonly minRetryDelayMs: number;
  /** A deployment's deadline when it sets no `timeout` of its own (`timeout`, else `request_timeout`, else 600 s). */
  readonly defaultTimeoutMs: number;
  /** A stream's first-byte deadline when the deployment sets no `stream_timeout` (`stream_timeout`); else its timeout. */
  readonly defaultStreamTimeoutMs?: number;
}

/** LiteLLM's `request_timeout` default. */
export const DEFAULT_TIMEOUT_SECONDS = 600;

/**
 * The policy the Router follows now. Every call reads `current` (one property read, no lock, no I/O); src/settings
 * replaces it whole, so a call sees either the old policy or the new one, never a mix of fields.
 */
export class RouterPolicyHolder {
  private policy: RouterPolicy;

  constructor(initial: RouterPolicy) {
    this.policy = initial;
  }

  get current(): RouterPolicy {
    return this.policy;
  }

  swap(next: RouterPolicy): void {
    this.policy = Object.freeze(next);
  }
}

/** LiteLLM's default: 3 failures in a minute are allowed; the next one cools the deployment down. */
const DEFAULT_ALLOWED_FAILS = 3;
const DEFAULT_COOLDOWN_SECONDS = 5;
const DEFAULT_MAX_FALLBACKS = 5;

const RETRY_KEYS: Record<string, RouterErrorClass> = {
  AuthenticationErrorRetries: 'AuthenticationError',
  TimeoutErrorRetries: 'TimeoutError',
  RateLimitErrorRetries: 'RateLimitError',
  ContentPolicyViolationErrorRetries: 'ContentPolicyViolationError',
  InternalServerErrorRetries: 'InternalServerError',
  BadRequestErrorRetries: 'BadRequestError',
  ContextWindowExceededErrorRetries: 'ContextWindowExceededError',
};

const ALLOWED_FAILS_KEYS: Record<string, RouterErrorClass> = {
  AuthenticationErrorAllowedFails: 'AuthenticationError',
  TimeoutErrorAllowedFails: 'TimeoutError',
  RateLimitErrorAllowedFails: 'RateLimitError',
  ContentPolicyViolationErrorAllowedFails: 'ContentPolicyViolationError',
  InternalServerErrorAllowedFails: 'InternalServerError',
  BadRequestErrorAllowedFails: 'BadRequestError',
};

export function routerPolicyOf(config: Pick<TollgateConfig, 'router_settings' | 'litellm_settings'>): RouterPolicy {
  const router = config.router_settings;
  const litellm = config.litellm_settings;
  const strategy = (ROUTING_STRATEGIES as readonly string[]).includes(router.routing_strategy ?? '') ? (router.routing_strategy as RoutingStrategy) : 'simple-shuffle';
  const args = isRecord(router.routing_strategy_args) ? router.routing_strategy_args : {};
  return {
    strategy,
    numRetries: nonNegative(router.num_retries) ?? nonNegative(litellm.num_retries) ?? 0,
    retryPolicy: perClass(router.retry_policy, RETRY_KEYS),
    modelGroupRetryPolicy: new Map(
      Object.entries(isRecord(router.model_group_retry_policy) ? router.model_group_retry_policy : {}).map(([group, policy]) => [group, perClass(policy, RETRY_KEYS)]),
    ),
    allowedFails: nonNegative(router.allowed_fails) ?? DEFAULT_ALLOWED_FAILS,
    allowedFailsPolicy: perClass(router.allowed_fails_policy, ALLOWED_FAILS_KEYS),
    cooldownMs: (nonNegative(router.cooldown_time) ?? DEFAULT_COOLDOWN_SECONDS) * 1000,
    disableCooldowns: router.disable_cooldowns === true,
    fallbacks: fallbackMap(router.fallbacks ?? litellm.fallbacks),
    contextWindowFallbacks: fallbackMap(router.context_window_fallbacks ?? litellm.context_window_fallbacks),
    contentPolicyFallbacks: fallbackMap(router.content_policy_fallbacks ?? litellm.content_policy_fallbacks),
    defaultFallbacks: stringList(router.default_fallbacks ?? litellm.default_fallbacks),
    maxFallbacks: nonNegative(router.max_fallbacks) ?? DEFAULT_MAX_FALLBACKS,
    enablePreCallChecks: router.enable_pre_call_checks === true,
    enableTagFiltering: router.enable_tag_filtering === true,
    tagFilteringMatchAny: router.tag_filtering_match_any === true,
    defaultMaxParallelRequests: nonNegative(router.default_max_parallel_requests),
    lowestLatencyBuffer: nonNegative(args.lowest_latency_buffer) ?? 0,
    minRetryDelayMs: (nonNegative(router.retry_after) ?? 0) * 1000,
    defaultTimeoutMs: (positive(router.timeout) ?? positive(litellm.request_timeout) ?? DEFAULT_TIMEOUT_SECONDS) * 1000,
    defaultStreamTimeoutMs: optionalMs(positive(router.stream_timeout)),
  };
}

/**
 * A deployment's deadline under `policy`: its own `timeout` / `stream_timeout`, else the policy's defaults, so a
 * runtime change of `router_settings.timeout` reaches every deployment that did not set one.
 */
export function deploymentTimeoutMs(params: { timeout?: unknown; stream_timeout?: unknown }, policy: RouterPolicy, streaming: boolean): number {
  const timeoutMs = optionalMs(positive(params.timeout)) ?? policy.defaultTimeoutMs;
  if (!streaming) return timeoutMs;
  return optionalMs(positive(params.stream_timeout)) ?? policy.defaultStreamTimeoutMs ?? timeoutMs;
}

function optionalMs(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : seconds * 1000;
}

function positive(value: unknown): number | undefined {
  const number = nonNegative(value);
  return number !== undefined && number > 0 ? number : undefined;
}

/** `[{"gpt-3.5-turbo": ["gpt-4"]}, {"*": ["fallback"]}]` → group → fallback groups. */
export function fallbackMap(value: unknown): Map<string, string[]> {
  const map = new Map<string, string[]>();
  if (!Array.isArray(value)) return map;
  for (const item of value) {
    if (!isRecord(item)) continue;
    for (const [group, targets] of Object.entries(item)) {
      const list = Array.isArray(targets) ? targets : typeof targets === 'string' ? [targets] : [];
      map.set(group, [...(map.get(group) ?? []), ...list.filter((name): name is string => typeof name === 'string')]);
    }
  }
  return map;
}

function perClass(value: unknown, keys: Record<string, RouterErrorClass>): PerClass {
  const policy: PerClass = {};
  if (!isRecord(value)) return policy;
  for (const [key, count] of Object.entries(value)) {
    const errorClass = keys[key];
    const parsed = nonNegative(count);
    if (errorClass && parsed !== undefined) policy[errorClass] = parsed;
  }
  return policy;
}

function nonNegative(value: unknown): number | undefined {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) && number >= 0 ? number : undefined;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
