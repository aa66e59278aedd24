import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { request as undiciRequest } from 'undici';
import { CallerAuthenticator } from '../auth/authentication.guard';
import { RouteCatalog } from '../auth/route-catalog.service';
import { KEY_HEADERS } from '../common/access/api-key.extractor';
import { PUBLIC_CALLER } from '../common/access/caller';
import { RouteClass, type RouteDeclaration } from '../common/access/route-class';
import { renderError } from '../common/http/error-envelope';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { PassThroughEndpoint, TollgateConfig } from '../config/config.types';
import { EdgeCall } from '../gateway/edge-call';
import { CallPipeline } from '../pipeline/call-pipeline.service';
import { PASS_THROUGH, tokenUsageOf, type ProviderAnswer } from '../pipeline/operations';
import { forwardedUrl } from './forwarded-path';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
/** The caller's credentials and connection-level headers never travel to the target. */
const NEVER_FORWARDED = new Set([
  ...KEY_HEADERS,
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'proxy-authorization',
  'te',
  'trailer',
  'cookie',
]);
const NOT_RETURNED = new Set(['connection', 'content-length', 'transfer-encoding', 'keep-alive', 'set-cookie']);
/** The header that names where the caller's key travels (LiteLLM's), not a header to send. */
const KEY_HEADER_SETTING = 'litellm_user_api_key';
const TIMEOUT_MS = 600_000;
/** A JSON reply is read whole to price its usage; larger ones are passed on unpriced. */
const MAX_ACCOUNTED_BYTES = 8 * 1024 * 1024;

const PASS_THROUGH_DECLARATION: RouteDeclaration = Object.freeze({ routeClass: RouteClass.Llm, groups: ['llm_api_routes'] as const });
const PUBLIC_PASS_THROUGH: RouteDeclaration = Object.freeze({ routeClass: RouteClass.Public, groups: [] as const });

/**
 * `general_settings.pass_through_endpoints`: each `path` is forwarded to its fixed `target` with the method, query
 * and body as they came. With `auth: true` the caller needs a Tollgate key (checked like any LLM route: IP list,
 * key, JWT), which is never forwarded; the configured headers (provider secrets) are added here, server-side.
 * Every call is a governed call: the pipeline admits it (rate limits, parallel caps, budgets of the key, its team,
 * user and organization), runs the guardrails on any text it carries, prices a JSON reply's usage, and writes
 * its spend row.
 */
@Injectable()
export class PassThroughService implements OnModuleInit {
  private readonly logger = new Logger('PassThrough');
  private readonly endpoints: readonly PassThroughEndpoint[];
  /** `general_settings.litellm_key_header_name`: a caller's key travels there too, so it is never forwarded. */
  private readonly customKeyHeader: string | undefined;

  constructor(
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
    private readonly adapterHost: HttpAdapterHost,
    private readonly authenticator: CallerAuthenticator,
    private readonly pipeline: CallPipeline,
    private readonly catalog: RouteCatalog,
  ) {
    this.endpoints = config.general_settings.pass_through_endpoints ?? [];
    this.customKeyHeader = config.general_settings.litellm_key_header_name?.toLowerCase();
  }

  onModuleInit(): void {
    if (this.endpoints.length === 0) return;
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const shadowing = new Map<string, PassThroughEndpoint>();
    for (const endpoint of this.endpoints) {
      const path = endpoint.path.startsWith('/') ? endpoint.path : `/${endpoint.path}`;
      const handler = (request: FastifyRequest, reply: FastifyReply): Promise<void> => this.forward(endpoint, request, reply);
      const declaration = endpoint.auth ? PASS_THROUGH_DECLARATION : PUBLIC_PASS_THROUGH;
      const urls = endpoint.include_subpath ? [path, `${path.replace(/\/$/, '')}/*`] : [path];
      for (const url of urls) {
        // A built-in route on the same path (LiteLLM's own example is Cohere's `/v1/rerank`): the operator's
        // endpoint wins, answered before the built-in route runs.
        if (METHODS.some((method) => fastify.hasRoute({ method, url }))) shadowing.set(url, endpoint);
        else fastify.route({ method: [...METHODS], url, handler });
        this.catalog.addExternal({ path: url, methods: [...METHODS], endpoint: 'PassThrough', routeClass: declaration.routeClass, groups: declaration.groups });
      }
      this.logger.log(`pass-through ${path}${endpoint.include_subpath ? '/*' : ''} → ${new URL(endpoint.target).origin}${endpoint.auth ? ' (Tollgate key required)' : ''}`);
    }
    if (shadowing.size > 0) {
      fastify.addHook('preValidation', async (request, reply) => {
        const query = request.url.indexOf('?');
        const endpoint = shadowing.get(query < 0 ? request.url : request.url.slice(0, query));
        if (endpoint) await this.forward(endpoint, request, reply);
      });
    }
  }

  private async forward(endpoint: PassThroughEndpoint, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    try {
      const keyHeader = endpoint.headers?.[KEY_HEADER_SETTING]?.toLowerCase();
      if (endpoint.auth) await this.authenticator.authenticate(request, PASS_THROUGH_DECLARATION, keyHeader);
      else {
        await this.authenticator.authenticate(request, PUBLIC_PASS_THROUGH);
        request.auth = PUBLIC_CALLER;
      }
      // A sub-path that would leave the target's path is refused before anything is admitted or sent.
      const url = forwardedUrl(endpoint, request.url);
      const body = isRecord(request.body) ? request.body : {};
      const edge = new EdgeCall(request, reply, {
        idPrefix: PASS_THROUGH.idPrefix,
        input: { body },
        model: undefined,
        target: {
          id: endpoint.path,
          apiBase: new URL(endpoint.target).origin,
          invoke: (signal) => this.call(endpoint, url, request, keyHeader, signal),
        },
      });
      await edge.serve(() => this.pipeline.run(PASS_THROUGH, edge.request));
    } catch (error) {
      const rendered = renderError(error);
      if (rendered.unexpected) this.logger.error(`pass-through ${endpoint.path} failed: ${rendered.internalCode}`);
      if (rendered.headers) reply.headers(rendered.headers);
      return reply.status(rendered.status).send(rendered.body);
    }
  }

  /** The target's answer as it came (status, headers, body); a JSON reply with `usage` and a `model` is priced. */
  private async call(endpoint: PassThroughEndpoint, url: string, request: FastifyRequest, keyHeader: string | undefined, signal: AbortSignal): Promise<ProviderAnswer> {
    const upstream = await undiciRequest(url, {
      method: request.method as (typeof METHODS)[number],
      headers: this.headersFor(endpoint, request, keyHeader),
      body: bodyOf(request),
      headersTimeout: TIMEOUT_MS,
      bodyTimeout: TIMEOUT_MS,
      signal,
    });
    const contentType = String(upstream.headers['content-type'] ?? '');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(upstream.headers)) {
      if (value !== undefined && !NOT_RETURNED.has(name)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const declared = Number(upstream.headers['content-length'] ?? Number.NaN);
    const answer = { kind: 'raw' as const, status: upstream.statusCode, contentType, headers, providerResponseId: null };
    if (!contentType.includes('application/json') || declared > MAX_ACCOUNTED_BYTES) return { ...answer, payload: upstream.body, usage: null };
    const text = await upstream.body.text();
    const reply = parseJson(text);
    return { ...answer, payload: text, usage: tokenUsageOf(reply?.usage), model: typeof reply?.model === 'string' ? reply.model : undefined };
  }

  /** Configured headers win; the caller's are added only with `forward_headers`, and never its credentials. */
  private headersFor(endpoint: PassThroughEndpoint, request: FastifyRequest, keyHeader: string | undefined): Record<string, string> {
    const headers: Record<string, string> = {};
    if (endpoint.forward_headers) {
      for (const [name, value] of Object.entries(request.headers)) {
        if (value === undefined || NEVER_FORWARDED.has(name) || name === keyHeader || name === this.customKeyHeader) continue;
        headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
    } else if (request.headers['content-type']) {
      headers['content-type'] = String(request.headers['content-type']);
    }
    for (const [name, value] of Object.entries(endpoint.headers ?? {})) {
      if (name !== KEY_HEADER_SETTING) headers[name.toLowerCase()] = String(value);
    }
    return headers;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function bodyOf(request: FastifyRequest): string | undefined {
  if (request.method === 'GET' || request.body === undefined || request.body === null) return undefined;
  return typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
}
