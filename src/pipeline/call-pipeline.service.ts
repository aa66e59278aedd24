import { Inject, Injectable, Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { renderError } from '../common/http/error-envelope';
import { nameCallInLogs } from '../common/logging/log-context';
import { TOLLGATE_VERSION } from '../common/version';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import type { GuardrailCall } from '../guardrails/guardrail-call';
import { GuardrailsService } from '../guardrails/guardrails.service';
import type { VirtualKeyRecord } from '../common/access/virtual-key';
import type { Admission, SpendAfter } from '../limits/admission';
import { LimitsService, type LimitSubject } from '../limits/limits.service';
import { PricingService } from '../catalog/pricing.service';
import { countChatPromptTokens, countTextTokens } from '../catalog/token-counter';
import type { Deployment } from '../routing/deployment';
import { ModelRegistry } from '../routing/model-registry.service';
import { CALL_OBSERVER, type CallObserver, type SettledCallBudget } from '../observability/call-observer';
import type { ChatMessage, Usage } from '../routing/openai.types';
import { ProviderRegistry } from '../routing/providers/provider-registry.service';
import { Router, routingFactsOf, routingHeaders, type FallbackTry, type RouteOutcome, type RouteRequest, type UpstreamAttempt } from '../routing/router.service';
import { withFirstBatch } from '../routing/stream-start';
import { ClientDisconnected } from '../routing/upstream-abort';
import { CallLogging } from '../call-logging/call-logging.service';
import { SpendLedgerService } from '../spend/spend-ledger.service';
import { CallTracer, type CallTrace } from '../tracing/call-tracer.service';
import { buildSpendRow, type SpendCallFacts } from '../spend/spend-row.builder';
import type { TeamRecord } from '../teams/team';
import { BudgetExceededError } from '../limits/limits.errors';
import type { CallOutcome, CallRequest, CallSession, CallStream, DeferredCharge } from './call';
import { ChargedPartiesLookup, type ChargedParties } from './charged-parties';
import { applyClientSideCredentials, namesClientSideCredentials } from './client-credentials';
import { resolveModelForKey, type AccessGroups } from '../auth/model-access';
import type { CallInput, Operation, ProviderAnswer } from './operations';
import { EndUserBlockedError, TeamBlockedError } from './pipeline.errors';
import { ReplyLengths } from './reply-lengths';
import { ResponseCache, type CachePlan } from './response-cache';
import { OPENAI_CHUNKS, type StreamOutcome } from './stream-events';

/** Streams longer than this are not cached (the response cache keeps entries up to 1 MB). */
const MAX_CACHED_STREAM_CHARS = 1024 * 1024;

/** What the call has established so far; its spend row is built from it whether the call succeeds or not. */
interface CallLog {
  readonly startTime: Date;
  completionStartTime: Date | null;
  parties: ChargedParties | null;
  deployment: Deployment | null;
  /** The model a pass-through reply named, for its row when there is no deployment. */
  answeredModel: string | null;
  usage: Usage | null;
  cost: number;
  providerResponseId: string | null;
  appliedGuardrails: readonly string[];
  failure: unknown;
  /** Served from the response cache: costs 0, and the row says so. */
  cacheHit: boolean;
  /** The subjects admission checked, for the observers' budget gauges. */
  subjects: readonly LimitSubject[];
  /** The charged budgets' spend right after the settlement, when the store said (alerting's exact crossings). */
  spendAfter: SpendAfter | null;
  /** `performance.now()` when the provider (or the cache, or a fixed target) was first asked; null before. */
  upstreamStarted: number | null;
  /** How long the provider took, once known. */
  upstreamMs: number | null;
  /** A stream's first events after `upstreamStarted`. */
  firstTokenMs: number | null;
  attempts: readonly UpstreamAttempt[];
  fallbacks: readonly FallbackTry[];
  /** The call's OpenTelemetry trace; null when tracing is off. */
  trace: CallTrace | null;
  /** The reply the client got (JSON answers), kept only for logging callbacks. */
  reply: unknown;
}

/**
 * The one governed call. Every LLM edge (chat, completions, embeddings, images, audio, moderations, rerank,
 * files, pass-through, and the edges to come) hands its call here, and every call goes through the same ordered
 * stages: charged parties → guardrails `pre_call` → admission (blocked parties, model access, rate windows,
 * parallel slots, budget reservations for every charged subject) → the router (or the fixed pass-through target)
 * with `during_call` beside it → price → settle → `post_call` → one spend row, whatever happened (a stream the
 * client aborts is charged for what was generated). An operation descriptor says what each stage does for it; no
 * edge can skip a stage.
 */
@Injectable()
export class CallPipeline {
  private readonly logger = new Logger('CallPipeline');
  private readonly allowClientSideCredentials: boolean;
  private readonly replyLengths = new ReplyLengths();

  constructor(
    private readonly parties: ChargedPartiesLookup,
    private readonly guardrails: GuardrailsService,
    private readonly limits: LimitsService,
    private readonly models: ModelRegistry,
    private readonly providers: ProviderRegistry,
    private readonly router: Router,
    private readonly pricing: PricingService,
    private readonly ledger: SpendLedgerService,
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
    private readonly cache: ResponseCache,
    @Inject(CALL_OBSERVER) private readonly observer: CallObserver,
    private readonly tracer: CallTracer,
    private readonly callLogging: CallLogging,
  ) {
    this.allowClientSideCredentials = config.general_settings.allow_client_side_credentials === true;
  }

  /**
   * Runs one call through every stage. A JSON or binary outcome is settled and recorded when this resolves; a
   * stream is settled and recorded when it ends. On failure the error is thrown with the call's headers in
   * `call.headers` and its (failure) row written.
   */
  async run(operation: Operation, call: CallRequest): Promise<CallOutcome> {
    const log = newCallLog();
    // Set first, so error responses name the call too and a client can find its (failure) row.
    call.headers['x-litellm-call-id'] = call.requestId;
    nameCallInLogs(call.requestId);
    if (this.observer.active) this.observer.started?.(call.requestId, call.model ?? '');
    if (this.tracer.enabled) log.trace = this.traceOf(operation, call);
    let streamOwnsRecord = false;
    try {
      const outcome = await this.execute(operation, call, log);
      streamOwnsRecord = outcome.kind === 'stream';
      return outcome;
    } catch (error) {
      log.failure = error;
      throw error;
    } finally {
      if (!streamOwnsRecord) this.record(operation, call, log);
    }
  }

  private async execute(operation: Operation, call: CallRequest, log: CallLog): Promise<CallOutcome> {
    const { input, caller } = call;
    const body = input.body;
    const key = caller?.key;
    const parties = await this.parties.of(caller, endUserOf(operation, body, caller?.endUserId));
    log.parties = parties;

    // Guardrails pre_call: rewrites (redaction) or blocks before routing and before any budget is reserved.
    const text = this.guardrails.configured && !call.internal ? operation.text(input) : null;
    const guard = text ? this.guardrails.select({ requestId: call.requestId, operation: operation.guardrailOperation, body, text, key, team: parties.team }) : undefined;
    if (guard && guard.applied.length > 0) {
      log.appliedGuardrails = guard.applied;
      call.headers['x-litellm-applied-guardrails'] = guard.applied.join(',');
    }
    if (guard) await this.traced(log, 'guardrails.pre_call', () => guard.preCall());

    // Admission: blocked parties, model access, then every limit and budget of every charged subject.
    if (parties.team?.blocked) throw new TeamBlockedError(parties.team.teamId);
    if (parties.endUser?.blocked) throw new EndUserBlockedError(parties.endUser.userId);
    let requested: string | undefined;
    let pinned: Deployment | undefined;
    if (!call.target) {
      requested = call.model === undefined ? undefined : resolveModelForKey(key, call.model, body.fallbacks, parties.team, this.models.accessGroups());
      // A representative deployment of the group prices the estimate; the router picks the one called.
      const representative = this.models.pick(requested);
      requested ??= representative.modelName;
      pinned = namesClientSideCredentials(body) ? await applyClientSideCredentials(body, representative, key, this.allowClientSideCredentials) : undefined;
      log.deployment = pinned ?? representative;
    }
    // The response cache keys the request as the provider would see it (after pre_call rewrote it).
    const cachePlan = this.cache.plan(operation, call, requested);
    if (cachePlan) call.headers['x-litellm-cache-key'] = cachePlan.key;
    const subjects = this.parties.subjectsOf(parties, log.deployment?.modelName ?? '');
    log.subjects = subjects;
    const estimatedCost = budgetApplies(subjects) ? this.estimateCost(operation, input, log.deployment, key) : 0;
    const admission = await this.traced(log, 'admission', () => this.limits.admit({ subjects, estimatedCost }));
    Object.assign(call.headers, admission.headers);
    call.headers['x-litellm-version'] = TOLLGATE_VERSION;

    // Everything after admission sits in this try, so no path leaves a reservation or slot behind.
    let routed: RouteOutcome<ProviderAnswer> | undefined;
    let streamTakesOver = false;
    const upstreamStarted = performance.now();
    log.upstreamStarted = upstreamStarted;
    try {
      input.precondition?.();
      const guardAbort = new AbortController();
      const during = guard?.duringCall(() => guardAbort.abort());
      const signal = during ? AbortSignal.any([call.signal, guardAbort.signal]) : call.signal;
      let answer: ProviderAnswer;
      // A cached reply stands in for the provider's; everything after (settle, post_call, the row) is the same.
      const cached = cachePlan ? await this.cache.lookup(cachePlan, operation, call.streaming) : undefined;
      if (cached) {
        log.cacheHit = true;
        [answer] = await Promise.all([cached, during]);
      } else if (call.target) {
        [answer] = await Promise.all([call.target.invoke(signal), during]);
      } else {
        const route: RouteRequest = {
          model: requested!,
          operation: operation.routerOperation,
          body,
          streaming: call.streaming,
          clientSignal: signal,
          timeoutHeader: call.timeoutHeader,
          allowedRegion: parties.endUser?.allowedModelRegion ?? null,
          mayUse: key ? (model) => isUsable(key, model, parties.team, this.models.accessGroups()) : undefined,
          pinned,
        };
        // Guardrails during_call run beside the provider; a block cancels the running attempt (no retry, no
        // fallback), and a stream holds its first byte until every verdict is in.
        const [done] = await Promise.all([
          this.router.execute(route, ({ deployment, signal: attempt }) => this.invoke(operation, input, deployment, attempt, call.streaming, log.trace)),
          during,
        ]);
        routed = done;
        log.deployment = done.deployment;
        log.attempts = done.attempts;
        log.fallbacks = done.fallbacks;
        Object.assign(call.headers, routingHeaders(done));
        answer = done.value;
      }
      Object.assign(call.headers, answer.kind === 'stream' ? answer.stream.headers : answer.headers);
      if (answer.kind === 'stream') {
        log.completionStartTime = new Date();
        log.firstTokenMs = performance.now() - upstreamStarted;
        call.headers['x-litellm-overhead-duration-ms'] = (upstreamStarted - call.receivedAt).toFixed(3);
        streamTakesOver = true;
        return { kind: 'stream', stream: this.streamOf(operation, call, log, answer.stream.batches, { admission, routed, guard, upstreamStarted, cachePlan }) };
      }
      const finished = performance.now();
      log.upstreamMs = finished - upstreamStarted;
      log.usage = answer.usage;
      log.providerResponseId = answer.providerResponseId;
      log.answeredModel = answer.kind === 'raw' ? (answer.model ?? null) : null;
      log.cost = this.costOf(log, finished - upstreamStarted);
      log.spendAfter = await admission.settle(log.cost, answer.usage);
      this.replyLengths.observe(key, answer.usage);
      routed?.finish(answer.usage?.completion_tokens);
      // Guardrails post_call on the whole reply; the call is charged either way (the provider did the work).
      if (guard) await this.traced(log, 'guardrails.post_call', () => guard.postCall(operation.replyText(answer)));
      if (cachePlan && !log.cacheHit) this.cache.remember(cachePlan, answer);
      call.headers['x-litellm-response-cost'] = String(log.cost);
      call.headers['x-litellm-response-duration-ms'] = (finished - call.receivedAt).toFixed(3);
      // Tollgate's own share: the whole call minus the time spent waiting for the provider.
      call.headers['x-litellm-overhead-duration-ms'] = (upstreamStarted - call.receivedAt + (performance.now() - finished)).toFixed(3);
      if (answer.kind === 'json') {
        if (operation.streams) answer.body.id = call.requestId;
        if (this.callLogging.wants(parties.team?.metadata)) log.reply = answer.body;
        return { kind: 'json', status: 200, body: answer.body };
      }
      return { kind: 'raw', status: answer.status, contentType: answer.contentType, payload: answer.payload };
    } catch (error) {
      const facts = routingFactsOf(error);
      log.upstreamMs ??= performance.now() - upstreamStarted;
      if (facts) {
        log.attempts = facts.attempts;
        log.fallbacks = facts.fallbacks;
        call.headers['x-litellm-attempted-retries'] = String(facts.attemptedRetries);
        call.headers['x-litellm-max-retries'] = String(facts.maxRetries);
        call.headers['x-litellm-attempted-fallbacks'] = String(facts.attemptedFallbacks);
        if (facts.timeoutMs !== undefined) call.headers['x-litellm-timeout'] = String(facts.timeoutMs / 1000);
      }
      throw error;
    } finally {
      if (!streamTakesOver) {
        // Failures reach here without a settlement; release() is a no-op after settle().
        await admission.release();
        routed?.finish(log.usage?.completion_tokens);
      }
    }
  }

  /**
   * Opens a long-lived session (a realtime websocket). Admission runs once at connect: blocked parties, model
   * access, rpm, the budgets (which must have room), and a parallel slot held until `end()`. The router connects
   * (retries, cooldowns and fallbacks as for any call). Nothing is reserved up front: a session's cost is unknown
   * until its responses finish, so each response is charged when done (`charge()`, one spend row each) and the
   * budgets are checked again before the next one (`admitNext()`). A refused or failed connect writes its row.
   */
  async openSession(operation: Operation, call: CallRequest): Promise<CallSession> {
    const log = newCallLog();
    call.headers['x-litellm-call-id'] = call.requestId;
    nameCallInLogs(call.requestId);
    const key = call.caller?.key;
    let admission: Admission | undefined;
    try {
      if (!operation.connect || call.model === undefined) throw new Error(`${operation.name} is not a session operation`);
      const parties = await this.parties.of(call.caller, call.caller?.endUserId);
      log.parties = parties;
      if (parties.team?.blocked) throw new TeamBlockedError(parties.team.teamId);
      if (parties.endUser?.blocked) throw new EndUserBlockedError(parties.endUser.userId);
      const requested = resolveModelForKey(key, call.model, undefined, parties.team);
      log.deployment = this.models.pick(requested);
      const subjects = this.parties.subjectsOf(parties, log.deployment.modelName);
      admission = await this.limits.admit({ subjects, estimatedCost: 0 });
      Object.assign(call.headers, admission.headers);
      const connect = operation.connect;
      const route: RouteRequest = {
        model: requested,
        operation: operation.routerOperation,
        body: call.input.body,
        streaming: true,
        clientSignal: call.signal,
        timeoutHeader: call.timeoutHeader,
        allowedRegion: parties.endUser?.allowedModelRegion ?? null,
        mayUse: key ? (model) => isUsable(key, model, parties.team) : undefined,
      };
      const routed = await this.router.execute(route, ({ deployment, signal }) => connect(this.providers.get(deployment.provider), deployment, signal));
      log.deployment = routed.deployment;
      Object.assign(call.headers, routingHeaders(routed));
      return this.session(operation, call, log, subjects, admission, routed);
    } catch (error) {
      await admission?.release();
      log.failure = error;
      this.record(operation, call, log);
      throw error;
    }
  }

  private session(
    operation: Operation,
    call: CallRequest,
    log: CallLog,
    subjects: readonly LimitSubject[],
    admission: Admission,
    routed: RouteOutcome<CallSession['connection']>,
  ): CallSession {
    const deployment = routed.deployment;
    let responses = 0;
    let lastEnd = log.startTime;
    let ended = false;
    // The slot's lease in a shared store is renewed by the store's own timer for every open hold, as for a long stream.
    const hasRoom = async (): Promise<boolean> => {
      try {
        await this.admitGate(subjects);
        return true;
      } catch (error) {
        if (error instanceof BudgetExceededError) return false;
        throw error;
      }
    };
    return {
      connection: routed.value,
      model: deployment.modelName,
      charge: async (usage, providerResponseId) => {
        const cost = this.pricing.costOf(deployment, usage);
        const charged = await this.limits.admit({ subjects: subjects.map(chargeOnly), estimatedCost: 0 });
        const spendAfter = await charged.settle(cost, usage);
        const now = new Date();
        const row: CallLog = { ...log, startTime: lastEnd, completionStartTime: null, usage, cost, providerResponseId, failure: null, spendAfter };
        lastEnd = now;
        responses += 1;
        this.record(operation, { ...call, requestId: `${call.requestId}_${responses}` }, row);
        return hasRoom();
      },
      admitNext: () => this.admitGate(subjects),
      end: async () => {
        if (ended) return;
        ended = true;
        routed.finish();
        await admission.release();
      },
    };
  }

  /** The budgets of every subject checked for room, nothing held: the session already holds its slot. */
  private async admitGate(subjects: readonly LimitSubject[]): Promise<void> {
    const gate = await this.limits.admit({ subjects: subjects.map(budgetOnly), estimatedCost: 0 });
    await gate.release();
  }

  /**
   * Charges work done earlier and reported later (a completed batch's usage) exactly once: priced, claimed through
   * `charge.claim()` (only the winner goes on), charged to every party of the caller that started the work, and
   * recorded as one spend row with the call's (stable) request id. Resolves to the cost, or null when another
   * request had already claimed it. Nothing is refused here: the work was admitted when it was started.
   */
  async chargeOnce(operation: Operation, call: CallRequest, charge: DeferredCharge): Promise<number | null> {
    const parties = await this.parties.of(call.caller, call.caller?.endUserId);
    const deployment = this.models.pick(charge.model);
    const cost = charge.batchPricing ? this.pricing.batchCostOf(deployment, charge.usage) : this.pricing.costOf(deployment, charge.usage);
    if (!(await charge.claim())) return null;
    const log = newCallLog();
    log.parties = parties;
    log.deployment = deployment;
    log.usage = charge.usage;
    log.cost = cost;
    log.providerResponseId = charge.providerResponseId;
    const subjects = this.parties.subjectsOf(parties, deployment.modelName);
    try {
      const admission = await this.limits.admit({ subjects: subjects.map(chargeOnly), estimatedCost: 0 });
      log.spendAfter = await admission.settle(cost, charge.usage);
    } catch (error) {
      await charge.unclaim();
      throw error;
    }
    this.record(operation, call, log);
    return cost;
  }

  /** One upstream attempt; a stream waits for its first events, so a failure before them is still retryable. */
  private async invoke(operation: Operation, input: CallInput, deployment: Deployment, signal: AbortSignal, streaming: boolean, trace: CallTrace | null): Promise<ProviderAnswer> {
    const attempt = trace?.attempt(deployment);
    const send = async (): Promise<ProviderAnswer> => {
      const answer = await operation.invoke!(this.providers.get(deployment.provider), input, deployment, signal, streaming);
      return answer.kind === 'stream' ? { kind: 'stream', stream: await withFirstBatch(answer.stream) } : answer;
    };
    if (!attempt) return send();
    try {
      const answer = await attempt.run(send);
      attempt.end();
      return answer;
    } catch (error) {
      attempt.end(error);
      throw error;
    }
  }

  /** The call's trace, a child of the client's when it sent a `traceparent`. */
  private traceOf(operation: Operation, call: CallRequest): CallTrace | null {
    return this.tracer.start({
      callId: call.requestId,
      operation: operation.name,
      requestedModel: call.model,
      streaming: call.streaming,
      traceParent: call.traceParent,
      traceState: call.traceState,
      body: call.input.body,
    });
  }

  /** Runs a stage of the call inside its own span when the call is traced (untraced: just the stage). */
  private traced<T>(log: CallLog, stage: string, work: () => Promise<T>): Promise<T> {
    const span = log.trace?.stage(stage);
    if (!span) return work();
    return work().then(
      (result) => {
        span.end();
        return result;
      },
      (error: unknown) => {
        span.end(error);
        throw error;
      },
    );
  }

  /**
   * The streamed reply as the edge reads it. Its end (complete, left early, or failed) settles the reservation to
   * what was generated — the usage the provider reported, else tokens counted — and writes the spend row.
   */
  private streamOf(
    operation: Operation,
    call: CallRequest,
    log: CallLog,
    source: AsyncIterable<string[]>,
    held: { admission: Admission; routed: RouteOutcome<ProviderAnswer> | undefined; guard: GuardrailCall | undefined; upstreamStarted: number; cachePlan?: CachePlan },
  ): CallStream {
    const outcome: StreamOutcome = { usage: null, unparsed: [] };
    const codec = operation.streamCodec ?? OPENAI_CHUNKS;
    const streamGuard = held.guard?.streamGuard(codec.withText);
    // The provider's events, for the response cache (a replay rewrites ids and usage for its own client). Not
    // when a stream guardrail rewrites what the client sees: the cache would hold what it took out.
    let keep: string[] | undefined = held.cachePlan?.write && !log.cacheHit && !streamGuard ? [] : undefined;
    let keptChars = 0;
    let stopped: Error | undefined;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- an async generator cannot be an arrow function
    const pipeline = this;
    async function* batches(): AsyncGenerator<string[]> {
      try {
        for await (const batch of source) {
          const out: string[] = [];
          for (const data of batch) {
            if (keep) {
              keep.push(data);
              // A reply too large to cache is not kept in memory either.
              if ((keptChars += data.length) > MAX_CACHED_STREAM_CHARS) keep = undefined;
            }
            const event = codec.relay(data, call.requestId, call.includeUsage, outcome);
            if (event === undefined) continue;
            // The stream guard holds back recent text until a sliding-window check has seen it.
            if (streamGuard) out.push(...(await streamGuard.push(event, codec.textOf([event]))));
            else out.push(event);
          }
          if (out.length > 0) yield out;
        }
        if (streamGuard) {
          const rest = await streamGuard.finish();
          if (rest.length > 0) yield rest;
        }
        if (keep && held.cachePlan && !stopped && !call.signal.aborted) pipeline.cache.rememberStream(held.cachePlan, keep, outcome.usage);
      } catch (error) {
        log.failure = error;
        throw error;
      } finally {
        log.failure ??= stopped ?? (call.signal.aborted ? new ClientDisconnected() : null);
        await pipeline.finishStream(operation, call, log, outcome, held);
      }
    }
    return {
      batches: batches(),
      stop: (reason) => {
        stopped ??= reason;
      },
    };
  }

  private async finishStream(
    operation: Operation,
    call: CallRequest,
    log: CallLog,
    outcome: StreamOutcome,
    held: { admission: Admission; routed: RouteOutcome<ProviderAnswer> | undefined; upstreamStarted: number },
  ): Promise<void> {
    try {
      // What was generated until the stream ended is charged, or leaving early would be a way around budgets.
      const usage =
        outcome.usage ?? this.countStreamUsage(operation, call.input, log.deployment, (operation.streamCodec ?? OPENAI_CHUNKS).textOf(outcome.unparsed), outcome.promptUsage);
      log.usage = usage;
      log.providerResponseId = outcome.providerResponseId ?? null;
      log.upstreamMs = performance.now() - held.upstreamStarted;
      log.cost = this.costOf(log, log.upstreamMs);
      log.spendAfter = await held.admission.settle(log.cost, usage);
      this.replyLengths.observe(call.caller?.key, usage);
    } catch (error) {
      this.logger.error(`stream ${call.requestId} could not be settled: ${error instanceof Error ? error.name : typeof error}`);
    } finally {
      await held.admission.release();
      held.routed?.finish(log.usage?.completion_tokens);
      this.record(operation, call, log);
    }
  }

  private costOf(log: CallLog, durationMs: number): number {
    if (log.cacheHit) return 0;
    if (log.deployment) return this.pricing.costOf(log.deployment, log.usage, durationMs);
    const price = log.answeredModel ? this.pricing.lookup(log.answeredModel) : undefined;
    if (!price || !log.usage) return 0;
    const cost = (log.usage.prompt_tokens ?? 0) * price.inputCostPerToken + (log.usage.completion_tokens ?? 0) * price.outputCostPerToken;
    return Number.isFinite(cost) && cost > 0 ? cost : 0;
  }

  /**
   * The prompt priced plus the most the reply can cost (max_tokens, else what this key's replies usually take).
   * Token counts are estimated from characters here; settlement uses the provider's real usage.
   */
  private estimateCost(operation: Operation, input: CallInput, deployment: Deployment | null, key: VirtualKeyRecord | undefined): number {
    const estimate = operation.estimate(input);
    const replyTokens = estimate.replyTokens ?? this.replyLengths.typical(key);
    if (deployment) return this.pricing.estimateCost(deployment, estimate.promptTokens, replyTokens);
    const price = typeof input.body.model === 'string' ? this.pricing.lookup(input.body.model) : undefined;
    return price ? estimate.promptTokens * price.inputCostPerToken + replyTokens * price.outputCostPerToken : 0;
  }

  /**
   * A stream that ended without its final usage: the prompt as the provider reported it at the start (Anthropic's
   * message_start), else counted with tiktoken; the completion counted from the text that was relayed.
   */
  private countStreamUsage(operation: Operation, input: CallInput, deployment: Deployment | null, completionText: string, promptUsage: Usage | undefined): Usage {
    // An Azure deployment name says nothing about the tokenizer; its base model does.
    const model = deployment ? (deployment.baseModel ?? deployment.upstreamModel) : '';
    const body = input.body;
    const completion = countTextTokens(completionText, model);
    if (promptUsage) return { ...promptUsage, completion_tokens: completion, total_tokens: promptUsage.prompt_tokens + completion };
    // Other streaming operations (the Responses API) are estimated as the reservation was: their own text, and any
    // stored turns they continue.
    const prompt = operation.countPromptTokens
      ? operation.countPromptTokens(input, model)
      : operation.name === 'chat'
        ? countChatPromptTokens(Array.isArray(body.messages) ? (body.messages as ChatMessage[]) : [], model)
        : operation.name === 'completion'
          ? countTextTokens(typeof body.prompt === 'string' ? body.prompt : '', model)
          : operation.estimate(input).promptTokens;
    return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  }

  /** The spend row of the call: every call that reached the pipeline has exactly one, failed or not. */
  private record(operation: Operation, call: CallRequest, log: CallLog): void {
    let tags: readonly string[] = [];
    const ledgerSpan = log.trace?.stage('spend.record');
    try {
      const caller = call.caller;
      const key = caller?.key ?? null;
      const team = log.parties?.team ?? null;
      const body = call.input.body;
      const row = buildSpendRow({
        requestId: call.requestId,
        callType: operation.callType,
        stream: call.streaming,
        apiKeyHash: caller?.apiKeyHash ?? null,
        key,
        callerUserId: caller?.userId ?? null,
        team,
        requestedModel: call.model ?? log.answeredModel ?? '',
        deployment:
          log.deployment ??
          (call.target
            ? {
                id: call.target.id,
                modelName: log.answeredModel ?? '',
                provider: call.target.provider ?? 'pass_through',
                upstreamModel: log.answeredModel ?? '',
                apiBase: call.target.apiBase,
              }
            : null),
        requestMetadata: isRecord(body[operation.metadataField ?? 'metadata']) ? (body[operation.metadataField ?? 'metadata'] as Record<string, unknown>) : null,
        headerTags: call.headerTags,
        bodyTags: stringsOf(body.tags),
        endUserId: log.parties?.endUserId ?? null,
        usage: log.usage,
        cost: log.cost,
        startTime: log.startTime,
        endTime: new Date(),
        completionStartTime: log.completionStartTime,
        clientIp: call.clientIp,
        providerResponseId: log.providerResponseId,
        failure: failureFacts(log.failure),
        appliedGuardrails: [...log.appliedGuardrails],
        cacheHit: log.cacheHit,
      });
      tags = row.request_tags;
      this.ledger.record(row);
      ledgerSpan?.end();
      if (this.callLogging.wants(team?.metadata)) {
        const content = { messages: body.messages ?? body.input ?? body.prompt ?? null, response: log.reply, modelParameters: modelParametersOf(body) };
        this.callLogging.logged(row, content, team?.metadata);
      }
    } catch (error) {
      ledgerSpan?.end(error);
      // Never let bookkeeping replace the call's own outcome; the log names the call so it can be reconciled.
      this.logger.error(`spend row for ${call.requestId} not recorded: ${error instanceof Error ? error.name : typeof error}`);
    }
    if (log.trace) this.endTrace(log.trace, call, log);
    this.observe(call, log, tags);
  }

  private endTrace(trace: CallTrace, call: CallRequest, log: CallLog): void {
    try {
      const parties = log.parties;
      trace.end({
        deployment: log.attempts.at(-1)?.deployment ?? log.deployment,
        usage: log.usage,
        cost: log.cost,
        failure: log.failure ?? null,
        status: log.failure === null || log.failure === undefined ? 200 : renderError(log.failure).status,
        providerResponseId: log.providerResponseId,
        cacheHit: log.cacheHit,
        keyAlias: parties?.key?.keyAlias ?? null,
        teamId: parties?.team?.teamId ?? null,
        userId: parties?.userId ?? call.caller?.userId ?? null,
      });
    } catch (error) {
      this.logger.error(`trace of ${call.requestId} not ended: ${error instanceof Error ? error.name : typeof error}`);
    }
  }

  /** Tells the observers (metrics, alerting) how the call went, once it has settled and its row is recorded. */
  private observe(call: CallRequest, log: CallLog, tags: readonly string[]): void {
    if (!this.observer.active) return;
    try {
      const parties = log.parties;
      const key = parties?.key;
      const budgets: SettledCallBudget[] = [];
      for (const subject of log.subjects) {
        if (subject.type !== 'key' && subject.type !== 'team' && subject.type !== 'user') continue;
        budgets.push({
          kind: subject.type,
          account: subject.ns,
          max: subject.budget?.max ?? null,
          soft: subject.budget?.soft ?? null,
          windowMs: subject.budget?.windowMs ?? null,
          spendAfter: log.spendAfter?.get(subject.ns) ?? null,
        });
      }
      this.observer.settled({
        callId: call.requestId,
        route: call.route ?? null,
        requestedModel: call.model ?? log.answeredModel ?? '',
        // A failed routed call's row keeps the deployment it was priced on; its metrics name the last one tried.
        deployment: log.attempts.at(-1)?.deployment ?? log.deployment,
        parties: {
          apiKeyHash: call.caller?.apiKeyHash ?? null,
          keyAlias: key?.keyAlias ?? null,
          userId: parties?.userId ?? call.caller?.userId ?? null,
          userEmail: parties?.user?.userEmail ?? null,
          teamId: parties?.team?.teamId ?? null,
          teamAlias: parties?.team?.teamAlias ?? null,
          endUserId: parties?.endUserId ?? null,
        },
        status: log.failure === null || log.failure === undefined ? 200 : renderError(log.failure).status,
        failure: log.failure ?? null,
        usage: log.usage,
        cost: log.cost,
        streaming: call.streaming,
        totalMs: performance.now() - call.receivedAt,
        upstreamMs: log.upstreamStarted === null ? null : log.upstreamMs,
        timeToFirstTokenMs: log.firstTokenMs,
        attempts: log.attempts,
        fallbacks: log.fallbacks,
        responseHeaders: call.headers,
        tags,
        budgets,
      });
    } catch (error) {
      this.logger.error(`metrics for ${call.requestId} not recorded: ${error instanceof Error ? error.name : typeof error}`);
    }
  }
}

function newCallLog(): CallLog {
  return {
    startTime: new Date(),
    completionStartTime: null,
    parties: null,
    deployment: null,
    answeredModel: null,
    usage: null,
    cost: 0,
    providerResponseId: null,
    appliedGuardrails: [],
    failure: null,
    cacheHit: false,
    subjects: [],
    spendAfter: null,
    upstreamStarted: null,
    upstreamMs: null,
    firstTokenMs: null,
    attempts: [],
    fallbacks: [],
    trace: null,
    reply: null,
  };
}

/** A subject only charged (never refused): the work is done and must be paid for whatever the budget says. */
function chargeOnly(subject: LimitSubject): LimitSubject {
  return { ...subject, budget: subject.budget ? { ...subject.budget, max: null } : null, maxParallel: null, rpm: null, tpm: null, modelLimits: undefined };
}

/** A subject's budget alone, for a check that takes no slot and counts no request. */
function budgetOnly(subject: LimitSubject): LimitSubject {
  return { ...subject, maxParallel: null, rpm: null, tpm: null, modelLimits: undefined };
}

/** The client-facing rendering of a failure: it never holds upstream bodies, secrets or stack traces. */
function failureFacts(failure: unknown): SpendCallFacts['failure'] {
  if (failure === null || failure === undefined) return null;
  const rendered = renderError(failure);
  return { errorClass: failure instanceof Error ? failure.name : 'Error', errorCode: rendered.internalCode, message: rendered.body.error.message };
}

/** The end user the request names (`user`, or where the operation's format keeps it), else the one a JWT names (`end_user_id_jwt_field`). */
function endUserOf(operation: Operation, body: Record<string, unknown>, fromToken: string | undefined): string | undefined {
  const named = operation.endUserOf ? operation.endUserOf(body) : typeof body.user === 'string' ? body.user : undefined;
  if (named !== undefined && named !== '') return named;
  return fromToken;
}

function budgetApplies(subjects: readonly LimitSubject[]): boolean {
  return subjects.some((subject) => subject.budget?.max !== null && subject.budget?.max !== undefined);
}

/** A body's top-level `tags` as the edge validated them; a pass-through body's only when they are strings. */
function stringsOf(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string' && item !== '') : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether a key (and its team) may use a model group: fallbacks and `/v1/models` only offer those. */
export function isUsable(key: VirtualKeyRecord, model: string, team: TeamRecord | null, accessGroups?: AccessGroups): boolean {
  try {
    resolveModelForKey(key, model, undefined, team, accessGroups);
    return true;
  } catch {
    return false;
  }
}

/** The request's sampling parameters, as LiteLLM's `model_parameters` lists them. */
function modelParametersOf(body: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const parameters: Record<string, unknown> = {};
  for (const name of MODEL_PARAMETERS) if (body[name] !== undefined) parameters[name] = body[name];
  return parameters;
}

const MODEL_PARAMETERS = [
  'temperature',
  'top_p',
  'max_tokens',
  'max_completion_tokens',
  'n',
  'stop',
  'presence_penalty',
  'frequency_penalty',
  'seed',
  'response_format',
  'tools',
  'tool_choice',
  'user',
];
