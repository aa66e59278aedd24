import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { performance } from 'node:perf_hooks';
import { CallerAuthenticator } from '../auth/authentication.guard';
import { RouteClass, type RouteDeclaration } from '../auth/route-class';
import { RouteCatalog } from '../auth/route-catalog.service';
import { BadRequestError } from '../common/errors/http-errors';
import { renderError } from '../common/http/error-envelope';
import { TOLLGATE_VERSION } from '../common/version';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { CustomersService } from '../customers/customers.service';
import { ChargedPartiesLookup } from './charged-parties';
import { LimitsService } from '../limits/limits.service';
import { resolveModelForKey } from '../limits/model-access';
import { PricingService } from '../pricing/pricing.service';
import type { Deployment } from '../routing/deployment';
import { ModelRegistry } from '../routing/model-registry.service';
import type { Usage } from '../routing/openai.types';
import type { BinaryResult, JsonObject, MultipartUpload } from '../routing/providers/media.types';
import { decodeMultipart } from '../routing/providers/multipart';
import type { ProviderAdapter } from '../routing/providers/provider-adapter';
import { ProviderRegistry } from '../routing/providers/provider-registry.service';
import { UnsupportedOperationError } from '../routing/routing.errors';
import { Router, routingHeaders, type RouteOutcome } from '../routing/router.service';
import { ClientDisconnected } from '../routing/upstream-abort';
import { SpendLedgerService } from '../spend/spend-ledger.service';
import { buildSpendRow, type SpendCallFacts } from '../spend/spend-row.builder';
import type { TeamRecord } from '../teams/team';

/** The operations MediaService serves, with LiteLLM's `call_type` for their spend rows. */
export const MEDIA_OPERATIONS = {
  image_generation: { callType: 'aimage_generation', idPrefix: 'img-', label: 'image generation' },
  transcription: { callType: 'atranscription', idPrefix: 'trsc-', label: 'audio transcription' },
  speech: { callType: 'aspeech', idPrefix: 'tts-', label: 'audio speech' },
  moderation: { callType: 'amoderation', idPrefix: 'modr-', label: 'moderations' },
  rerank: { callType: 'arerank', idPrefix: 'rrk-', label: 'rerank' },
  create_file: { callType: 'acreate_file', idPrefix: 'file-', label: 'files' },
  file_request: { callType: 'afile_request', idPrefix: 'file-', label: 'files' },
} as const;

export type MediaOperation = keyof typeof MEDIA_OPERATIONS;

/** Cohere's v1 SDK path; LiteLLM's docs also show it as a pass-through endpoint, which then keeps it. */
const V1_RERANK_PATH = '/v1/rerank';
const RERANK_DECLARATION: RouteDeclaration = Object.freeze({ routeClass: RouteClass.Llm, groups: ['llm_api_routes'] as const });

/** What one call produced: the answer to send and the usage the provider reported (null when it reports none). */
interface MediaAnswer {
  status: number;
  contentType: string;
  payload: string | Buffer;
  headers: Record<string, string>;
  usage: Usage | null;
  providerResponseId: string | null;
}

interface MediaCall {
  readonly operation: MediaOperation;
  readonly requestId: string;
  readonly startTime: Date;
  requestedModel: string;
  team: TeamRecord | null;
  deployment: Deployment | null;
  usage: Usage | null;
  cost: number;
  providerResponseId: string | null;
}

/**
 * The OpenAI-compatible routes beyond chat, completions and embeddings: images, audio, moderations, rerank and
 * files. Each call goes the way an LLM call does — the key's model access, a deployment from the registry, the
 * limits' admission, the adapter under a deadline cancelled by a client that leaves — and leaves one spend row,
 * priced from the usage the provider reports (none reported: a row with no cost, so the call is still on record).
 */
@Injectable()
export class MediaService implements OnModuleInit {
  private readonly logger = new Logger('Media');
  private readonly trackEndUsers: boolean;

  constructor(
    private readonly models: ModelRegistry,
    private readonly providers: ProviderRegistry,
    private readonly limits: LimitsService,
    private readonly pricing: PricingService,
    private readonly customers: CustomersService,
    private readonly ledger: SpendLedgerService,
    private readonly adapterHost: HttpAdapterHost,
    private readonly authenticator: CallerAuthenticator,
    private readonly catalog: RouteCatalog,
    @Inject(TOLLGATE_CONFIG) private readonly config: TollgateConfig,
    private readonly router: Router,
    private readonly parties: ChargedPartiesLookup,
  ) {
    this.trackEndUsers = config.litellm_settings.disable_end_user_cost_tracking !== true;
  }

  /**
   * Multipart bodies (audio, files) are read whole as bytes, under the same `bodyLimit` as JSON bodies, so
   * `max_request_size_mb` caps uploads too; parsing happens in the handler.
   */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    if (!fastify.hasContentTypeParser('multipart/form-data')) {
      fastify.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    }
    this.registerV1Rerank(fastify);
  }

  /**
   * `POST /v1/rerank` is served here unless a configured pass-through endpoint claims that path (LiteLLM's own
   * pass-through example is exactly Cohere's `/v1/rerank`), in which case the operator's route wins. Registered on
   * Fastify, like pass-through routes, so the two never collide; authentication is the guards' own authenticator.
   */
  private registerV1Rerank(fastify: FastifyInstance): void {
    const claimed = (this.config.general_settings.pass_through_endpoints ?? []).some((endpoint) => {
      const path = `/${endpoint.path.replace(/^\/+|\/+$/g, '')}`;
      return path === V1_RERANK_PATH || (endpoint.include_subpath === true && V1_RERANK_PATH.startsWith(`${path === '/' ? '' : path}/`));
    });
    if (claimed) return;
    fastify.route({
      method: 'POST',
      url: V1_RERANK_PATH,
      handler: async (request, reply) => {
        try {
          await this.authenticator.authenticate(request, RERANK_DECLARATION);
          await this.rerank(request, reply);
        } catch (error) {
          const rendered = renderError(error);
          if (rendered.unexpected) this.logger.error(`${V1_RERANK_PATH} failed: ${rendered.internalCode}`);
          if (rendered.headers) reply.headers(rendered.headers);
          await reply.status(rendered.status).send(rendered.body);
        }
      },
    });
    this.catalog.addExternal({ path: V1_RERANK_PATH, methods: ['POST'], endpoint: 'MediaController.rerank', routeClass: RERANK_DECLARATION.routeClass, groups: RERANK_DECLARATION.groups });
  }

  async imageGeneration(request: FastifyRequest, reply: FastifyReply, pathModel?: string): Promise<void> {
    const body = jsonBody(request, pathModel, ['prompt']);
    await this.serve('image_generation', request, reply, body.model as string, body, async (adapter, deployment, signal) => {
      if (!adapter.imageGeneration) throw new UnsupportedOperationError('image generation', deployment.modelName);
      const result = await adapter.imageGeneration(body as never, deployment, signal);
      return jsonAnswer(result.body, result.headers, tokenUsageOf(result.body.usage));
    });
  }

  async speech(request: FastifyRequest, reply: FastifyReply, pathModel?: string): Promise<void> {
    const body = jsonBody(request, pathModel, ['input', 'voice']);
    await this.serve('speech', request, reply, body.model as string, body, async (adapter, deployment, signal) => {
      if (!adapter.audioSpeech) throw new UnsupportedOperationError('audio speech', deployment.modelName);
      return binaryAnswer(await adapter.audioSpeech(body as never, deployment, signal));
    });
  }

  async transcription(request: FastifyRequest, reply: FastifyReply, pathModel?: string): Promise<void> {
    const upload = await multipartBody(request, pathModel);
    await this.serve('transcription', request, reply, upload.fields.model, upload.fields, async (adapter, deployment, signal) => {
      if (!adapter.audioTranscription) throw new UnsupportedOperationError('audio transcription', deployment.modelName);
      return binaryAnswer(await adapter.audioTranscription(upload, deployment, signal));
    });
  }

  /** `model` is optional, as in OpenAI's API: without one, the first configured moderation model answers. */
  async moderation(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const body = jsonBody(request, undefined, ['input'], false);
    const model = typeof body.model === 'string' && body.model !== '' ? body.model : this.defaultModel((name, upstream) => /moderation/.test(`${name} ${upstream}`), 'moderations');
    await this.serve('moderation', request, reply, model, body, async (adapter, deployment, signal) => {
      if (!adapter.moderation) throw new UnsupportedOperationError('moderations', deployment.modelName);
      const result = await adapter.moderation({ ...body, model, input: body.input }, deployment, signal);
      return jsonAnswer(result.body, result.headers, null);
    });
  }

  async rerank(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const body = jsonBody(request, undefined, ['query', 'documents']);
    if (!Array.isArray(body.documents)) throw new BadRequestError("'documents' must be a list.", 'documents');
    await this.serve('rerank', request, reply, body.model as string, body, async (adapter, deployment, signal) => {
      if (!adapter.rerank) throw new UnsupportedOperationError('rerank', deployment.modelName);
      const result = await adapter.rerank(body as never, deployment, signal);
      const tokens = result.body.meta?.tokens?.input_tokens ?? result.body.meta?.billed_units?.input_tokens;
      return { ...jsonAnswer(result.body as unknown as JsonObject, result.headers, typeof tokens === 'number' ? { prompt_tokens: tokens, completion_tokens: 0, total_tokens: tokens } : null), providerResponseId: result.body.id ?? null };
    });
  }

  /**
   * `POST /v1/files`. The deployment is the one named by a `model` (or LiteLLM's `target_model_names`) form field,
   * else the first OpenAI or Azure deployment configured.
   */
  async createFile(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const upload = await multipartBody(request, undefined, false);
    const model = upload.fields.model || upload.fields.target_model_names?.split(',')[0]?.trim() || this.defaultFilesModel();
    await this.serve('create_file', request, reply, model, upload.fields, async (adapter, deployment, signal) => {
      if (!adapter.createFile) throw new UnsupportedOperationError('files', deployment.modelName);
      return binaryAnswer(await adapter.createFile(upload, deployment, signal));
    });
  }

  /** `GET/DELETE /v1/files[/{id}[/content]]`, on the deployment `?model=` names (default as for uploads). */
  async fileRequest(method: 'GET' | 'DELETE', path: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const model = typeof query.model === 'string' && query.model !== '' ? query.model : this.defaultFilesModel();
    const forwardedQuery = new URLSearchParams();
    for (const name of ['purpose', 'limit', 'after', 'order']) if (typeof query[name] === 'string') forwardedQuery.set(name, query[name] as string);
    const fullPath = forwardedQuery.size ? `${path}${path.includes('?') ? '&' : '?'}${forwardedQuery}` : path;
    await this.serve('file_request', request, reply, model, {}, async (adapter, deployment, signal) => {
      if (!adapter.fileRequest) throw new UnsupportedOperationError('files', deployment.modelName);
      return binaryAnswer(await adapter.fileRequest(method, fullPath, deployment, signal));
    });
  }

  private defaultModel(matches: (name: string, upstream: string) => boolean, operation: string): string {
    const name = this.config.model_list.find((entry) => matches(entry.model_name, entry.litellm_params.model))?.model_name;
    if (!name) throw new BadRequestError(`No model given and no ${operation} model configured: pass 'model'.`, 'model');
    return name;
  }

  private defaultFilesModel(): string {
    return this.defaultModel((_name, upstream) => /^(openai|azure)\//.test(upstream) || !upstream.includes('/'), 'files');
  }

  private async serve(
    operation: MediaOperation,
    request: FastifyRequest,
    reply: FastifyReply,
    requestedModel: string | undefined,
    body: Record<string, unknown>,
    invoke: (adapter: ProviderAdapter, deployment: Deployment, signal: AbortSignal) => Promise<MediaAnswer>,
  ): Promise<void> {
    const call: MediaCall = {
      operation,
      requestId: MEDIA_OPERATIONS[operation].idPrefix + request.id,
      startTime: new Date(),
      requestedModel: requestedModel ?? '',
      team: null,
      deployment: null,
      usage: null,
      cost: 0,
      providerResponseId: null,
    };
    reply.header('x-litellm-call-id', call.requestId);
    let failure: unknown = null;
    try {
      await this.run(call, request, reply, body, invoke);
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      try {
        this.record(call, request, body, failure);
      } catch (error) {
        this.logger.error(`spend row for ${call.requestId} not recorded: ${error instanceof Error ? error.name : typeof error}`);
      }
    }
  }

  private async run(
    call: MediaCall,
    request: FastifyRequest,
    reply: FastifyReply,
    body: Record<string, unknown>,
    invoke: (adapter: ProviderAdapter, deployment: Deployment, signal: AbortSignal) => Promise<MediaAnswer>,
  ): Promise<void> {
    const started = performance.now();
    const key = request.auth?.key;
    const { team, user, membership, keyBudget } = await this.parties.of(key);
    call.team = team;
    // The group's name (a model-less moderation resolves to the configured moderation group); the router picks its deployment.
    const group = this.models.pick(call.requestedModel === '' ? undefined : resolveModelForKey(key, call.requestedModel, undefined, team)).modelName;
    const endUserId = typeof body.user === 'string' && body.user !== '' ? body.user : request.auth?.endUserId;
    const endUser = endUserId === undefined ? null : await this.customers.findEndUser(endUserId);
    // Media calls have no token estimate to reserve; budgets still refuse a caller already over them.
    const admission = await this.limits.admit({ key, keyBudget, team, user, membership, endUserId, endUser, model: group, estimatedCost: 0 });
    const clientGone = new AbortController();
    const onClose = (): void => {
      if (!reply.raw.writableFinished) clientGone.abort();
    };
    let routed: RouteOutcome<MediaAnswer> | undefined;
    try {
      reply.raw.once('close', onClose);
      reply.headers(admission.headers);
      const upstreamStarted = performance.now();
      // Through the router like chat: strategy, retries, cooldowns and fallbacks apply to media calls too.
      routed = await this.router.execute(
        { model: group, operation: 'completion', body, streaming: false, clientSignal: clientGone.signal, timeoutHeader: request.headers['x-litellm-timeout'], allowedRegion: endUser?.allowedModelRegion ?? null },
        ({ deployment: target, signal }) => invoke(this.providers.get(target.provider), target, signal),
      );
      const deployment = routed.deployment;
      call.deployment = deployment;
      const answer = routed.value;
      const finished = performance.now();
      call.usage = answer.usage;
      call.providerResponseId = answer.providerResponseId;
      call.cost = this.pricing.costOf(deployment, answer.usage, finished - upstreamStarted);
      await admission.settle(call.cost, answer.usage);
      reply.headers(answer.headers);
      reply.headers(routingHeaders(routed));
      reply.headers({
        'x-litellm-version': TOLLGATE_VERSION,
        'x-litellm-response-cost': String(call.cost),
        'x-litellm-response-duration-ms': (finished - started).toFixed(3),
      });
      reply.type(answer.contentType);
      await reply.status(answer.status).send(answer.payload);
    } finally {
      routed?.finish(call.usage?.completion_tokens);
      await admission.release();
      reply.raw.off('close', onClose);
    }
  }

  private record(call: MediaCall, request: FastifyRequest, body: Record<string, unknown>, thrown: unknown): void {
    const auth = request.auth;
    let failure: SpendCallFacts['failure'] = null;
    if (thrown instanceof ClientDisconnected) failure = { errorClass: thrown.name, errorCode: 'GW_CLIENT_DISCONNECTED', message: thrown.message };
    else if (thrown !== null) {
      const rendered = renderError(thrown);
      failure = { errorClass: thrown instanceof Error ? thrown.name : 'Error', errorCode: rendered.internalCode, message: rendered.body.error.message };
    }
    const endUser = this.trackEndUsers && typeof body.user === 'string' && body.user !== '' ? body.user : null;
    const row = buildSpendRow({
      requestId: call.requestId,
      // The builder knows the LLM call types; the row's call_type is set to this operation's just below.
      operation: 'pass_through',
      stream: false,
      apiKeyHash: auth?.apiKeyHash ?? null,
      key: auth?.key ?? null,
      callerUserId: auth?.userId ?? null,
      team: call.team,
      requestedModel: call.requestedModel,
      deployment: call.deployment,
      requestMetadata: isRecord(body.metadata) ? body.metadata : null,
      headerTags: [],
      endUserId: endUser,
      usage: call.usage,
      cost: call.cost,
      startTime: call.startTime,
      endTime: new Date(),
      completionStartTime: null,
      clientIp: request.clientIp ?? request.ip ?? null,
      providerResponseId: call.providerResponseId,
      failure,
      appliedGuardrails: [],
    });
    this.ledger.record({ ...row, call_type: MEDIA_OPERATIONS[call.operation].callType });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonBody(request: FastifyRequest, pathModel: string | undefined, required: string[], modelRequired = true): Record<string, unknown> {
  const body = request.body;
  if (!isRecord(body)) throw new BadRequestError('Request body must be a JSON object.');
  if (pathModel) body.model = pathModel;
  if (modelRequired && (typeof body.model !== 'string' || body.model === '')) throw new BadRequestError("Missing required parameter: 'model'.", 'model');
  for (const field of required) if (body[field] === undefined || body[field] === null) throw new BadRequestError(`Missing required parameter: '${field}'.`, field);
  return body;
}

async function multipartBody(request: FastifyRequest, pathModel: string | undefined, modelRequired = true): Promise<MultipartUpload> {
  const contentType = request.headers['content-type'] ?? '';
  if (!Buffer.isBuffer(request.body) || !contentType.startsWith('multipart/form-data')) throw new BadRequestError('Expected a multipart/form-data body with a file.');
  let upload: MultipartUpload | undefined;
  try {
    upload = await decodeMultipart(request.body, contentType);
  } catch {
    throw new BadRequestError('The multipart/form-data body could not be parsed.');
  }
  if (!upload) throw new BadRequestError("Missing required parameter: 'file'.", 'file');
  if (pathModel) upload.fields.model = pathModel;
  if (modelRequired && !upload.fields.model) throw new BadRequestError("Missing required parameter: 'model'.", 'model');
  return upload;
}

/** gpt-image-1 and gpt-4o-transcribe report `input_tokens`/`output_tokens`; older models report nothing. */
function tokenUsageOf(usage: unknown): Usage | null {
  if (!isRecord(usage)) return null;
  const prompt = typeof usage.input_tokens === 'number' ? usage.input_tokens : typeof usage.prompt_tokens === 'number' ? usage.prompt_tokens : 0;
  const completion = typeof usage.output_tokens === 'number' ? usage.output_tokens : typeof usage.completion_tokens === 'number' ? usage.completion_tokens : 0;
  return prompt || completion ? { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } : null;
}

function jsonAnswer(body: JsonObject, headers: Record<string, string>, usage: Usage | null): MediaAnswer {
  return { status: 200, contentType: 'application/json', payload: JSON.stringify(body), headers, usage, providerResponseId: typeof body.id === 'string' ? body.id : null };
}

/** Relayed bytes; a JSON answer (a transcription, a file object) is read for its usage and id. */
function binaryAnswer(result: BinaryResult): MediaAnswer {
  let usage: Usage | null = null;
  let providerResponseId: string | null = null;
  if (result.contentType.includes('json') && result.body.length < 1024 * 1024) {
    try {
      const parsed = JSON.parse(result.body.toString('utf8')) as JsonObject;
      usage = tokenUsageOf(parsed.usage);
      providerResponseId = typeof parsed.id === 'string' ? parsed.id : null;
    } catch {
      // Not JSON after all: relayed as it is.
    }
  }
  return { status: 200, contentType: result.contentType, payload: result.body, headers: result.headers, usage, providerResponseId };
}
