import { Injectable } from '@nestjs/common';
import type { Deployment } from '../../deployment';
import type { LlmOperation } from '../../openai.types';
import { UpstreamError } from '../../routing.errors';
import { UpstreamHttp } from '../../upstream-http.service';
import { OpenAiWireAdapter } from '../openai/openai-wire.adapter';
import { presetOf, type PresetQuirks, type ProviderPreset } from './presets';

const PATHS: Record<LlmOperation, string> = { chat: '/chat/completions', completion: '/completions', embedding: '/embeddings' };

/**
 * Every provider of the preset table (`groq/…`, `mistral/…`, `openrouter/…`, `hosted_vllm/…`): OpenAI's wire format
 * at the preset's base URL with a bearer key, the preset's headers and the deployment's `extra_headers`, and the
 * preset's quirks applied to the body. The registry has already filled the key and base URL from the environment.
 */
@Injectable()
export class OpenAiCompatibleAdapter extends OpenAiWireAdapter {
  readonly id = 'openai_compatible' as const;
  protected readonly label = 'OpenAI';

  constructor(http: UpstreamHttp) {
    super(http);
  }

  protected override labelOf(deployment: Deployment): string {
    return presetFor(deployment)?.label ?? this.label;
  }

  protected endpoint(deployment: Deployment, operation: LlmOperation): string {
    return `${baseOf(deployment)}${PATHS[operation]}`;
  }

  protected mediaEndpoint(deployment: Deployment, path: string): string {
    return `${baseOf(deployment)}/${path}`;
  }

  protected authHeaders(deployment: Deployment): Record<string, string> {
    const headers: Record<string, string> = {};
    const extra = deployment.params.extra_headers;
    if (typeof extra === 'object' && extra !== null && !Array.isArray(extra)) {
      for (const [name, value] of Object.entries(extra)) if (typeof value === 'string') headers[name] = value;
    }
    if (deployment.apiKey) headers.authorization = `Bearer ${deployment.apiKey}`;
    return headers;
  }

  protected override adjustBody(body: Record<string, unknown>, deployment: Deployment, stream: boolean): void {
    const quirks = presetFor(deployment)?.quirks;
    if (quirks) applyQuirks(body, quirks, stream);
  }
}

function presetFor(deployment: Deployment): ProviderPreset | undefined {
  return presetOf(deployment.customLlmProvider);
}

function baseOf(deployment: Deployment): string {
  const preset = presetFor(deployment);
  if (!deployment.apiBase) {
    const variable = preset?.apiBaseEnv?.[0];
    throw new UpstreamError('bad_request', 400, preset?.label ?? 'OpenAI', `no api_base for model=${deployment.modelName}: set api_base${variable ? ` (or ${variable})` : ''}`);
  }
  let base = deployment.apiBase.replace(/\/+$/, '');
  const suffix = preset?.quirks?.baseSuffix;
  if (suffix && !base.endsWith(suffix)) base += suffix;
  return base;
}

/** Rewrites an OpenAI request body in place into the provider's dialect. */
export function applyQuirks(body: Record<string, unknown>, quirks: PresetQuirks, stream: boolean): void {
  for (const field of quirks.unsupported ?? []) delete body[field];
  for (const [from, to] of Object.entries(quirks.renamed ?? {})) {
    if (body[from] === undefined) continue;
    // An explicit value under the provider's own name wins.
    body[to] ??= body[from];
    delete body[from];
  }
  if (stream && quirks.noStreamOptions) delete body.stream_options;
  if (quirks.toolChoice && body.tool_choice !== undefined) {
    const choice = body.tool_choice;
    const mapped = typeof choice === 'string' ? quirks.toolChoice[choice] : quirks.toolChoice['*'];
    if (mapped !== undefined) body.tool_choice = mapped;
  }
  if (quirks.modelPrefix && typeof body.model === 'string' && !body.model.includes('/')) body.model = `${quirks.modelPrefix}${body.model}`;
  if (Array.isArray(body.messages) && (quirks.flattenTextContent || quirks.nameOnlyOnToolMessages || quirks.dropNullMessageFields)) {
    body.messages = (body.messages as Record<string, unknown>[]).map((message) => adjustMessage(message, quirks));
  }
}

function adjustMessage(message: Record<string, unknown>, quirks: PresetQuirks): Record<string, unknown> {
  if (typeof message !== 'object' || message === null) return message;
  const out: Record<string, unknown> = { ...message };
  if (quirks.nameOnlyOnToolMessages && out.role !== 'tool') delete out.name;
  if (quirks.dropNullMessageFields && out.role === 'assistant') {
    for (const [field, value] of Object.entries(out)) if (value === null && field !== 'content') delete out[field];
  }
  if (quirks.flattenTextContent && Array.isArray(out.content)) {
    const parts = out.content as { type?: unknown; text?: unknown }[];
    if (parts.every((part) => part?.type === 'text' && typeof part.text === 'string')) out.content = parts.map((part) => part.text).join('');
  }
  return out;
}
