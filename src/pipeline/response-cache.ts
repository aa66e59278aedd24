import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DomainError } from '../common/errors/domain-error';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { ResponseCacheSettings, TollgateConfig } from '../config/config.types';
import type { Usage } from '../routing/openai.types';
import type { JsonObject } from '../routing/providers/media.types';
import { RESPONSE_CACHE_STORE, type ResponseCacheStore } from '../store/response-cache-store';
import type { CallRequest } from './call';
import type { Operation, ProviderAnswer } from './operations';

/** LiteLLM's per-request controls (`cache: {...}` in the body), each of which a key may be limited to. */
type CacheControl = 'no-cache' | 'no-store' | 'ttl' | 's-maxage' | 'namespace' | 'use-cache';
/**
 * Request fields that steer Tollgate (routing, logging, limits), not the model's answer: two requests that differ
 * only in these get the same reply, so they share a cache entry. Everything else is part of the key.
 */
const NOT_IN_KEY = new Set([
  'stream',
  'stream_options',
  'metadata',
  'cache',
  'caching',
  'tags',
  'guardrails',
  'fallbacks',
  'context_window_fallbacks',
  'content_policy_fallbacks',
  'num_retries',
  'timeout',
  'request_timeout',
  'mock_testing_fallbacks',
  'mock_testing_rate_limit_error',
  'mock_timeout',
  'litellm_session_id',
  'litellm_trace_id',
  'litellm_call_id',
  'api_key',
  'api_base',
  'base_url',
  'api_version',
  'organization',
]);
/** Larger replies are not kept: one cached answer must not crowd out hundreds. */
const MAX_ENTRY_BYTES = 1024 * 1024;

/** 403 for a cache control the key is not allowed to use (`allowed_cache_controls`), LiteLLM's text. */
export class CacheControlForbiddenError extends DomainError {
  constructor(control: string) {
    super('GW_CACHE_CONTROL_FORBIDDEN', `Not allowed to set ${control} as a cache control. Contact admin to change permissions.`, {
      status: 403,
      type: 'auth_error',
      param: 'cache',
    });
  }
}

/** What one call may do with the cache. */
export interface CachePlan {
  /** `x-litellm-cache-key`: sha256 of the normalised request, behind its namespace. */
  readonly key: string;
  readonly read: boolean;
  readonly write: boolean;
  readonly ttlMs: number;
  /** `s-maxage`: only entries younger than this are served. */
  readonly maxAgeMs: number | null;
}

/** A cached reply as stored: the whole JSON reply, a relayed body, or the provider's stream events. */
type CachedEntry =
  | { readonly v: 1; readonly at: number; readonly kind: 'json'; readonly body: JsonObject; readonly usage: Usage | null }
  | { readonly v: 1; readonly at: number; readonly kind: 'raw'; readonly contentType: string; readonly payload: string; readonly usage: Usage | null }
  | { readonly v: 1; readonly at: number; readonly kind: 'events'; readonly events: readonly string[]; readonly usage: Usage | null };

/**
 * The response cache stage of the call pipeline (`litellm_settings.cache: true`): exact match on the normalised
 * request (after guardrails rewrote it), per operation (the descriptor says which are cacheable) and per model
 * group, local or in Redis. A hit still went through authentication, guardrails `pre_call` and admission (it counts
 * against rpm), costs 0 and writes its one ledger row marked `cache_hit`; a streamed request replays a cached
 * reply as chunks.
 */
@Injectable()
export class ResponseCache {
  private readonly logger = new Logger('ResponseCache');
  private readonly settings: ResponseCacheSettings | undefined;

  constructor(
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
    @Optional() @Inject(RESPONSE_CACHE_STORE) private readonly store?: ResponseCacheStore | null,
  ) {
    this.settings = store ? config.responseCache : undefined;
  }

  /**
   * What the call may do with the cache; undefined when it is off, the operation is not cacheable, or the call is
   * not eligible. The request's `cache` controls are checked against the key's `allowed_cache_controls` (an empty
   * list allows all, as in LiteLLM).
   * @throws CacheControlForbiddenError
   */
  plan(operation: Operation, call: CallRequest, model: string | undefined): CachePlan | undefined {
    const settings = this.settings;
    const controls = controlsOf(call.input.body.cache);
    const allowed = call.caller?.key?.allowedCacheControls ?? [];
    if (allowed.length > 0) for (const control of Object.keys(controls)) if (!allowed.includes(control)) throw new CacheControlForbiddenError(control);
    if (!settings || !operation.cacheable || call.target || !settings.supportedCallTypes.includes(operation.callType)) return undefined;
    if (settings.mode === 'default_off' && controls['use-cache'] !== true) return undefined;
    const namespace = typeof controls.namespace === 'string' && controls.namespace !== '' ? controls.namespace : settings.namespace;
    const digest = createHash('sha256')
      .update(`${operation.callType}\n${model ?? ''}\n${canonical(call.input.body, true)}`)
      .digest('hex');
    return {
      key: namespace ? `${namespace}:${digest}` : digest,
      read: controls['no-cache'] !== true,
      write: controls['no-store'] !== true,
      ttlMs: seconds(controls.ttl) ?? settings.ttlSeconds * 1000,
      maxAgeMs: seconds(controls['s-maxage']),
    };
  }

  /** A cached reply as the provider's answer, or undefined (miss, too old, or not replayable as asked). */
  async lookup(plan: CachePlan, operation: Operation, streaming: boolean): Promise<ProviderAnswer | undefined> {
    if (!plan.read || !this.store) return undefined;
    const text = await this.store.get(plan.key);
    if (text === undefined) return undefined;
    let entry: CachedEntry;
    try {
      entry = JSON.parse(text) as CachedEntry;
    } catch {
      return undefined;
    }
    if (entry.v !== 1 || (plan.maxAgeMs !== null && Date.now() - entry.at > plan.maxAgeMs)) return undefined;
    const headers = {};
    if (streaming) {
      if (entry.kind === 'events') return { kind: 'stream', stream: { headers, batches: replay([...entry.events]) } };
      if (entry.kind === 'json' && operation.streams) return { kind: 'stream', stream: { headers, batches: replay(chunksOf(entry.body, entry.usage)) } };
      return undefined;
    }
    if (entry.kind === 'json') return { kind: 'json', body: structuredClone(entry.body), headers, usage: entry.usage, providerResponseId: null };
    if (entry.kind === 'raw') return { kind: 'raw', status: 200, contentType: entry.contentType, payload: entry.payload, headers, usage: entry.usage, providerResponseId: null };
    return undefined;
  }

  /** Keeps a successful whole reply (after post_call guardrails had their say). Never delays or fails the call. */
  remember(plan: CachePlan, answer: ProviderAnswer): void {
    if (!plan.write || answer.kind === 'stream') return;
    if (answer.kind === 'json') {
      this.put(plan, { v: 1, at: Date.now(), kind: 'json', body: answer.body, usage: answer.usage });
    } else if (typeof answer.payload === 'string' || Buffer.isBuffer(answer.payload)) {
      const payload = typeof answer.payload === 'string' ? answer.payload : answer.payload.toString('utf8');
      this.put(plan, { v: 1, at: Date.now(), kind: 'raw', contentType: answer.contentType, payload, usage: answer.usage });
    }
  }

  /** Keeps a stream that ended normally, as the provider's events (a replay rewrites ids and usage per client). */
  rememberStream(plan: CachePlan, events: readonly string[], usage: Usage | null): void {
    if (plan.write) this.put(plan, { v: 1, at: Date.now(), kind: 'events', events, usage });
  }

  private put(plan: CachePlan, entry: CachedEntry): void {
    const text = JSON.stringify(entry);
    if (text.length > MAX_ENTRY_BYTES || !this.store) return;
    this.store.set(plan.key, text, plan.ttlMs).catch((error: unknown) => {
      this.logger.warn(`reply not cached (${error instanceof Error ? error.name : typeof error})`);
    });
  }
}

/** The request's `cache` object; a malformed one is no control at all (LiteLLM ignores it too). */
function controlsOf(value: unknown): Partial<Record<CacheControl, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  return value as Record<string, unknown>;
}

function seconds(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  return Number.isFinite(n) && n >= 0 ? n * 1000 : null;
}

/** JSON with object keys sorted at every level, so key order never splits one request into two entries. */
function canonical(value: unknown, top = false): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonical(item)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([name, item]) => item !== undefined && !(top && NOT_IN_KEY.has(name)))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, item]) => `${JSON.stringify(name)}:${canonical(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

async function* replay(events: string[]): AsyncGenerator<string[]> {
  yield events;
}

/** A whole chat or text completion as the chunks a provider would have streamed: content, finish, usage. */
function chunksOf(body: JsonObject, usage: Usage | null): string[] {
  const base = { id: typeof body.id === 'string' ? body.id : 'cached', created: body.created ?? Math.floor(Date.now() / 1000), model: body.model ?? null };
  const choices = Array.isArray(body.choices) ? (body.choices as Record<string, unknown>[]) : [];
  const isText = body.object === 'text_completion';
  const object = isText ? 'text_completion' : 'chat.completion.chunk';
  const events: string[] = [];
  for (const [index, choice] of choices.entries()) {
    const at = typeof choice.index === 'number' ? choice.index : index;
    if (isText) {
      events.push(JSON.stringify({ ...base, object, choices: [{ index: at, text: choice.text ?? '', finish_reason: null }] }));
    } else {
      const message = (choice.message ?? {}) as Record<string, unknown>;
      const delta: Record<string, unknown> = { role: message.role ?? 'assistant', content: message.content ?? null };
      if (Array.isArray(message.tool_calls)) delta.tool_calls = (message.tool_calls as Record<string, unknown>[]).map((call, i) => ({ index: i, ...call }));
      events.push(JSON.stringify({ ...base, object, choices: [{ index: at, delta, finish_reason: null }] }));
    }
    const finish = isText ? { index: at, text: '', finish_reason: choice.finish_reason ?? 'stop' } : { index: at, delta: {}, finish_reason: choice.finish_reason ?? 'stop' };
    events.push(JSON.stringify({ ...base, object, choices: [finish] }));
  }
  if (usage) events.push(JSON.stringify({ ...base, object, choices: [], usage }));
  return events;
}
