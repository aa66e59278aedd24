import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  defaultTextMapGetter,
  defaultTextMapSetter,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { withTraceHeaders } from '../common/trace-headers';
import { TOLLGATE_VERSION } from '../common/version';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { OtelSettings, TollgateConfig } from '../config/config.types';
import type { Deployment } from '../routing/deployment';
import type { Usage } from '../routing/openai.types';

/** What a call's trace starts from. */
export interface CallTraceStart {
  readonly callId: string;
  /** The pipeline's operation (`chat`, `embedding`, `completion`, …). */
  readonly operation: string;
  readonly requestedModel: string | undefined;
  readonly streaming: boolean;
  /** The client's W3C trace context, when it sent one: the call's span becomes a child of the client's. */
  readonly traceParent?: string;
  readonly traceState?: string;
  /** The request body: its sampling parameters, and its messages when content capture is on. */
  readonly body: Readonly<Record<string, unknown>>;
}

/** How the call ended, for the call span's attributes. */
export interface CallTraceEnd {
  readonly deployment: Deployment | null;
  readonly usage: Usage | null;
  readonly cost: number;
  readonly failure: unknown;
  readonly status: number;
  readonly providerResponseId: string | null;
  readonly cacheHit: boolean;
  readonly keyAlias: string | null;
  readonly teamId: string | null;
  readonly userId: string | null;
}

/** A stage of the call (admission, a guardrail phase, the ledger write). */
export interface TraceSpan {
  end(failure?: unknown): void;
}

/** One upstream attempt: its span is the parent of whatever the provider traces. */
export interface AttemptTrace extends TraceSpan {
  /** Runs the attempt with the span's context in the upstream request's headers. */
  run<T>(work: () => Promise<T>): Promise<T>;
}

export interface CallTrace {
  stage(name: string): TraceSpan;
  /** The next upstream attempt (retries and fallbacks each get one). */
  attempt(deployment: Deployment): AttemptTrace;
  end(result: CallTraceEnd): void;
}

/** OpenTelemetry's GenAI names for the operations that have one. */
const GEN_AI_OPERATION: Readonly<Record<string, string>> = {
  chat: 'chat',
  completion: 'text_completion',
  embedding: 'embeddings',
  responses: 'chat',
  anthropic_messages: 'chat',
};

/**
 * OpenTelemetry traces of governed calls (`callbacks: ["otel"]`): a span per call with the GenAI semantic
 * conventions, children for the guardrail phases, admission, each upstream attempt and the ledger write, exported
 * over OTLP/HTTP in batches. The upstream request carries the attempt's `traceparent`. Nothing is registered
 * globally: contexts are passed explicitly, so several gateways in one process (tests) keep their traces apart.
 */
@Injectable()
export class CallTracer implements OnApplicationShutdown {
  private readonly provider?: BasicTracerProvider;
  private readonly tracer?: Tracer;
  private readonly propagator = new W3CTraceContextPropagator();
  private readonly settings?: OtelSettings;
  private readonly redactParties: boolean;

  constructor(@Inject(TOLLGATE_CONFIG) config: TollgateConfig) {
    this.settings = config.otel;
    this.redactParties = config.litellm_settings.redact_user_api_key_info === true;
    if (!this.settings) return;
    const exporter = new OTLPTraceExporter({ url: this.settings.endpoint, headers: { ...this.settings.headers } });
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': this.settings.serviceName, 'service.version': TOLLGATE_VERSION }),
      spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 1_000, maxQueueSize: 8_192, maxExportBatchSize: 512 })],
    });
    this.tracer = this.provider.getTracer('tollgate', TOLLGATE_VERSION);
  }

  /** False without `otel` among the callbacks: the pipeline then makes no trace at all. */
  get enabled(): boolean {
    return this.tracer !== undefined;
  }

  /** Sends what is buffered (tests, shutdown). */
  async flush(): Promise<void> {
    await this.provider?.forceFlush();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.provider?.shutdown();
  }

  start(call: CallTraceStart): CallTrace | null {
    const tracer = this.tracer;
    if (!tracer) return null;
    const carrier: Record<string, string> = {};
    if (call.traceParent) carrier.traceparent = call.traceParent;
    if (call.traceState) carrier.tracestate = call.traceState;
    const parent = call.traceParent ? this.propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter) : ROOT_CONTEXT;
    const operation = GEN_AI_OPERATION[call.operation] ?? call.operation;
    const attributes: Attributes = {
      'gen_ai.operation.name': operation,
      'tollgate.call_id': call.callId,
      'tollgate.stream': call.streaming,
      ...requestAttributes(call.body),
    };
    if (call.requestedModel) attributes['gen_ai.request.model'] = call.requestedModel;
    if (this.settings?.captureMessageContent) Object.assign(attributes, inputContent(call.body));
    const root = tracer.startSpan(call.requestedModel ? `${operation} ${call.requestedModel}` : operation, { kind: SpanKind.SERVER, attributes }, parent);
    return new OpenCallTrace(tracer, this.propagator, root, trace.setSpan(parent, root), operation, this.redactParties);
  }
}

class OpenCallTrace implements CallTrace {
  private attempts = 0;

  constructor(
    private readonly tracer: Tracer,
    private readonly propagator: W3CTraceContextPropagator,
    private readonly root: Span,
    private readonly context: Context,
    private readonly operation: string,
    private readonly redactParties: boolean,
  ) {}

  stage(name: string): TraceSpan {
    const span = this.tracer.startSpan(`tollgate.${name}`, { kind: SpanKind.INTERNAL }, this.context);
    return { end: (failure?: unknown) => endSpan(span, failure) };
  }

  attempt(deployment: Deployment): AttemptTrace {
    this.attempts += 1;
    const attributes: Attributes = {
      'gen_ai.operation.name': this.operation,
      'gen_ai.request.model': deployment.upstreamModel,
      'gen_ai.provider.name': deployment.customLlmProvider ?? deployment.provider,
      'gen_ai.system': deployment.customLlmProvider ?? deployment.provider,
      'tollgate.deployment.id': deployment.id,
      'tollgate.model_group': deployment.modelName,
      'tollgate.attempt': this.attempts,
    };
    const host = hostOf(deployment.apiBase);
    if (host) attributes['server.address'] = host;
    const span = this.tracer.startSpan(`${this.operation} ${deployment.upstreamModel}`, { kind: SpanKind.CLIENT, attributes }, this.context);
    const headers: Record<string, string> = {};
    this.propagator.inject(trace.setSpan(this.context, span), headers, defaultTextMapSetter);
    return {
      run: (work) => withTraceHeaders(headers, work),
      end: (failure?: unknown) => endSpan(span, failure),
    };
  }

  end(result: CallTraceEnd): void {
    const root = this.root;
    const attributes: Attributes = { 'tollgate.cost_usd': result.cost, 'tollgate.cache_hit': result.cacheHit, 'http.response.status_code': result.status };
    if (result.deployment) {
      attributes['gen_ai.response.model'] = result.deployment.upstreamModel;
      attributes['gen_ai.provider.name'] = result.deployment.customLlmProvider ?? result.deployment.provider;
      attributes['gen_ai.system'] = result.deployment.customLlmProvider ?? result.deployment.provider;
    }
    if (result.usage) {
      attributes['gen_ai.usage.input_tokens'] = result.usage.prompt_tokens;
      attributes['gen_ai.usage.output_tokens'] = result.usage.completion_tokens ?? 0;
    }
    if (result.providerResponseId) attributes['gen_ai.response.id'] = result.providerResponseId;
    if (!this.redactParties) {
      if (result.keyAlias) attributes['tollgate.key_alias'] = result.keyAlias;
      if (result.teamId) attributes['tollgate.team_id'] = result.teamId;
      if (result.userId) attributes['tollgate.user_id'] = result.userId;
    }
    root.setAttributes(attributes);
    endSpan(root, result.failure);
  }
}

function endSpan(span: Span, failure: unknown): void {
  if (failure !== undefined && failure !== null) {
    const type = failure instanceof Error ? failure.name : typeof failure;
    span.setAttribute('error.type', type);
    // The class only: error texts can carry upstream details the trace backend should not keep.
    span.setStatus({ code: SpanStatusCode.ERROR, message: type });
  }
  span.end();
}

/** The sampling parameters GenAI conventions name, as the client sent them. */
function requestAttributes(body: Readonly<Record<string, unknown>>): Attributes {
  const attributes: Attributes = {};
  const number = (field: string, name: string): void => {
    const value = body[field];
    if (typeof value === 'number' && Number.isFinite(value)) attributes[name] = value;
  };
  number('max_tokens', 'gen_ai.request.max_tokens');
  number('max_completion_tokens', 'gen_ai.request.max_tokens');
  number('temperature', 'gen_ai.request.temperature');
  number('top_p', 'gen_ai.request.top_p');
  number('frequency_penalty', 'gen_ai.request.frequency_penalty');
  number('presence_penalty', 'gen_ai.request.presence_penalty');
  number('seed', 'gen_ai.request.seed');
  return attributes;
}

/** The prompt, only when content capture is on (`gen_ai.input.messages`, JSON). */
function inputContent(body: Readonly<Record<string, unknown>>): Attributes {
  const input = body.messages ?? body.input ?? body.prompt;
  return input === undefined ? {} : { 'gen_ai.input.messages': JSON.stringify(input) };
}

function hostOf(apiBase: string | undefined): string | undefined {
  if (!apiBase) return undefined;
  try {
    return new URL(apiBase).hostname;
  } catch {
    return undefined;
  }
}
