import { Injectable } from '@nestjs/common';
import type { Deployment } from '../../deployment';
import type { LlmOperation } from '../../openai.types';
import { UpstreamHttp } from '../../upstream-http.service';
import { UnsupportedOperationError } from '../../routing.errors';
import type { JsonObject } from '../media.types';
import { OpenAiWireAdapter } from '../openai/openai-wire.adapter';
import type { JsonResult, StreamResult } from '../provider-adapter';
import { websocketUrl, type RealtimeTarget } from '../realtime';

/** GA version used when a deployment sets no `api_version`. */
export const DEFAULT_AZURE_API_VERSION = '2024-10-21';
/** The Responses API exists from this version on; a deployment configured with an older one uses it for responses. */
export const AZURE_RESPONSES_API_VERSION = '2025-04-01-preview';
const FIRST_RESPONSES_VERSION = '2025-03-01-preview';
/** The realtime API is a preview API on Azure: the GA default version has no `/openai/realtime`. */
const AZURE_REALTIME_API_VERSION = '2024-10-01-preview';
const PATHS: Record<LlmOperation, string> = { chat: 'chat/completions', completion: 'completions', embedding: 'embeddings' };

/**
 * Azure OpenAI: the deployment name is in the path, the version in the query and the key in `api-key`.
 * https://learn.microsoft.com/azure/ai-services/openai/reference
 */
@Injectable()
export class AzureOpenAiAdapter extends OpenAiWireAdapter {
  readonly id = 'azure' as const;
  protected readonly label = 'AzureOpenAI';

  constructor(http: UpstreamHttp) {
    super(http);
  }

  protected endpoint(deployment: Deployment, operation: LlmOperation): string {
    if (!deployment.apiBase) throw new Error(`azure deployment ${deployment.modelName} has no api_base`);
    const base = deployment.apiBase.replace(/\/+$/, '');
    const version = encodeURIComponent(deployment.apiVersion ?? DEFAULT_AZURE_API_VERSION);
    return `${base}/openai/deployments/${encodeURIComponent(deployment.upstreamModel)}/${PATHS[operation]}?api-version=${version}`;
  }

  /**
   * Images and audio live under the deployment like chat does; files and batches belong to the resource.
   * Azure OpenAI has no moderation endpoint (content filtering is applied to every call instead).
   */
  protected mediaEndpoint(deployment: Deployment, path: string): string {
    if (!deployment.apiBase) throw new Error(`azure deployment ${deployment.modelName} has no api_base`);
    if (path === 'moderations') throw new UnsupportedOperationError('moderations', deployment.modelName);
    const base = deployment.apiBase.replace(/\/+$/, '');
    const version = encodeURIComponent(deployment.apiVersion ?? DEFAULT_AZURE_API_VERSION);
    const resourceLevel = ['files', 'batches'].some((root) => path === root || path.startsWith(`${root}/`));
    const scope = resourceLevel ? '/openai' : `/openai/deployments/${encodeURIComponent(deployment.upstreamModel)}`;
    return `${base}${scope}/${path}?api-version=${version}`;
  }

  /**
   * The Responses API natively, at the resource's `/openai/responses` (the deployment name is the body's `model`).
   * A configured `api_version` older than the API itself is replaced by AZURE_RESPONSES_API_VERSION.
   */
  responses(request: JsonObject, deployment: Deployment, signal: AbortSignal): Promise<JsonResult<JsonObject>> {
    return this.responsesAt(this.responsesEndpoint(deployment), request, deployment, signal);
  }

  responsesStream(request: JsonObject, deployment: Deployment, signal: AbortSignal): Promise<StreamResult> {
    return this.responsesStreamAt(this.responsesEndpoint(deployment), request, deployment, signal);
  }

  private responsesEndpoint(deployment: Deployment): string {
    if (!deployment.apiBase) throw new Error(`azure deployment ${deployment.modelName} has no api_base`);
    const configured = deployment.apiVersion;
    const version = configured && (/^[a-z]/.test(configured) || configured >= FIRST_RESPONSES_VERSION) ? configured : AZURE_RESPONSES_API_VERSION;
    return `${deployment.apiBase.replace(/\/+$/, '')}/openai/responses?api-version=${encodeURIComponent(version)}`;
  }

  /** `wss://{resource}/openai/realtime?api-version=…&deployment=…`, keyed with `api-key`. */
  protected override realtimeTarget(deployment: Deployment): RealtimeTarget {
    if (!deployment.apiBase) throw new Error(`azure deployment ${deployment.modelName} has no api_base`);
    const base = websocketUrl(deployment.apiBase.replace(/\/+$/, ''));
    const version = encodeURIComponent(deployment.apiVersion ?? AZURE_REALTIME_API_VERSION);
    return { url: `${base}/openai/realtime?api-version=${version}&deployment=${encodeURIComponent(deployment.upstreamModel)}`, headers: this.authHeaders(deployment) };
  }

  protected authHeaders(deployment: Deployment): Record<string, string> {
    return deployment.apiKey ? { 'api-key': deployment.apiKey } : {};
  }
}
