import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { performance } from 'node:perf_hooks';
import { renderError } from '../common/http/error-envelope';
import { TOLLGATE_VERSION } from '../common/version';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { SpendLedgerService } from '../spend/spend-ledger.service';
import { buildSpendRow, type SpendCallFacts } from '../spend/spend-row.builder';
import { applyClientSideCredentials, namesClientSideCredentials } from './client-credentials';
import type { Deployment } from '../routing/deployment';
import { ModelRegistry } from '../routing/model-registry.service';
import type { ChatCompletionRequest, EmbeddingRequest, LlmOperation, TextCompletionRequest, Usage } from '../routing/openai.types';
import type { StreamResult } from '../routing/providers/provider-adapter';
import { ProviderRegistry } from '../routing/providers/provider-registry.service';
import { ResponseSizeLimit } from '../routing/response-size-limit';
import { Router, routingFactsOf, routingHeaders, type RouteOutcome, type RouteRequest } from '../routing/router.service';
import { withFirstBatch } from '../routing/stream-start';
import { ClientDisconnected } from '../routing/upstream-abort';
import { CustomersService } from '../customers/customers.service';
import { ChargedPartiesLookup } from './charged-parties';
import type { TeamRecord } from '../teams/team';
import { TeamsService } from '../teams/teams.service';
import { LimitsService } from '../limits/limits.service';
import type { StreamGuard } from '../guardrails/guardrail-call';
import { GuardrailsService } from '../guardrails/guardrails.service';
import { resolveModelForKey } from '../limits/model-access';
import type { VirtualKeyRecord } from '../keys/virtual-key';
import { PricingService } from '../pricing/pricing.service';
import { countChatPromptTokens, countTextTokens, estimateChatPromptTokens, estimateTextTokens } from '../pricing/token-counter';
import { LlmRequest, validateLlmBody } from './request-validation';
import { completionTextOf, relayEvent, StreamFailed, StreamOutcome } from './sse-relay';

const ID_PREFIX: Record<LlmOperation, string> = { chat: 'chatcmpl-', completion: 'cmpl-', embedding: 'emb-' };
const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' };

/**
 * The OpenAI-compatible edge: validates the body, checks the key's model access, picks a deployment, is
 * admitted by the limits (rate windows, parallel slots, budget reservation), calls the adapter with a
 * deadline and client-disconnect cancellation, settles the reservation to the actual cost, and answers
 * with Tollgate's own call id and LiteLLM's headers.
 */
@Injectable()
export class GatewayService {
  private readonly logger = new Logger('Gateway');
  private readonly trackEndUsers: boolean;
  private readonly allowClientSideCredentials: boolean;
  /** `max_response_size_mb` for streams, counted on what is relayed to the client. */
  private readonly streamLimit: ResponseSizeLimit | undefined;

  constructor(
    private readonly models: ModelRegistry,
    private readonly providers: ProviderRegistry,
    private readonly router: Router,
    private readonly limits: LimitsService,
    private readonly pricing: PricingService,
    private readonly customers: CustomersService,
    private readonly teams: TeamsService,
    private readonly ledger: SpendLedgerService,
    private readonly guardrails: GuardrailsService,
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
    private readonly parties: ChargedPartiesLookup,
  ) {
    this.trackEndUsers = config.litellm_settings.disable_end_user_cost_tracking !== true;
    this.allowClientSideCredentials = config.general_settings.allow_client_side_credentials === true;
    const maxResponseMb = config.general_settings.max_response_size_mb;
    this.streamLimit = maxResponseMb === undefined ? undefined : new ResponseSizeLimit(maxResponseMb);
  }

  /**
   * `GET /v1/models`: the model groups the caller may use, in OpenAI's list format. A key with a model
   * list sees those groups and its aliases, never the rest of the catalogue.
   */
  async listModels(key: VirtualKeyRecord | undefined): Promise<{ object: 'list'; data: ModelCard[] }> {
    const names = this.models.modelNames();
    const team = key?.teamId ? await this.teams.findTeam(key.teamId) : null;
    const visible = key ? names.filter((name) => isUsable(key, name, team)) : names;
    const aliases = key ? [...Object.keys(key.aliases), ...Object.keys(team?.modelAliases ?? {})].filter((alias) => isUsable(key, alias, team)) : [];
    return { object: 'list', data: [...new Set([...visible, ...aliases])].map((id) => modelCard(id)) };
  }

  /** @throws UnknownModelError, or ModelNotAllowedError for a model outside the key's list. */
  async retrieveModel(id: string, key: VirtualKeyRecord | undefined): Promise<ModelCard> {
    const team = key?.teamId ? await this.teams.findTeam(key.teamId) : null;
    this.models.pick(resolveModelForKey(key, id, undefined, team));
    return modelCard(id);
  }

  async handle(operation: LlmOperation, request: FastifyRequest, reply: FastifyReply, pathModel?: string): Promise<void> {
    const started = performance.now();
    const body = validateLlmBody(request.body, operation, pathModel);
    const streaming = operation !== 'embedding' && (body as ChatCompletionRequest).stream === true;
    const call: CallLog = {
      requestId: ID_PREFIX[operation] + request.id,
      startTime: new Date(),
      completionStartTime: null,
      team: null,
      deployment: null,
      usage: null,
      cost: 0,
      providerResponseId: null,
      appliedGuardrails: [],
    };
    // Set first, so error responses name the call too and a client can find its (failure) row.
    reply.header('x-litellm-call-id', call.requestId);
    let failure: unknown = null;
    try {
      await this.serve(operation, body, streaming, request, reply, call, started);
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      try {
        this.recordCall(operation, body, streaming, request, call, failure);
      } catch (error) {
        // Never let bookkeeping replace the call's own outcome; the log names the call so it can be reconciled.
        this.logger.error(`spend row for ${call.requestId} not recorded: ${error instanceof Error ? error.name : typeof error}`);
      }
    }
  }

  private async serve(operation: LlmOperation, body: LlmRequest, streaming: boolean, request: FastifyRequest, reply: FastifyReply, call: CallLog, started: number): Promise<void> {
    const key = request.auth?.key;
    const { team, user, membership, keyBudget } = await this.parties.of(key);
    call.team = team;
    // Guardrails: pre_call rewrites (redaction) or blocks before routing and before any budget is reserved.
    const guard = this.guardrails.select({ requestId: call.requestId, operation, body: body as unknown as Record<string, unknown>, key, team });
    call.appliedGuardrails = guard.applied;
    if (guard.applied.length > 0) reply.header('x-litellm-applied-guardrails', guard.applied.join(','));
    await guard.preCall();
    const requested = typeof body.model === 'string' ? resolveModelForKey(key, body.model, body.fallbacks, team) : body.model;
    // A representative deployment of the group prices the admission estimate; the router picks the one called.
    const picked = this.models.pick(requested);
    const pinned = namesClientSideCredentials(body) ? await applyClientSideCredentials(body as unknown as Record<string, unknown>, picked, key, this.allowClientSideCredentials) : undefined;
    let deployment = pinned ?? picked;
    call.deployment = deployment;
    const endUserId = endUserOf(body, request);
    const endUser = endUserId === undefined ? null : await this.customers.findEndUser(endUserId);
    const charged = { key, keyBudget, team, user, membership, endUserId, endUser };
    const admission = await this.limits.admit({
      ...charged,
      model: deployment.modelName,
      estimatedCost: this.limits.needsEstimate(charged) ? this.estimateCost(operation, body, deployment, key) : 0,
    });
    const callId = call.requestId;
    const clientGone = new AbortController();
    const onClose = (): void => {
      if (!reply.raw.writableFinished) clientGone.abort(new ClientDisconnected());
    };
    // Guardrails: during_call runs beside the provider call; a block stops the router like a client that left,
    // so the running attempt is cancelled and nothing is retried or fallen back to.
    const guardAbort = new AbortController();
    const during = guard.duringCall(() => guardAbort.abort());
    const route: RouteRequest = {
      model: requested as string,
      operation,
      body: body as unknown as Record<string, unknown>,
      streaming,
      clientSignal: during ? AbortSignal.any([clientGone.signal, guardAbort.signal]) : clientGone.signal,
      timeoutHeader: request.headers['x-litellm-timeout'],
      allowedRegion: endUser?.allowedModelRegion,
      mayUse: key ? (model) => isUsable(key, model, team) : undefined,
      pinned,
    };
    let routed: RouteOutcome<unknown> | undefined;
    const upstreamStarted = performance.now();
    // Everything after admission sits in this try, so no path leaves a reservation or slot behind.
    try {
      reply.raw.once('close', onClose);
      reply.header('x-litellm-version', TOLLGATE_VERSION);
      reply.headers(admission.headers);
      if (streaming) {
        // Retries and fallbacks happen only until the first events arrived, before anything reached the client.
        // Guardrails: no byte reaches the client before every during_call verdict is in.
        const [opened] = await Promise.all([
          this.router.execute(route, async ({ deployment: target, signal }) => {
            const adapter = this.providers.get(target.provider);
            return withFirstBatch(
              operation === 'chat'
                ? await adapter.chatStream(body as ChatCompletionRequest, target, signal)
                : await adapter.completionStream(body as TextCompletionRequest, target, signal),
            );
          }),
          during,
        ]);
        routed = opened;
        deployment = opened.deployment;
        call.deployment = deployment;
        const stream = opened.value;
        call.completionStartTime = new Date();
        reply.headers(routingHeaders(opened));
        reply.headers(stream.headers);
        reply.header('x-litellm-overhead-duration-ms', (upstreamStarted - started).toFixed(3));
        const clientWantsUsage = (body as ChatCompletionRequest).stream_options?.include_usage === true;
        const outcome: StreamOutcome = { usage: null, unparsed: [] };
        let failure: unknown;
        try {
          await this.relaySse(reply, stream, callId, clientWantsUsage, outcome, guard.streamGuard());
        } catch (error) {
          // The client is gone or already has the error event; nothing more can be sent, but what was
          // generated until then was consumed and is charged, or aborting would be a way around budgets.
          if (!(error instanceof ClientDisconnected || error instanceof StreamFailed)) failure = error;
          else call.streamEndedEarly = error;
        }
        const usage = outcome.usage ?? this.countStreamUsage(operation, body, deployment, completionTextOf(outcome.unparsed));
        call.usage = usage;
        call.providerResponseId = outcome.providerResponseId ?? null;
        call.cost = this.pricing.costOf(deployment, usage, performance.now() - upstreamStarted);
        await admission.settle(call.cost, usage);
        if (failure) throw failure;
        return;
      }
      let usage: Usage | null | undefined;
      let payload: unknown;
      if (operation === 'embedding') {
        const [done] = await Promise.all([
          this.router.execute(route, ({ deployment: target, signal }) => this.providers.get(target.provider).embeddings(body as EmbeddingRequest, target, signal)),
          during,
        ]);
        routed = done;
        deployment = done.deployment;
        call.deployment = deployment;
        reply.headers(routingHeaders(done));
        const result = done.value;
        reply.headers(result.headers);
        usage = result.usage ? { prompt_tokens: result.usage.prompt_tokens, completion_tokens: 0, total_tokens: result.usage.total_tokens } : null;
        payload = result.rawJson;
        reply.type('application/json');
      } else {
        const [done] = await Promise.all([
          this.router.execute(route, ({ deployment: target, signal }) => {
            const adapter = this.providers.get(target.provider);
            return operation === 'chat' ? adapter.chat(body as ChatCompletionRequest, target, signal) : adapter.completion(body as TextCompletionRequest, target, signal);
          }),
          during,
        ]);
        routed = done;
        deployment = done.deployment;
        call.deployment = deployment;
        reply.headers(routingHeaders(done));
        const result = done.value;
        reply.headers(result.headers);
        call.providerResponseId = typeof result.body.id === 'string' ? result.body.id : null;
        result.body.id = callId;
        usage = result.body.usage;
        payload = result.body;
      }
      const finished = performance.now();
      const cost = this.pricing.costOf(deployment, usage, finished - upstreamStarted);
      call.usage = usage ?? null;
      call.cost = cost;
      await admission.settle(cost, usage);
      // Guardrails: post_call on the full reply (charged either way: the provider did the work).
      await guard.postCall(payload);
      reply.header('x-litellm-response-cost', String(cost));
      reply.header('x-litellm-response-duration-ms', (finished - started).toFixed(3));
      // Tollgate's own share: the whole call minus the time spent waiting for the provider.
      reply.header('x-litellm-overhead-duration-ms', (upstreamStarted - started + (performance.now() - finished)).toFixed(3));
      return reply.status(200).send(payload);
    } catch (error) {
      const facts = routingFactsOf(error);
      if (facts && !reply.sent) {
        reply.header('x-litellm-attempted-retries', String(facts.attemptedRetries));
        reply.header('x-litellm-max-retries', String(facts.maxRetries));
        reply.header('x-litellm-attempted-fallbacks', String(facts.attemptedFallbacks));
      }
      throw error;
    } finally {
      // Failures and aborts reach here without a settlement; release() is a no-op after settle().
      await admission.release();
      routed?.finish(call.usage?.completion_tokens);
      reply.raw.off('close', onClose);
    }
  }

  /** The ledger row of the call: every call that got past body validation has exactly one, failed or not. */
  private recordCall(operation: LlmOperation, body: LlmRequest, stream: boolean, request: FastifyRequest, call: CallLog, thrown: unknown): void {
    const auth = request.auth;
    const key = auth?.key ?? null;
    const failure = thrown ?? call.streamEndedEarly ?? null;
    let failureFacts: SpendCallFacts['failure'] = null;
    if (failure instanceof ClientDisconnected || failure instanceof StreamFailed) {
      failureFacts = { errorClass: failure.name, errorCode: failure instanceof StreamFailed ? 'GW_STREAM_FAILED' : 'GW_CLIENT_DISCONNECTED', message: failure.message };
    } else if (failure !== null) {
      // The client-facing rendering: it never holds upstream bodies, secrets or stack traces.
      const rendered = renderError(failure);
      failureFacts = { errorClass: failure instanceof Error ? failure.name : 'Error', errorCode: rendered.internalCode, message: rendered.body.error.message };
    }
    const endUser = this.trackEndUsers ? (endUserOf(body, request) ?? null) : null;
    this.ledger.record(
      buildSpendRow({
        requestId: call.requestId,
        operation,
        stream,
        apiKeyHash: auth?.apiKeyHash ?? null,
        key,
        callerUserId: auth?.userId ?? null,
        team: call.team,
        requestedModel: typeof body.model === 'string' ? body.model : '',
        deployment: call.deployment,
        requestMetadata: isRecord(body.metadata) ? body.metadata : null,
        headerTags: headerTags(request.headers['x-litellm-tags']),
        endUserId: endUser,
        usage: call.usage,
        cost: call.cost,
        startTime: call.startTime,
        endTime: new Date(),
        completionStartTime: call.completionStartTime,
        clientIp: request.clientIp ?? request.ip ?? null,
        providerResponseId: call.providerResponseId,
        failure: failureFacts,
        appliedGuardrails: [...call.appliedGuardrails],
      }),
    );
  }

  /**
   * Prompt priced plus the most the reply can cost (max_tokens, else what this key's replies usually take).
   * Token counts are estimated from characters here; settlement uses the provider's real usage.
   */
  private estimateCost(operation: LlmOperation, body: LlmRequest, deployment: Deployment, key: VirtualKeyRecord | undefined): number {
    if (operation === 'embedding') {
      const input = (body as EmbeddingRequest).input;
      const tokens = Array.isArray(input) ? input.reduce<number>((sum, item) => sum + estimateTextTokens(item), 0) : estimateTextTokens(input);
      return this.pricing.estimateCost(deployment, tokens, 0);
    }
    const promptTokens =
      operation === 'chat' ? estimateChatPromptTokens((body as ChatCompletionRequest).messages) : estimateTextTokens((body as TextCompletionRequest).prompt);
    const maxTokens = numberOr(body.max_completion_tokens, numberOr(body.max_tokens, this.limits.typicalCompletionTokens(key)));
    return this.pricing.estimateCost(deployment, promptTokens, maxTokens);
  }

  /** A provider that sent no usage in its stream: count both sides with tiktoken. */
  private countStreamUsage(operation: LlmOperation, body: LlmRequest, deployment: Deployment, completionText: string): Usage {
    // An Azure deployment name says nothing about the tokenizer; its base model does.
    const model = deployment.baseModel ?? deployment.upstreamModel;
    const prompt =
      operation === 'chat'
        ? countChatPromptTokens((body as ChatCompletionRequest).messages, model)
        : countTextTokens(typeof (body as TextCompletionRequest).prompt === 'string' ? ((body as TextCompletionRequest).prompt as string) : '', model);
    const completion = countTextTokens(completionText, model);
    return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  }

  /**
   * Writes the stream straight to the socket: one write per group of events that arrived together, no
   * intermediate Readable. Backpressure is honoured; a client that leaves ends the loop, and leaving the
   * loop early closes the upstream body. Fills `outcome` with what settlement needs, even when it fails.
   * A stream that would pass `max_response_size_mb` ends before the group that crosses it, with the
   * error as its last event; what was relayed until then is charged like any stream that ends early.
   */
  private async relaySse(reply: FastifyReply, stream: StreamResult, callId: string, clientWantsUsage: boolean, outcome: StreamOutcome, streamGuard?: StreamGuard): Promise<void> {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { ...(reply.getHeaders() as Record<string, string>), ...SSE_HEADERS });
    const limit = this.streamLimit;
    let relayedBytes = 0;
    try {
      for await (const batch of stream.batches) {
        if (res.destroyed) throw new ClientDisconnected();
        let out = '';
        for (const data of batch) {
          const event = relayEvent(data, callId, clientWantsUsage, outcome);
          if (!event) continue;
          // Guardrails: the stream guard holds back recent text until a sliding-window check has seen it.
          if (streamGuard) for (const released of await streamGuard.push(event, completionTextOf([event]))) out += `data: ${released}\n\n`;
          else out += `data: ${event}\n\n`;
        }
        if (!out) continue;
        if (limit) {
          relayedBytes += Buffer.byteLength(out);
          // Throwing leaves the loop, which closes the upstream body: nothing more is read from the provider.
          limit.check(relayedBytes);
        }
        if (!res.write(out)) await drained(res);
      }
      const held = streamGuard ? (await streamGuard.finish()).map((event) => `data: ${event}\n\n`).join('') : '';
      res.end(`${held}data: [DONE]\n\n`);
    } catch (error) {
      if (error instanceof ClientDisconnected || res.destroyed) throw new ClientDisconnected();
      // Headers are gone; the error travels as a final SSE event, as OpenAI and LiteLLM do mid-stream.
      const rendered = renderError(error);
      if (rendered.unexpected) this.logger.error(`stream ${callId} failed: ${rendered.internalCode}`);
      res.end(`data: ${JSON.stringify(rendered.body)}\n\n`);
      throw new StreamFailed();
    }
  }
}

/** What the call has established so far; the ledger row is built from it whether the call succeeds or not. */
interface CallLog {
  readonly requestId: string;
  readonly startTime: Date;
  completionStartTime: Date | null;
  team: TeamRecord | null;
  deployment: Deployment | null;
  usage: Usage | null;
  cost: number;
  providerResponseId: string | null;
  /** A stream the client left, or one that failed after its headers: charged, and logged as a failure. */
  streamEndedEarly?: Error;
  /** Names of the guardrails selected for the call (`x-litellm-applied-guardrails`, spend row). */
  appliedGuardrails: readonly string[];
}

/** The request's `user`, else the end user a JWT names (`end_user_id_jwt_field`). */
function endUserOf(body: LlmRequest, request: FastifyRequest): string | undefined {
  if (typeof body.user === 'string' && body.user !== '') return body.user;
  return request.auth?.endUserId;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `x-litellm-tags: a,b` (LiteLLM's header form of request tags). */
function headerTags(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const joined = Array.isArray(value) ? value.join(',') : value;
  return joined
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
}

function drained(res: NodeJS.WritableStream & { destroyed: boolean }): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
}

interface ModelCard {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

function isUsable(key: VirtualKeyRecord, model: string, team: TeamRecord | null): boolean {
  try {
    resolveModelForKey(key, model, undefined, team);
    return true;
  } catch {
    return false;
  }
}

/** LiteLLM's values, kept so clients that compare them see no difference. */
function modelCard(id: string): ModelCard {
  return { id, object: 'model', created: 1677610602, owned_by: 'openai' };
}
