import { Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { performance } from 'node:perf_hooks';
import { anthropicErrorBody } from '../common/http/anthropic-error';
import { renderError, type RenderedError } from '../common/http/error-envelope';
import { messagesEventType } from '../pipeline/stream-events';
import type { CallInput } from '../pipeline/operations';
import type { CallOutcome, CallRequest, CallStream, FixedTarget } from '../pipeline/call';
import type { ResponseSizeLimit } from '../routing/response-size-limit';
import { ClientDisconnected } from '../routing/upstream-abort';

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' };

/** How an edge's stream is written as server-sent events: each event, the error that ends a failed stream, the end. */
export interface SseFraming {
  event(data: string): string;
  error(rendered: RenderedError): string;
  /** What closes a complete stream. */
  readonly done: string;
}

/** OpenAI's: `data: <chunk>` events, the error envelope as a last event, `data: [DONE]`. */
export const OPENAI_SSE: SseFraming = {
  event: (data) => `data: ${data}\n\n`,
  error: (rendered) => `data: ${JSON.stringify(rendered.body)}\n\n`,
  done: 'data: [DONE]\n\n',
};

/** Anthropic's: `event: <type>` before each `data:`, an `error` event in Anthropic's shape, nothing after `message_stop`. */
export const ANTHROPIC_SSE: SseFraming = {
  event: (data) => `event: ${messagesEventType(data)}\ndata: ${data}\n\n`,
  error: (rendered) => `event: error\ndata: ${JSON.stringify(anthropicErrorBody(rendered))}\n\n`,
  done: '',
};

/** What an edge knows about one call besides the HTTP request it came in. */
export interface EdgeCallParts {
  readonly idPrefix: string;
  readonly input: CallInput;
  readonly model: string | undefined;
  readonly streaming?: boolean;
  readonly includeUsage?: boolean;
  readonly target?: FixedTarget;
  /** How a stream is framed; OpenAI's when absent. */
  readonly sse?: SseFraming;
}

/**
 * The HTTP side of a governed call: the pipeline's request built from Fastify's, with a signal that fires when the
 * client goes away. `close()` must be called when the call is over, to stop watching the socket.
 */
export class EdgeCall {
  readonly request: CallRequest;
  private readonly sse: SseFraming;
  private readonly clientGone = new AbortController();
  private readonly onClose = (): void => {
    if (!this.reply.raw.writableFinished) this.clientGone.abort(new ClientDisconnected());
  };

  constructor(
    http: FastifyRequest,
    private readonly reply: FastifyReply,
    parts: EdgeCallParts,
  ) {
    this.sse = parts.sse ?? OPENAI_SSE;
    this.request = {
      requestId: parts.idPrefix + http.id,
      caller: http.auth,
      input: parts.input,
      model: parts.model,
      streaming: parts.streaming ?? false,
      includeUsage: parts.includeUsage ?? false,
      clientIp: http.clientIp ?? http.ip ?? null,
      headerTags: headerTags(http.headers['x-litellm-tags']),
      timeoutHeader: http.headers['x-litellm-timeout'],
      signal: this.clientGone.signal,
      headers: {},
      receivedAt: performance.now(),
      route: http.routeOptions.url,
      target: parts.target,
      traceParent: singleHeader(http.headers.traceparent),
      traceState: singleHeader(http.headers.tracestate),
    };
    this.sse = parts.sse ?? OPENAI_SSE;
    reply.raw.once('close', this.onClose);
  }

  /**
   * A further call made for this same request (a batch's output file read to charge it): same caller, address and
   * signal, its own id and headers.
   */
  subCall(requestId: string, input: CallInput, model: string): CallRequest {
    return { ...this.request, requestId, input, model, streaming: false, includeUsage: false, headers: {}, target: undefined };
  }

  /** Runs `call` (the pipeline) and sends what it produced; on failure the call's headers go with the error. */
  async serve(call: () => Promise<CallOutcome>, streamLimit?: ResponseSizeLimit): Promise<void> {
    try {
      const outcome = await call();
      if (outcome.kind === 'stream') return await this.relaySse(outcome.stream, streamLimit);
      this.reply.headers(this.request.headers);
      if (outcome.kind === 'json') {
        this.reply.type('application/json');
        return await this.reply.status(outcome.status).send(outcome.body);
      }
      this.reply.type(outcome.contentType);
      return await this.reply.status(outcome.status).send(outcome.payload);
    } catch (error) {
      if (!this.reply.sent) this.reply.headers(this.request.headers);
      throw error;
    } finally {
      this.reply.raw.off('close', this.onClose);
    }
  }

  /**
   * Writes the stream straight to the socket as server-sent events: one write per group of events that arrived
   * together, backpressure honoured. A client that leaves ends the loop (which closes the upstream body); a stream
   * that would pass `max_response_size_mb` ends before the group that crosses it, with the error as its last
   * event; an error after the headers travels as a final event, as OpenAI, Anthropic and LiteLLM do mid-stream.
   * The edge's framing says how events, that error and the end are written.
   */
  private async relaySse(stream: CallStream, limit: ResponseSizeLimit | undefined): Promise<void> {
    this.reply.hijack();
    const res = this.reply.raw;
    res.writeHead(200, { ...(this.reply.getHeaders() as Record<string, string>), ...this.request.headers, ...SSE_HEADERS });
    let relayedBytes = 0;
    try {
      for await (const batch of stream.batches) {
        if (res.destroyed) {
          stream.stop(new ClientDisconnected());
          break;
        }
        let out = '';
        for (const event of batch) out += this.sse.event(event);
        if (limit) {
          relayedBytes += Buffer.byteLength(out);
          try {
            limit.check(relayedBytes);
          } catch (error) {
            stream.stop(error as Error);
            res.end(this.sse.error(renderError(error)));
            return;
          }
        }
        if (!res.write(out)) await drained(res);
      }
      if (!res.destroyed) res.end(this.sse.done);
    } catch (error) {
      if (res.destroyed) return;
      const rendered = renderError(error);
      if (rendered.unexpected) logger.error(`stream ${this.request.requestId} failed: ${rendered.internalCode}`);
      res.end(this.sse.error(rendered));
    }
  }
}

const logger = new Logger('Gateway');

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

function singleHeader(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
