import { Injectable } from '@nestjs/common';
import type { Deployment } from '../../deployment';
import type { LlmOperation } from '../../openai.types';
import { UpstreamHttp } from '../../upstream-http.service';
import type { JsonObject } from '../media.types';
import type { JsonResult, StreamResult } from '../provider-adapter';
import { OpenAiWireAdapter } from './openai-wire.adapter';
import { websocketUrl, type RealtimeTarget } from '../realtime';

const OPENAI_API_BASE = 'https://api.openai.com/v1';
const PATHS: Record<LlmOperation, string> = { chat: '/chat/completions', completion: '/completions', embedding: '/embeddings' };

/** OpenAI itself and any OpenAI-compatible server (`api_base`): vLLM, LM Studio, llama.cpp, another gateway. */
@Injectable()
export class OpenAiAdapter extends OpenAiWireAdapter {
  readonly id = 'openai' as const;
  protected readonly label = 'OpenAI';

  constructor(http: UpstreamHttp) {
    super(http);
  }

  protected endpoint(deployment: Deployment, operation: LlmOperation): string {
    const base = (deployment.apiBase ?? OPENAI_API_BASE).replace(/\/+$/, '');
    return `${base}${PATHS[operation]}`;
  }

  protected mediaEndpoint(deployment: Deployment, path: string): string {
    return `${(deployment.apiBase ?? OPENAI_API_BASE).replace(/\/+$/, '')}/${path}`;
  }

  /** The Responses API natively, at `<api_base>/responses`. */
  responses(request: JsonObject, deployment: Deployment, signal: AbortSignal): Promise<JsonResult<JsonObject>> {
    return this.responsesAt(this.mediaEndpoint(deployment, 'responses'), request, deployment, signal);
  }

  responsesStream(request: JsonObject, deployment: Deployment, signal: AbortSignal): Promise<StreamResult> {
    return this.responsesStreamAt(this.mediaEndpoint(deployment, 'responses'), request, deployment, signal);
  }

  /** `wss://api.openai.com/v1/realtime?model=…`, with the beta header the realtime API asks for. */
  protected override realtimeTarget(deployment: Deployment): RealtimeTarget {
    const base = websocketUrl((deployment.apiBase ?? OPENAI_API_BASE).replace(/\/+$/, ''));
    return { url: `${base}/realtime?model=${encodeURIComponent(deployment.upstreamModel)}`, headers: { ...this.authHeaders(deployment), 'OpenAI-Beta': 'realtime=v1' } };
  }

  protected authHeaders(deployment: Deployment): Record<string, string> {
    const headers: Record<string, string> = {};
    if (deployment.apiKey) headers.authorization = `Bearer ${deployment.apiKey}`;
    if (deployment.organization) headers['openai-organization'] = deployment.organization;
    return headers;
  }
}
