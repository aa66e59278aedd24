import { Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { performance } from 'node:perf_hooks';
import { renderError } from '../common/http/error-envelope';
import { TOLLGATE_VERSION } from '../common/version';
import type { Deployment } from '../routing/deployment';
import { ModelRegistry } from '../routing/model-registry.service';
import type { ChatCompletionRequest, CompletionObject, EmbeddingRequest, LlmOperation, TextCompletionRequest } from '../routing/openai.types';
import type { ForwardedHeaders, StreamResult } from '../routing/providers/provider-adapter';
import { ProviderRegistry } from '../routing/providers/provider-registry.service';
import { ClientDisconnected, UpstreamCallControl } from '../routing/upstream-abort';
import { validateLlmBody } from './request-validation';

const ID_PREFIX: Record<LlmOperation, string> = { chat: 'chatcmpl-', completion: 'cmpl-', embedding: 'emb-' };
const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' };

/**
 * The OpenAI-compatible edge: validates the body, picks a deployment, calls its adapter with a deadline
 * and client-disconnect cancellation, and answers with Tollgate's own call id and LiteLLM's headers.
 */
@Injectable()
export class GatewayService {
  private readonly logger = new Logger('Gateway');
  private readonly deploymentHeaders = new WeakMap<Deployment, Record<string, string>>();

  constructor(
    private readonly models: ModelRegistry,
    private readonly providers: ProviderRegistry,
  ) {}

  /** `GET /v1/models`: the model groups, in OpenAI's list format. */
  listModels(): { object: 'list'; data: { id: string; object: 'model'; created: number; owned_by: string }[] } {
    return { object: 'list', data: this.models.modelNames().map((id) => modelCard(id)) };
  }

  retrieveModel(id: string): { id: string; object: 'model'; created: number; owned_by: string } {
    this.models.pick(id);
    return modelCard(id);
  }

  async handle(operation: LlmOperation, request: FastifyRequest, reply: FastifyReply, pathModel?: string): Promise<void> {
    const started = performance.now();
    const body = validateLlmBody(request.body, operation, pathModel);
    const deployment = this.models.pick(body.model);
    const adapter = this.providers.get(deployment.provider);
    const callId = ID_PREFIX[operation] + request.id;
    const streaming = operation !== 'embedding' && (body as ChatCompletionRequest).stream === true;
    const control = new UpstreamCallControl(streaming ? deployment.streamTimeoutMs : deployment.timeoutMs);
    const onClose = (): void => {
      if (!reply.raw.writableFinished) control.clientDisconnected();
    };
    reply.raw.once('close', onClose);
    reply.headers(this.headersOf(deployment));
    reply.header('x-litellm-call-id', callId);

    if (streaming) {
      const clientWantsUsage = (body as ChatCompletionRequest).stream_options?.include_usage === true;
      let stream: StreamResult;
      const upstreamStarted = performance.now();
      try {
        stream =
          operation === 'chat'
            ? await adapter.chatStream(body as ChatCompletionRequest, deployment, control.signal)
            : await adapter.completionStream(body as TextCompletionRequest, deployment, control.signal);
      } catch (error) {
        control.dispose();
        reply.raw.off('close', onClose);
        throw error;
      }
      // The first-byte deadline is met; from here the transport's idle timeout bounds the stream.
      control.clearDeadline();
      reply.headers(stream.headers);
      reply.header('x-litellm-overhead-duration-ms', (upstreamStarted - started).toFixed(3));
      try {
        await this.relaySse(reply, stream, callId, clientWantsUsage);
      } finally {
        control.dispose();
        reply.raw.off('close', onClose);
      }
      return;
    }

    try {
      const upstreamStarted = performance.now();
      if (operation === 'embedding') {
        const result = await adapter.embeddings(body as EmbeddingRequest, deployment, control.signal);
        const finished = performance.now();
        this.timingHeaders(reply, result.headers, finished - started, finished - upstreamStarted);
        return reply.status(200).type('application/json').send(result.rawJson);
      }
      const result =
        operation === 'chat'
          ? await adapter.chat(body as ChatCompletionRequest, deployment, control.signal)
          : await adapter.completion(body as TextCompletionRequest, deployment, control.signal);
      const finished = performance.now();
      result.body.id = callId;
      this.timingHeaders(reply, result.headers, finished - started, finished - upstreamStarted);
      return reply.status(200).send(result.body);
    } finally {
      control.dispose();
      reply.raw.off('close', onClose);
    }
  }

  /**
   * Writes the stream straight to the socket: one write per group of events that arrived together, no
   * intermediate Readable. Backpressure is honoured; a client that leaves ends the loop, and leaving the
   * loop early closes the upstream body.
   */
  private async relaySse(reply: FastifyReply, stream: StreamResult, callId: string, clientWantsUsage: boolean): Promise<void> {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { ...(reply.getHeaders() as Record<string, string>), ...SSE_HEADERS });
    try {
      for await (const batch of stream.batches) {
        if (res.destroyed) return;
        let out = '';
        for (const chunk of batch) {
          chunk.id = callId;
          const isUsageOnly = Array.isArray(chunk.choices) && chunk.choices.length === 0 && chunk.usage;
          if (isUsageOnly && !clientWantsUsage) continue;
          if (!clientWantsUsage && chunk.usage !== undefined) delete chunk.usage;
          out += `data: ${JSON.stringify(chunk)}\n\n`;
        }
        if (out && !res.write(out)) await drained(res);
      }
      res.end('data: [DONE]\n\n');
    } catch (error) {
      if (error instanceof ClientDisconnected || res.destroyed) return;
      // Headers are gone; the error travels as a final SSE event, as OpenAI and LiteLLM do mid-stream.
      const rendered = renderError(error);
      if (rendered.unexpected) this.logger.error(`stream ${callId} failed: ${rendered.internalCode}`);
      res.end(`data: ${JSON.stringify(rendered.body)}\n\n`);
    }
  }

  private timingHeaders(reply: FastifyReply, forwarded: ForwardedHeaders, totalMs: number, upstreamMs: number): void {
    reply.headers(forwarded);
    reply.header('x-litellm-response-duration-ms', totalMs.toFixed(3));
    reply.header('x-litellm-overhead-duration-ms', Math.max(0, totalMs - upstreamMs).toFixed(3));
  }

  /** Per-deployment headers never change, so they are built once. */
  private headersOf(deployment: Deployment): Record<string, string> {
    let headers = this.deploymentHeaders.get(deployment);
    if (!headers) {
      headers = {
        'x-litellm-model-id': deployment.id,
        'x-litellm-version': TOLLGATE_VERSION,
        'x-litellm-timeout': String(deployment.timeoutMs / 1000),
        'x-litellm-attempted-retries': '0',
        'x-litellm-attempted-fallbacks': '0',
      };
      if (deployment.apiBase) headers['x-litellm-model-api-base'] = deployment.apiBase;
      if (deployment.region) headers['x-litellm-model-region'] = deployment.region;
      this.deploymentHeaders.set(deployment, headers);
    }
    return headers;
  }
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

/** LiteLLM's values, kept so clients that compare them see no difference. */
function modelCard(id: string): { id: string; object: 'model'; created: number; owned_by: string } {
  return { id, object: 'model', created: 1677610602, owned_by: 'openai' };
}
