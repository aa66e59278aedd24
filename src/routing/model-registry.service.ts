import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { ModelDeploymentConfig, TollgateConfig } from '../config/config.types';
import type { Deployment, ProviderId } from './deployment';
import { UnknownModelError, UnsupportedProviderError } from './routing.errors';

const DEFAULT_TIMEOUT_SECONDS = 600;

/** LiteLLM provider prefixes that speak the OpenAI wire format. */
const OPENAI_COMPATIBLE_PREFIXES = new Set(['openai', 'text-completion-openai', 'custom_openai', 'openai_like', 'hosted_vllm']);

interface ModelGroup {
  readonly name: string;
  readonly deployments: readonly Deployment[];
}

interface WildcardGroup {
  readonly pattern: RegExp;
  readonly entry: ModelDeploymentConfig;
  readonly template: Deployment;
}

/** Knows the configured model groups and picks a deployment for a requested model name. */
@Injectable()
export class ModelRegistry {
  private readonly logger = new Logger('Models');
  private readonly groups = new Map<string, ModelGroup>();
  private readonly wildcards: WildcardGroup[] = [];
  private readonly aliases: Record<string, string>;
  private readonly unsupported = new Map<string, string>();

  constructor(@Inject(TOLLGATE_CONFIG) private readonly config: TollgateConfig) {
    this.aliases = config.router_settings.model_group_alias ?? {};
    for (const entry of config.model_list) this.add(entry);
    for (const [model, provider] of this.unsupported) {
      this.logger.warn(`model ${model}: provider '${provider}' is not supported by this version; calls to it will fail`);
    }
  }

  /** Public model names, as `/v1/models` lists them. */
  modelNames(): string[] {
    return [...new Set([...this.groups.keys(), ...this.wildcards.map((w) => w.entry.model_name)])];
  }

  /**
   * Resolves a requested model to one deployment of its group (uniform choice for now; the router
   * issue brings strategies, cooldowns and fallbacks).
   * @throws UnknownModelError when no group or wildcard matches.
   */
  pick(requested: unknown): Deployment {
    if (typeof requested !== 'string' || requested === '') throw new UnknownModelError(requested);
    const name = this.aliases[requested] ?? requested;
    const group = this.groups.get(name);
    if (group) {
      const { deployments } = group;
      return deployments.length === 1 ? deployments[0] : deployments[Math.floor(Math.random() * deployments.length)];
    }
    const wildcard = this.wildcards.find((w) => w.pattern.test(name));
    if (wildcard) return this.expandWildcard(wildcard, name);
    if (this.unsupported.has(name)) throw new UnsupportedProviderError(this.unsupported.get(name) as string, name);
    throw new UnknownModelError(requested);
  }

  private add(entry: ModelDeploymentConfig): void {
    const { provider, upstreamModel } = splitProviderModel(entry.litellm_params.model);
    const providerId = toProviderId(provider);
    if (!providerId) {
      this.unsupported.set(entry.model_name, provider);
      return;
    }
    const deployment = this.build(entry, providerId, upstreamModel);
    if (entry.model_name.includes('*')) {
      this.wildcards.push({ pattern: globToRegExp(entry.model_name), entry, template: deployment });
      return;
    }
    const existing = this.groups.get(entry.model_name);
    this.groups.set(entry.model_name, {
      name: entry.model_name,
      deployments: existing ? [...existing.deployments, deployment] : [deployment],
    });
  }

  private build(entry: ModelDeploymentConfig, provider: ProviderId, upstreamModel: string): Deployment {
    const params = entry.litellm_params;
    const defaultTimeout =
      this.config.router_settings.timeout ?? this.config.litellm_settings.request_timeout ?? DEFAULT_TIMEOUT_SECONDS;
    const timeoutSeconds = params.timeout ?? defaultTimeout;
    const streamTimeoutSeconds = params.stream_timeout ?? this.config.router_settings.stream_timeout ?? timeoutSeconds;
    return {
      id: entry.model_info?.id ?? stableDeploymentId(entry),
      modelName: entry.model_name,
      provider,
      upstreamModel,
      apiBase: params.api_base,
      apiKey: params.api_key,
      apiVersion: params.api_version,
      organization: params.organization,
      timeoutMs: timeoutSeconds * 1000,
      streamTimeoutMs: streamTimeoutSeconds * 1000,
      region: params.region_name,
      mode: entry.model_info?.mode ?? 'chat',
      baseModel: entry.model_info?.base_model,
      params,
    };
  }

  /** `openai/*` serving `openai/gpt-4o` calls upstream model `gpt-4o`; `*` passes the name through. */
  private expandWildcard(wildcard: WildcardGroup, requested: string): Deployment {
    const { template, entry } = wildcard;
    if (!template.upstreamModel.includes('*')) return template;
    const prefix = entry.model_name.slice(0, entry.model_name.indexOf('*'));
    const matched = requested.slice(prefix.length);
    return { ...template, modelName: requested, upstreamModel: template.upstreamModel.replace('*', matched) };
  }
}

export function splitProviderModel(model: string): { provider: string; upstreamModel: string } {
  const slash = model.indexOf('/');
  if (slash < 0) return { provider: 'openai', upstreamModel: model };
  return { provider: model.slice(0, slash), upstreamModel: model.slice(slash + 1) };
}

function toProviderId(prefix: string): ProviderId | undefined {
  const native = NATIVE_PROVIDER_PREFIXES[prefix];
  if (native) return native;
  if (OPENAI_COMPATIBLE_PREFIXES.has(prefix)) return 'openai';
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
  'text-completion-openai': 'text-completion-openai',
};

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

/** Same entry, same id across restarts and instances; the api key is left out so rotating it keeps the id. */
function stableDeploymentId(entry: ModelDeploymentConfig): string {
  const { api_key: _apiKey, ...params } = entry.litellm_params;
  return createHash('sha256')
    .update(JSON.stringify({ model_name: entry.model_name, litellm_params: params }))
    .digest('hex')
    .slice(0, 32);
}
