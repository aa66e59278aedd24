import { DEFAULT_TIMEOUT_SECONDS, ROUTING_STRATEGIES } from '../routing/router-policy';

/** The config sections settings can be stored for (LiteLLM's `config_type`). */
export const CONFIG_TYPES = ['general_settings', 'router_settings', 'litellm_settings'] as const;
export type ConfigType = (typeof CONFIG_TYPES)[number];

/** LiteLLM's field types, as its UI renders them. */
export type FieldType = 'String' | 'Integer' | 'Float' | 'Boolean' | 'Dict' | 'List';

/** A setting the running gateway applies at once, on every instance, when it is stored (or the file is reloaded). */
export interface RuntimeField {
  readonly section: ConfigType;
  readonly name: string;
  readonly type: FieldType;
  readonly description: string;
  /** What applies when neither the file nor the database sets it. */
  readonly defaultValue: unknown;
  readonly options?: readonly string[];
}

const router = (name: string, type: FieldType, description: string, defaultValue: unknown, options?: readonly string[]): RuntimeField => ({
  section: 'router_settings',
  name,
  type,
  description,
  defaultValue,
  options,
});
const litellm = (name: string, type: FieldType, description: string, defaultValue: unknown): RuntimeField => ({
  section: 'litellm_settings',
  name,
  type,
  description,
  defaultValue,
});

/**
 * Every field the Router reads (through `routerPolicyOf`) and deployment deadlines: a change is a new policy swapped
 * in whole. The first seventeen are the router-settings page's (`GET /router/settings`), in its order.
 */
const ROUTER_FIELDS: readonly RuntimeField[] = [
  router('routing_strategy', 'String', 'How a deployment of the model group is chosen', 'simple-shuffle', ROUTING_STRATEGIES),
  router('num_retries', 'Integer', 'Retries of a failed call on the same model group (transient errors)', 0),
  router('retry_policy', 'Dict', 'Retries per error class, e.g. {"RateLimitErrorRetries": 3, "AuthenticationErrorRetries": 0}', {}),
  router('model_group_retry_policy', 'Dict', 'retry_policy per model group: {"gpt-4o": {"TimeoutErrorRetries": 2}}', {}),
  router('allowed_fails', 'Integer', 'Failures of a deployment in a minute before it is cooled down', 3),
  router('allowed_fails_policy', 'Dict', 'allowed_fails per error class, e.g. {"RateLimitErrorAllowedFails": 10}', {}),
  router('cooldown_time', 'Float', 'Seconds a failing deployment is taken out of rotation', 5),
  router('timeout', 'Float', 'Seconds before a call is abandoned (deployments without their own timeout)', DEFAULT_TIMEOUT_SECONDS),
  router('stream_timeout', 'Float', "Seconds to a stream's first event (deployments without their own stream_timeout); else timeout", null),
  router('fallbacks', 'List', 'Model groups to try when a group fails: [{"gpt-4o": ["claude-3-5-sonnet"]}]', []),
  router('context_window_fallbacks', 'List', 'Model groups to try when the prompt exceeds the context window', []),
  router('content_policy_fallbacks', 'List', "Model groups to try when the provider's content policy refuses the prompt", []),
  router('default_fallbacks', 'List', 'Model groups to try for any group without fallbacks of its own', []),
  router('max_fallbacks', 'Integer', 'Most fallback groups tried for one call', 5),
  router('default_max_parallel_requests', 'Integer', 'Parallel calls per deployment when it sets no max_parallel_requests', null),
  router('enable_pre_call_checks', 'Boolean', 'Skip deployments whose context window or rpm/tpm the call would exceed', false),
  router('enable_tag_filtering', 'Boolean', 'Route a call with tags only to deployments carrying them', false),
  router('tag_filtering_match_any', 'Boolean', "Tag filtering: one shared tag is enough (else all of the call's tags)", false),
  router('disable_cooldowns', 'Boolean', 'Never cool a deployment down', false),
  router('retry_after', 'Float', 'Shortest wait in seconds before retrying the same deployment', 0),
  router('routing_strategy_args', 'Dict', 'Strategy parameters, e.g. {"lowest_latency_buffer": 0.5}', {}),
];

/** The `litellm_settings` keys the Router also reads (router_settings wins when both are set). */
const LITELLM_FIELDS: readonly RuntimeField[] = [
  litellm('num_retries', 'Integer', 'Retries when router_settings.num_retries is not set', 0),
  litellm('request_timeout', 'Float', 'Seconds before a call is abandoned when router_settings.timeout is not set', DEFAULT_TIMEOUT_SECONDS),
  litellm('fallbacks', 'List', 'Fallbacks when router_settings.fallbacks is not set', []),
  litellm('context_window_fallbacks', 'List', 'Context-window fallbacks when router_settings sets none', []),
  litellm('content_policy_fallbacks', 'List', 'Content-policy fallbacks when router_settings sets none', []),
  litellm('default_fallbacks', 'List', 'Default fallbacks when router_settings sets none', []),
];

export const RUNTIME_FIELDS: readonly RuntimeField[] = [...ROUTER_FIELDS, ...LITELLM_FIELDS];

/** The router-settings page's fields (the UI contract), in its order. */
export const ROUTER_PAGE_FIELDS: readonly RuntimeField[] = ROUTER_FIELDS.slice(0, 17);

export function runtimeField(section: ConfigType, name: string): RuntimeField | undefined {
  return RUNTIME_FIELDS.find((field) => field.section === section && field.name === name);
}

/** Settings a running process can never take: it is connected and authenticated with them. */
export const BOOT_ONLY_FIELDS: ReadonlySet<string> = new Set(['master_key', 'database_url']);

export const ROUTING_STRATEGY_DESCRIPTIONS: Readonly<Record<(typeof ROUTING_STRATEGIES)[number], string>> = {
  'simple-shuffle': 'Picks a deployment at random, weighted by its rpm/tpm or weight when set. Fast, no shared state.',
  'least-busy': 'Picks the deployment with the fewest calls in flight.',
  'latency-based-routing': 'Picks the deployment with the lowest recent latency (within lowest_latency_buffer of the fastest).',
  'usage-based-routing': 'Picks the deployment with the lowest token usage this minute, within its tpm/rpm.',
  'usage-based-routing-v2': 'As usage-based-routing, counted in the shared store across instances.',
  'cost-based-routing': 'Picks the cheapest deployment by its price per token.',
};
