import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import type { Deployment } from '../routing/deployment';
import { ModelRegistry, type RegisteredModel } from '../routing/model-registry.service';
import { ProviderRegistry } from '../routing/providers/provider-registry.service';
import { UpstreamCallControl } from '../routing/upstream-abort';

/** LiteLLM's default wait for one deployment's health check (`model_info.health_check_timeout` overrides it). */
const DEFAULT_HEALTH_CHECK_TIMEOUT_SECONDS = 60;
const PING = 'ping';

export interface EndpointHealth {
  model: string;
  model_name: string;
  model_id: string;
  api_base?: string;
  mode: string;
  error?: string;
}

export interface DeploymentHealthReport {
  healthy_endpoints: EndpointHealth[];
  unhealthy_endpoints: EndpointHealth[];
  healthy_count: number;
  unhealthy_count: number;
}

/**
 * `GET /health`: one real, minimal call per deployment (a one-token chat or completion, a one-word
 * embedding, by `model_info.mode`), all at once, each bounded by its health-check timeout.
 */
@Injectable()
export class DeploymentHealthService {
  constructor(
    private readonly models: ModelRegistry,
    private readonly providers: ProviderRegistry,
  ) {}

  async check(modelName?: string): Promise<DeploymentHealthReport> {
    const targets = this.models.registered().filter((model) => !modelName || model.entry.model_name === modelName || model.id === modelName);
    const results = await Promise.all(targets.map((model) => this.checkOne(model)));
    const checked = results.filter((result): result is EndpointHealth => result !== undefined);
    const healthy = checked.filter((result) => result.error === undefined);
    const unhealthy = checked.filter((result) => result.error !== undefined);
    return { healthy_endpoints: healthy, unhealthy_endpoints: unhealthy, healthy_count: healthy.length, unhealthy_count: unhealthy.length };
  }

  /** Undefined for a wildcard deployment without `model_info.health_check_model`: there is no concrete model to ask. */
  private async checkOne(model: RegisteredModel): Promise<EndpointHealth | undefined> {
    const { entry } = model;
    const info = entry.model_info ?? {};
    const mode = info.mode ?? 'chat';
    const report: EndpointHealth = { model: entry.litellm_params.model, model_name: entry.model_name, model_id: model.id, mode };
    if (entry.litellm_params.api_base) report.api_base = entry.litellm_params.api_base;
    if (!model.deployment) return { ...report, error: `provider of ${entry.litellm_params.model} is not supported by this Tollgate version` };
    let deployment: Deployment = model.deployment;
    if (deployment.upstreamModel.includes('*')) {
      const healthModel = info.health_check_model;
      if (typeof healthModel !== 'string') return undefined;
      deployment = { ...deployment, upstreamModel: healthModel.includes('/') ? healthModel.slice(healthModel.indexOf('/') + 1) : healthModel };
    }
    const timeoutSeconds = typeof info.health_check_timeout === 'number' && info.health_check_timeout > 0 ? info.health_check_timeout : DEFAULT_HEALTH_CHECK_TIMEOUT_SECONDS;
    const control = new UpstreamCallControl(timeoutSeconds * 1000);
    try {
      await this.ping(deployment, mode, control.signal);
      return report;
    } catch (error) {
      // Upstream errors are already redacted for clients; anything else is described by its kind only.
      return { ...report, error: error instanceof DomainError ? error.message : error instanceof Error ? error.name : 'unknown error' };
    } finally {
      control.dispose();
    }
  }

  private async ping(deployment: Deployment, mode: string, signal: AbortSignal): Promise<void> {
    const adapter = this.providers.get(deployment.provider);
    const model = deployment.modelName;
    switch (mode) {
      case 'chat':
        await adapter.chat({ model, messages: [{ role: 'user', content: PING }], max_tokens: 1 }, deployment, signal);
        return;
      case 'completion':
        await adapter.completion({ model, prompt: PING, max_tokens: 1 }, deployment, signal);
        return;
      case 'embedding':
        await adapter.embeddings({ model, input: [PING] }, deployment, signal);
        return;
      default:
        throw new Error(`health checks for mode=${mode} are not supported`);
    }
  }
}
