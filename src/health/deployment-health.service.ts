import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { ModelDeploymentConfig } from '../config/config.types';
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

/** `model_info.mode`: which minimal call a check makes. */
export type DeploymentMode = NonNullable<NonNullable<ModelDeploymentConfig['model_info']>['mode']>;

/** LiteLLM's answer to `/health/test_connection`. */
export interface ConnectionTestResult {
  status: 'success' | 'error';
  result: Record<string, string>;
  message?: string;
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

  /**
   * `POST /health/test_connection`: one minimal call to a deployment that is not registered yet, so an admin can try
   * a definition before adding it. The definition's own credentials are used and never echoed.
   */
  async testConnection(entry: ModelDeploymentConfig, mode: DeploymentMode): Promise<ConnectionTestResult> {
    const deployment = this.models.trialDeployment({ ...entry, model_info: { ...entry.model_info, mode } }, `test-${randomUUID()}`);
    const report = deployment
      ? await this.checkDeployment(entry, deployment.id, deployment, mode)
      : { error: `provider of ${entry.litellm_params.model} is not supported by this Tollgate version` };
    if (!report) return { status: 'error', result: {}, message: 'a wildcard model needs model_info.health_check_model to be tested' };
    return report.error === undefined ? { status: 'success', result: { model: entry.litellm_params.model, mode } } : { status: 'error', result: {}, message: report.error };
  }

  /** Undefined for a wildcard deployment without `model_info.health_check_model`: there is no concrete model to ask. */
  private checkOne(model: RegisteredModel): Promise<EndpointHealth | undefined> {
    const { entry } = model;
    if (!model.deployment) {
      const report: EndpointHealth = { model: entry.litellm_params.model, model_name: entry.model_name, model_id: model.id, mode: entry.model_info?.mode ?? 'chat' };
      if (entry.litellm_params.api_base) report.api_base = entry.litellm_params.api_base;
      return Promise.resolve({ ...report, error: `provider of ${entry.litellm_params.model} is not supported by this Tollgate version` });
    }
    return this.checkDeployment(entry, model.id, model.deployment, entry.model_info?.mode ?? 'chat');
  }

  private async checkDeployment(entry: ModelDeploymentConfig, id: string, registered: Deployment, mode: string): Promise<EndpointHealth | undefined> {
    const info = entry.model_info ?? {};
    const report: EndpointHealth = { model: entry.litellm_params.model, model_name: entry.model_name, model_id: id, mode };
    if (entry.litellm_params.api_base) report.api_base = entry.litellm_params.api_base;
    let deployment = registered;
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
