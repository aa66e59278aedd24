import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { LitellmParams, ModelDeploymentConfig, TollgateConfig } from '../config/config.types';
import { AWS_REGION } from './providers/bedrock/bedrock.adapter';
import { presetDefaults, presetOf } from './providers/openai-compatible/presets';
import { vertexDefaults } from './providers/vertex/vertex-credentials';
import type { Deployment, ProviderId } from './deployment';
import { UnknownModelError, UnsupportedProviderError } from './routing.errors';
import { deploymentTimeoutMs, RouterPolicyHolder, routerPolicyOf } from './router-policy';

/** Wildcard expansions are memoised per requested name; clients choose the names, so the memo is bounded. */
const MAX_WILDCARD_EXPANSIONS = 1000;

/** LiteLLM provider prefixes for OpenAI itself or any server at an `api_base`; named providers are presets. */
const OPENAI_COMPATIBLE_PREFIXES = new Set(['openai', 'text-completion-openai', 'custom_openai', 'openai_like']);

/** Where a deployment was defined: the config file, or `/model/new` (stored in the database). */
export type DeploymentSource = 'config' | 'db';

/** A `model_list` entry as configured, with its resolved deployment (undefined when its provider is unsupported). */
export interface RegisteredModel {
  readonly entry: ModelDeploymentConfig;
  readonly id: string;
  readonly source: DeploymentSource;
  readonly deployment?: Deployment;
}

/** The deployments a requested name resolves to. */
export interface ResolvedModel {
  /** The model group routed to (after `model_group_alias`), or the requested name for id / wildcard addressing. */
  readonly group: string;
  readonly deployments: readonly Deployment[];
}

interface WildcardGroup {
  readonly name: string;
  readonly pattern: RegExp;
  readonly templates: Deployment[];
}

interface Catalogue {
  readonly groups: Map<string, Deployment[]>;
  readonly wildcards: WildcardGroup[];
  readonly byId: Map<string, Deployment>;
  /** `litellm_params.model` (e.g. `openai/gpt-4o-mini`) → the deployments configured with it. */
  readonly byUpstreamName: Map<string, Deployment[]>;
  readonly unsupported: Map<string, string>;
  readonly models: RegisteredModel[];
  readonly expansions: Map<string, Deployment[]>;
  /** `model_info.access_groups`: group name → the model names in it, in file order. */
  readonly accessGroups: Map<string, string[]>;
}

/**
 * Knows the model groups: those of the config file plus those stored with `/model/new`. Resolves a
 * requested name (alias, group, deployment id, `litellm_params.model`, wildcard) to its deployments; the
 * Router chooses among them. Stored models are swapped in as one new catalogue, so a request always sees
 * either the old or the new set, never half of each.
 */
@Injectable()
export class ModelRegistry {
  private readonly logger = new Logger('Models');
  private readonly aliases: Record<string, string>;
  private readonly configEntries: readonly ModelDeploymentConfig[];
  private storedEntries: readonly { id: string; entry: ModelDeploymentConfig }[] = [];
  private catalogue: Catalogue;
  /** Deadlines follow the router policy of the moment (`timeout`, `stream_timeout` change at runtime). */
  private readonly policies: RouterPolicyHolder;

  constructor(
    @Inject(TOLLGATE_CONFIG) private readonly config: TollgateConfig,
    @Optional() policies?: RouterPolicyHolder,
  ) {
    this.policies = policies ?? new RouterPolicyHolder(routerPolicyOf(config));
    this.aliases = config.router_settings.model_group_alias ?? {};
    this.configEntries = config.model_list;
    this.catalogue = this.build();
    for (const [model, provider] of this.catalogue.unsupported) {
      this.logger.warn(`model ${model}: provider '${provider}' is not supported by this version; calls to it will fail`);
    }
  }

  /** Public model names, as `/v1/models` lists them. */
  modelNames(): string[] {
    const { groups, wildcards } = this.catalogue;
    return [...new Set([...groups.keys(), ...wildcards.map((w) => w.name), ...Object.keys(this.aliases)])];
  }

  /** Every configured and stored model entry, in order (model info, health checks). */
  registered(): readonly RegisteredModel[] {
    return this.catalogue.models;
  }

  /** LiteLLM's model access groups: each `model_info.access_groups` name → the model groups it opens. */
  accessGroups(): ReadonlyMap<string, readonly string[]> {
    return this.catalogue.accessGroups;
  }

  /** The deployment with this `model_info.id`, if any. */
  byId(id: string): Deployment | undefined {
    return this.catalogue.byId.get(id);
  }

  /**
   * Resolves a requested name: `model_group_alias`, then a model group, a deployment id, a deployment's
   * `litellm_params.model`, then wildcards.
   * @throws UnknownModelError when nothing matches; UnsupportedProviderError for a provider this version lacks.
   */
  resolve(requested: unknown): ResolvedModel {
    if (typeof requested !== 'string' || requested === '') throw new UnknownModelError(requested);
    const catalogue = this.catalogue;
    const name = this.aliases[requested] ?? requested;
    const group = catalogue.groups.get(name);
    if (group) return { group: name, deployments: group };
    const pinned = catalogue.byId.get(name);
    if (pinned) return { group: pinned.modelName, deployments: [pinned] };
    const byUpstream = catalogue.byUpstreamName.get(name);
    if (byUpstream) return { group: byUpstream[0].modelName, deployments: byUpstream };
    const expanded = this.expandWildcard(catalogue, name);
    if (expanded) return { group: name, deployments: expanded };
    if (catalogue.unsupported.has(name)) throw new UnsupportedProviderError(catalogue.unsupported.get(name) as string, name);
    throw new UnknownModelError(requested);
  }

  /** True when `requested` names something the registry can route. */
  knows(requested: string): boolean {
    try {
      this.resolve(requested);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * One deployment of the requested model, uniformly chosen: for callers that need a representative
   * deployment (pricing a model, checking it exists), not for serving calls (the Router does that).
   */
  pick(requested: unknown): Deployment {
    const { deployments } = this.resolve(requested);
    return deployments.length === 1 ? deployments[0] : deployments[Math.floor(Math.random() * deployments.length)];
  }

  /** Replaces the models stored with `/model/new` (on this instance at once, on others when they poll). */
  setStoredModels(models: readonly { id: string; entry: ModelDeploymentConfig }[]): void {
    this.storedEntries = models;
    this.catalogue = this.build();
  }

  private build(): Catalogue {
    const catalogue: Catalogue = {
      groups: new Map(),
      wildcards: [],
      byId: new Map(),
      byUpstreamName: new Map(),
      unsupported: new Map(),
      models: [],
      expansions: new Map(),
      accessGroups: new Map(),
    };
    for (const entry of this.configEntries) this.add(catalogue, entry, 'config', entry.model_info?.id ?? stableDeploymentId(entry));
    for (const { id, entry } of this.storedEntries) this.add(catalogue, entry, 'db', id);
    // The most specific pattern wins whatever the order of the file (`groq/*` before `*`), as LiteLLM's pattern router
    // does; equally specific ones keep the file's order.
    catalogue.wildcards.sort((a, b) => specificity(b.name) - specificity(a.name));
    return catalogue;
  }

  private add(catalogue: Catalogue, entry: ModelDeploymentConfig, source: DeploymentSource, id: string): void {
    const groups = entry.model_info?.access_groups;
    if (Array.isArray(groups)) {
      for (const group of groups) {
        if (typeof group !== 'string' || group === '') continue;
        const members = catalogue.accessGroups.get(group) ?? [];
        if (!members.includes(entry.model_name)) members.push(entry.model_name);
        catalogue.accessGroups.set(group, members);
      }
    }
    const { provider, upstreamModel } = splitProviderModel(entry.litellm_params.model);
    const providerId = toProviderId(provider);
    if (!providerId) {
      catalogue.unsupported.set(entry.model_name, provider);
      catalogue.models.push({ entry, id, source });
      return;
    }
    const deployment = this.deploymentOf(entry, id, providerId, provider, upstreamModel);
    catalogue.models.push({ entry, id, source, deployment });
    if (entry.model_name.includes('*')) {
      const existing = catalogue.wildcards.find((w) => w.name === entry.model_name);
      if (existing) existing.templates.push(deployment);
      else catalogue.wildcards.push({ name: entry.model_name, pattern: globToRegExp(entry.model_name), templates: [deployment] });
      return;
    }
    catalogue.byId.set(id, deployment);
    appendTo(catalogue.groups, entry.model_name, deployment);
    appendTo(catalogue.byUpstreamName, entry.litellm_params.model, deployment);
  }

  /**
   * A deployment built from a definition that is not registered (what `/health/test_connection` tries before an admin
   * adds it); undefined when its provider is not supported.
   */
  trialDeployment(entry: ModelDeploymentConfig, id: string): Deployment | undefined {
    const { provider, upstreamModel } = splitProviderModel(entry.litellm_params.model);
    const providerId = toProviderId(provider);
    return providerId ? this.deploymentOf(entry, id, providerId, provider, upstreamModel) : undefined;
  }

  private deploymentOf(entry: ModelDeploymentConfig, id: string, provider: ProviderId, customLlmProvider: string, upstreamModel: string): Deployment {
    const params = this.paramsWithDefaults(entry.litellm_params, provider, customLlmProvider);
    const policies = this.policies;
    return {
      id,
      modelName: entry.model_name,
      provider,
      customLlmProvider,
      upstreamModel,
      apiBase: params.api_base,
      // Read at call time: a key held in a secret manager is kept live by src/secrets, so rotation needs no restart.
      get apiKey() {
        return params.api_key;
      },
      apiVersion: params.api_version,
      organization: params.organization,
      get timeoutMs() {
        return deploymentTimeoutMs(params, policies.current, false);
      },
      get streamTimeoutMs() {
        return deploymentTimeoutMs(params, policies.current, true);
      },
      region: params.region_name,
      mode: entry.model_info?.mode ?? 'chat',
      baseModel: entry.model_info?.base_model,
      params,
    };
  }

  /**
   * Adapters never read the environment: a deployment that names no credentials, base URL or project of its own gets
   * the ones the environment holds for its provider (resolved by src/config), under LiteLLM's parameter names.
   */
  private paramsWithDefaults(own: LitellmParams, provider: ProviderId, customLlmProvider: string): LitellmParams {
    const env = this.config.providerEnv ?? {};
    if (provider === 'bedrock' || provider === 'sagemaker') return withDefaults(own, awsDefaultsFor(own, this.config.awsDefaults));
    if (provider === 'vertex_ai') return withDefaults(own, vertexDefaults(env));
    const preset = provider === 'openai_compatible' ? presetOf(customLlmProvider) : undefined;
    if (!preset) return own;
    const { extra_headers: presetHeaders, ...defaults } = presetDefaults(preset, env);
    const params = withDefaults(own, defaults);
    const ownHeaders = own.extra_headers;
    if (!presetHeaders) return params;
    // The deployment's own headers win, header by header.
    const headers =
      typeof ownHeaders === 'object' && ownHeaders !== null && !Array.isArray(ownHeaders) ? { ...presetHeaders, ...(ownHeaders as Record<string, string>) } : presetHeaders;
    return { ...params, extra_headers: headers };
  }

  /** `openai/*` serving `openai/gpt-4o` calls upstream model `gpt-4o`; `*` passes the name through. */
  private expandWildcard(catalogue: Catalogue, requested: string): Deployment[] | undefined {
    const memo = catalogue.expansions.get(requested);
    if (memo) return memo;
    const wildcard = catalogue.wildcards.find((w) => w.pattern.test(requested));
    if (!wildcard) return undefined;
    const prefix = wildcard.name.slice(0, wildcard.name.indexOf('*'));
    const matched = requested.slice(prefix.length);
    const expanded = wildcard.templates.map((template) =>
      template.upstreamModel.includes('*') ? renamed(template, requested, template.upstreamModel.replace('*', matched)) : template,
    );
    // Same object per name, so per-deployment caches (prices, headers) stay warm.
    if (catalogue.expansions.size < MAX_WILDCARD_EXPANSIONS) catalogue.expansions.set(requested, expanded);
    return expanded;
  }
}

function appendTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export function splitProviderModel(model: string): { provider: string; upstreamModel: string } {
  const slash = model.indexOf('/');
  if (slash < 0) return { provider: 'openai', upstreamModel: model };
  return { provider: model.slice(0, slash), upstreamModel: model.slice(slash + 1) };
}

function toProviderId(prefix: string): ProviderId | undefined {
  const native = Object.hasOwn(NATIVE_PROVIDER_PREFIXES, prefix) ? NATIVE_PROVIDER_PREFIXES[prefix] : undefined;
  if (native) return native;
  if (OPENAI_COMPATIBLE_PREFIXES.has(prefix)) return 'openai';
  if (presetOf(prefix)) return 'openai_compatible';
  if (prefix === 'azure' || prefix === 'azure_text') return 'azure';
  if (prefix === 'mock') return 'mock';
  return undefined;
}

/** LiteLLM prefixes served by an adapter that speaks the provider's own wire format. */
const NATIVE_PROVIDER_PREFIXES: Record<string, ProviderId> = {
  anthropic: 'anthropic',
  ollama: 'ollama',
  ollama_chat: 'ollama_chat',
  gemini: 'gemini',
  cohere: 'cohere',
  cohere_chat: 'cohere',
  bedrock: 'bedrock',
  vertex_ai: 'vertex_ai',
  vertex_ai_beta: 'vertex_ai',
  sagemaker: 'sagemaker',
  sagemaker_chat: 'sagemaker',
  'text-completion-openai': 'text-completion-openai',
};

/** Characters a pattern fixes: `groq/llama-*` (11) is more specific than `groq/*` (5), which is more than `*` (0). */
function specificity(pattern: string): number {
  return pattern.replace(/\*/g, '').length;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

/** Same entry, same id across restarts and instances; the api key is left out so rotating it keeps the id. */
export function stableDeploymentId(entry: ModelDeploymentConfig): string {
  const { api_key: _apiKey, ...params } = entry.litellm_params;
  return createHash('sha256')
    .update(JSON.stringify({ model_name: entry.model_name, litellm_params: params }))
    .digest('hex')
    .slice(0, 32);
}

/** The environment's region applies only below the deployment's own `region_name` (which may name an AWS region). */
function awsDefaultsFor(params: LitellmParams, defaults: TollgateConfig['awsDefaults'] | undefined): Record<string, string | undefined> {
  if (!defaults) return {};
  const ownAwsRegion = typeof params.region_name === 'string' && AWS_REGION.test(params.region_name);
  return ownAwsRegion ? { ...defaults, aws_region_name: undefined } : defaults;
}

/** `params` with each default filled in where `params` has no value; the same object when nothing is missing. */
function withDefaults(params: LitellmParams, defaults: Readonly<Record<string, string | undefined>> | undefined): LitellmParams {
  const missing = Object.entries(defaults ?? {}).filter(([name, value]) => value !== undefined && (params[name] === undefined || params[name] === null || params[name] === ''));
  return missing.length
    ? ({
        ...Object.fromEntries(missing),
        ...Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined && value !== null && value !== '')),
      } as LitellmParams)
    : params;
}

/** A copy of a wildcard template under the requested names, keeping its live getters (api key, deadlines). */
function renamed(template: Deployment, modelName: string, upstreamModel: string): Deployment {
  const descriptors = Object.getOwnPropertyDescriptors(template);
  return Object.defineProperties(
    {},
    {
      ...descriptors,
      modelName: { value: modelName, enumerable: true },
      upstreamModel: { value: upstreamModel, enumerable: true },
    },
  ) as Deployment;
}
