import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { request as undiciRequest } from 'undici';
import { CallerAuthenticator } from '../auth/authentication.guard';
import { RouteCatalog } from '../auth/route-catalog.service';
import { PUBLIC_CALLER } from '../auth/auth-context';
import { RouteClass, type RouteDeclaration } from '../auth/route-class';
import { renderError } from '../common/http/error-envelope';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { PassThroughEndpoint, TollgateConfig } from '../config/config.types';
import { PricingService } from '../pricing/pricing.service';
import { SpendLedgerService } from '../spend/spend-ledger.service';
import { buildSpendRow } from '../spend/spend-row.builder';
import { forwardedUrl } from './forwarded-path';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
/** The caller's credentials and connection-level headers never travel to the target. */
const NEVER_FORWARDED = new Set(['authorization', 'api-key', 'x-api-key', 'host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade', 'proxy-authorization', 'te', 'trailer', 'cookie']);
const NOT_RETURNED = new Set(['connection', 'content-length', 'transfer-encoding', 'keep-alive', 'set-cookie']);
/** The header that names where the caller's key travels (LiteLLM's), not a header to send. */
const KEY_HEADER_SETTING = 'litellm_user_api_key';
const TIMEOUT_MS = 600_000;
/** A JSON reply is read whole to log its usage; larger ones are passed on without spend. */
const MAX_ACCOUNTED_BYTES = 8 * 1024 * 1024;

const PASS_THROUGH_DECLARATION: RouteDeclaration = Object.freeze({ routeClass: RouteClass.Llm, groups: ['llm_api_routes'] as const });
const PUBLIC_PASS_THROUGH: RouteDeclaration = Object.freeze({ routeClass: RouteClass.Public, groups: [] as const });

/**
 * `general_settings.pass_through_endpoints`: each `path` is forwarded to its fixed `target` with the method, query
 * and body as they came. With `auth: true` the caller needs a Tollgate key (checked like any LLM route: IP list,
 * key, JWT), which is never forwarded; the configured headers (provider secrets) are added here, server-side.
 * When the target answers JSON with `usage` and a `model`, the call is priced and written to the spend ledger.
 */
@Injectable()
export class PassThroughService implements OnModuleInit {
  private readonly logger = new Logger('PassThrough');
  private readonly endpoints: readonly PassThroughEndpoint[];

  constructor(
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
    private readonly adapterHost: HttpAdapterHost,
    private readonly authenticator: CallerAuthenticator,
    private readonly pricing: PricingService,
    private readonly ledger: SpendLedgerService,
    private readonly catalog: RouteCatalog,
  ) {
    this.endpoints = config.general_settings.pass_through_endpoints ?? [];
  }

  onModuleInit(): void {
    if (this.endpoints.length === 0) return;
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    for (const endpoint of this.endpoints) {
      const path = endpoint.path.startsWith('/') ? endpoint.path : `/${endpoint.path}`;
      const handler = (request: FastifyRequest, reply: FastifyReply): Promise<void> => this.forward(endpoint, request, reply);
      const declaration = endpoint.auth ? PASS_THROUGH_DECLARATION : PUBLIC_PASS_THROUGH;
      const urls = endpoint.include_subpath ? [path, `${path.replace(/\/$/, '')}/*`] : [path];
      for (const url of urls) {
        fastify.route({ method: [...METHODS], url, handler });
        this.catalog.addExternal({ path: url, methods: [...METHODS], endpoint: 'PassThrough', routeClass: declaration.routeClass, groups: declaration.groups });
      }
      this.logger.log(`pass-through ${path}${endpoint.include_subpath ? '/*' : ''} → ${new URL(endpoint.target).origin}${endpoint.auth ? ' (Tollgate key required)' : ''}`);
    }
  }

  private async forward(endpoint: PassThroughEndpoint, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const startTime = new Date();
    const requestId = randomUUID();
    reply.header('x-litellm-call-id', requestId);
    try {
      const keyHeader = endpoint.headers?.[KEY_HEADER_SETTING]?.toLowerCase();
      if (endpoint.auth) await this.authenticator.authenticate(request, PASS_THROUGH_DECLARATION, keyHeader);
      else {
        await this.authenticator.authenticate(request, PUBLIC_PASS_THROUGH);
        request.auth = PUBLIC_CALLER;
      }
      const upstream = await undiciRequest(forwardedUrl(endpoint, request.url), {
        method: request.method as (typeof METHODS)[number],
        headers: this.headersFor(endpoint, request, keyHeader),
        body: bodyOf(request),
        headersTimeout: TIMEOUT_MS,
        bodyTimeout: TIMEOUT_MS,
      });
      const contentType = String(upstream.headers['content-type'] ?? '');
      reply.status(upstream.statusCode);
      for (const [name, value] of Object.entries(upstream.headers)) {
        if (value !== undefined && !NOT_RETURNED.has(name)) reply.header(name, value);
      }
      const declared = Number(upstream.headers['content-length'] ?? Number.NaN);
      if (!contentType.includes('application/json') || declared > MAX_ACCOUNTED_BYTES) return reply.send(upstream.body);
      const text = await upstream.body.text();
      this.recordSpend(requestId, request, text, startTime);
      return reply.send(text);
    } catch (error) {
      const rendered = renderError(error);
      if (rendered.unexpected) this.logger.error(`pass-through ${endpoint.path} failed: ${rendered.internalCode}`);
      if (rendered.headers) reply.headers(rendered.headers);
      return reply.status(rendered.status).send(rendered.body);
    }
  }

  /** Configured headers win; the caller's are added only with `forward_headers`, and never its credentials. */
  private headersFor(endpoint: PassThroughEndpoint, request: FastifyRequest, keyHeader: string | undefined): Record<string, string> {
    const headers: Record<string, string> = {};
    if (endpoint.forward_headers) {
      for (const [name, value] of Object.entries(request.headers)) {
        if (value === undefined || NEVER_FORWARDED.has(name) || name === keyHeader) continue;
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

  /** LiteLLM logs pass-through calls whose reply carries usage; the model named in the reply prices it. */
  private recordSpend(requestId: string, request: FastifyRequest, text: string, startTime: Date): void {
    let reply: { model?: unknown; usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number; input_tokens?: number; output_tokens?: number } };
    try {
      reply = JSON.parse(text) as typeof reply;
    } catch {
      return;
    }
    const usage = reply?.usage;
    if (!usage || typeof usage !== 'object') return;
    const model = typeof reply.model === 'string' ? reply.model : '';
    const prompt = usage.prompt_tokens ?? usage.input_tokens ?? 0;
    const completion = usage.completion_tokens ?? usage.output_tokens ?? 0;
    const price = model ? this.pricing.lookup(model) : undefined;
    const cost = price ? prompt * price.inputCostPerToken + completion * price.outputCostPerToken : 0;
    const auth = request.auth;
    this.ledger.record(
      buildSpendRow({
        requestId,
        operation: 'pass_through',
        stream: false,
        apiKeyHash: auth?.apiKeyHash ?? null,
        key: auth?.key ?? null,
        callerUserId: auth?.userId ?? null,
        team: null,
        requestedModel: model,
        deployment: null,
        requestMetadata: null,
        headerTags: [],
        endUserId: null,
        usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: usage.total_tokens ?? prompt + completion },
        cost,
        startTime,
        endTime: new Date(),
        completionStartTime: null,
        clientIp: request.clientIp ?? request.ip ?? null,
        providerResponseId: null,
        failure: null,
        appliedGuardrails: [],
      }),
    );
  }
}

function bodyOf(request: FastifyRequest): string | undefined {
  if (request.method === 'GET' || request.body === undefined || request.body === null) return undefined;
  return typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
}
