import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { DomainError } from '../common/errors/domain-error';
import { BadRequestError } from '../common/errors/http-errors';
import { renderError } from '../common/http/error-envelope';
import type { CallRequest, CallSession } from '../pipeline/call';
import { CallPipeline } from '../pipeline/call-pipeline.service';
import { REALTIME } from '../pipeline/operations';
import type { Usage } from '../routing/openai.types';
import { ClientDisconnected } from '../routing/upstream-abort';

/** The paths of the realtime edge; every other upgrade is refused. */
const REALTIME_PATHS: ReadonlySet<string> = new Set(['/v1/realtime', '/realtime']);
/** Browser clients cannot set headers on a websocket, so OpenAI's SDK passes the key as this subprotocol. */
const KEY_SUBPROTOCOL = 'openai-insecure-api-key.';
/** Close code for a policy stop (budget exhausted), RFC 6455 §7.4.1. */
const POLICY_VIOLATION = 1008;
const INTERNAL_ERROR = 1011;

/** The raw socket of an upgrade request routed through Fastify, until its handler takes it. */
interface PendingUpgrade {
  readonly socket: Duplex;
  readonly head: Buffer;
}

class UpgradeRequiredError extends DomainError {
  constructor() {
    super('GW_BAD_REQUEST', 'This is a websocket endpoint: connect with a websocket client (Upgrade: websocket).', { status: 426, type: 'invalid_request_error' });
  }
}

/**
 * The realtime edge: `/v1/realtime?model=…` websockets relayed to an OpenAI or Azure realtime deployment.
 *
 * An upgrade request is routed through Fastify like any request, so the global guards (IP allow-list, key auth,
 * route class, a key's `allowed_routes`) refuse it with an ordinary HTTP error before any websocket exists. The
 * handler then opens a pipeline session (model access, rpm, budgets, the parallel slot held for the socket's
 * life; the router connects upstream) and only then accepts the client's websocket. Events are relayed both ways
 * unchanged; each `response.done` is charged through the session (one spend row each); a `response.create` is
 * forwarded only while the budgets have room, and a budget exhausted by a response closes the socket with an
 * `error` event saying so.
 */
@Injectable()
export class RealtimeService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Realtime');
  private readonly pending = new WeakMap<IncomingMessage, PendingUpgrade>();
  private readonly sockets = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: chooseProtocol });
  /** The call's headers (`x-litellm-call-id`, `x-ratelimit-*` …), sent with the 101 of its upgrade. */
  private readonly upgradeHeaders = new WeakMap<IncomingMessage, string[]>();

  constructor(
    private readonly pipeline: CallPipeline,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.sockets.on('headers', (headers: string[], raw: IncomingMessage) => headers.push(...(this.upgradeHeaders.get(raw) ?? [])));
  }

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    fastify.server.on('upgrade', (raw: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(fastify, raw, socket, head));
  }

  onApplicationShutdown(): void {
    for (const client of this.sockets.clients) client.terminate();
    this.sockets.close();
  }

  private onUpgrade(fastify: FastifyInstance, raw: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (raw.url ?? '/').split('?', 1)[0];
    if (!REALTIME_PATHS.has(path)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    // The subprotocol key stands for the Authorization header, so the guards read it where they read every key.
    if (raw.headers.authorization === undefined && raw.headers['api-key'] === undefined) {
      const key = offeredProtocols(raw).find((protocol) => protocol.startsWith(KEY_SUBPROTOCOL));
      if (key) raw.headers.authorization = `Bearer ${key.slice(KEY_SUBPROTOCOL.length)}`;
    }
    this.pending.set(raw, { socket, head });
    socket.on('error', () => socket.destroy());
    const response = new ServerResponse(raw);
    // Node types an upgrade's socket as a Duplex; it is the connection's net.Socket, which assignSocket wants.
    response.assignSocket(socket as Socket);
    // Whatever Fastify answers instead of an upgrade (a refusal) ends the connection: a websocket client can't reuse it.
    response.shouldKeepAlive = false;
    response.on('finish', () => {
      if (this.pending.has(raw)) socket.destroy();
    });
    fastify.routing(raw, response);
  }

  /** The route handler of `GET /v1/realtime`: reached after the guards admitted the caller. */
  async serve(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const upgrade = this.pending.get(request.raw);
    if (!upgrade) throw new UpgradeRequiredError();
    const query = (request.query ?? {}) as Record<string, unknown>;
    const model =
      typeof query.model === 'string' && query.model !== '' ? query.model : typeof query.deployment === 'string' && query.deployment !== '' ? query.deployment : undefined;
    if (!model) throw new BadRequestError("Missing required parameter: 'model'.", 'model');
    const clientGone = new AbortController();
    const onGone = (): void => clientGone.abort(new ClientDisconnected());
    upgrade.socket.once('close', onGone);
    const call: CallRequest = {
      requestId: REALTIME.idPrefix + request.id,
      caller: request.auth,
      input: { body: { model } },
      model,
      streaming: true,
      includeUsage: true,
      clientIp: request.clientIp ?? request.ip ?? null,
      headerTags: [],
      signal: clientGone.signal,
      headers: {},
      receivedAt: performance.now(),
    };
    let session: CallSession;
    try {
      session = await this.pipeline.openSession(REALTIME, call);
    } catch (error) {
      reply.headers(call.headers);
      throw error;
    } finally {
      upgrade.socket.off('close', onGone);
    }
    this.pending.delete(request.raw);
    reply.hijack();
    if (upgrade.socket.destroyed) {
      session.connection.resume();
      session.connection.terminate();
      await session.end();
      return;
    }
    const relay = new RealtimeRelay(session, call.requestId, this.logger);
    // A handshake ws refuses (a malformed Sec-WebSocket-Key …) never reaches attach(): the socket closing ends the
    // session all the same, so no slot or upstream socket outlives it.
    upgrade.socket.once('close', () => relay.abandon());
    this.upgradeHeaders.set(
      request.raw,
      Object.entries(call.headers).map(([name, value]) => `${name}: ${value.replace(/[\r\n]/g, '')}`),
    );
    this.sockets.handleUpgrade(request.raw, upgrade.socket, upgrade.head, (client) => relay.attach(client));
  }
}

/** One client socket and its upstream, relayed both ways and charged per finished response. */
class RealtimeRelay {
  private client: WebSocket | undefined;
  private readonly early: { data: RawData; binary: boolean }[] = [];
  /** Client events go upstream in order, each after its (possibly asynchronous) admission. */
  private clientQueue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly session: CallSession,
    private readonly requestId: string,
    private readonly logger: Logger,
  ) {
    const upstream = session.connection;
    upstream.on('message', (data, binary) => this.fromUpstream(data, binary));
    upstream.on('close', (code) => this.close(code === 1005 || code === 1006 ? 1000 : code));
    upstream.on('error', () => this.close(INTERNAL_ERROR));
    upstream.resume();
  }

  attach(client: WebSocket): void {
    this.client = client;
    client.on('message', (data, binary) => {
      this.clientQueue = this.clientQueue.then(() => this.fromClient(data, binary));
    });
    client.on('close', () => this.close(1000));
    client.on('error', () => this.close(INTERNAL_ERROR));
    // Events the provider sent before the client's handshake completed (session.created) go first.
    for (const event of this.early.splice(0)) client.send(event.data, { binary: event.binary });
    if (this.closed) client.close(1000);
  }

  /** The client's connection is gone (before or after the handshake): ends the session. */
  abandon(): void {
    this.close(1000);
  }

  private fromUpstream(data: RawData, binary: boolean): void {
    if (this.closed) return;
    if (this.client) this.client.send(data, { binary });
    else this.early.push({ data, binary });
    if (binary) return;
    const text = rawText(data);
    // Audio deltas are the bulk of the traffic: only the event that carries usage is parsed.
    if (!text.includes('"response.done"')) return;
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      return;
    }
    if (!isRecord(event) || event.type !== 'response.done' || !isRecord(event.response)) return;
    const usage = realtimeUsage(event.response.usage);
    if (!usage) return;
    const responseId = typeof event.response.id === 'string' ? event.response.id : null;
    void this.session.charge(usage, responseId).then(
      (room) => {
        if (!room) this.stop(budgetStop());
      },
      (error: unknown) => this.logger.error(`realtime ${this.requestId}: a response could not be charged: ${error instanceof Error ? error.name : typeof error}`),
    );
  }

  private async fromClient(data: RawData, binary: boolean): Promise<void> {
    if (this.closed) return;
    if (!binary) {
      const text = rawText(data);
      if (text.includes('"response.create"')) {
        try {
          await this.session.admitNext();
        } catch (error) {
          this.stop(error);
          return;
        }
      }
    }
    if (!this.closed) this.session.connection.send(data, { binary });
  }

  /** Ends the session with an OpenAI `error` event (budget exhausted, limit reached): no further response starts. */
  private stop(error: unknown): void {
    if (this.closed) return;
    const rendered = renderError(error);
    const event = { type: 'error', event_id: `event_${this.requestId}`, error: { ...rendered.body.error, event_id: null } };
    this.client?.send(JSON.stringify(event));
    this.close(POLICY_VIOLATION, rendered.body.error.message.slice(0, 120));
  }

  private close(code: number, reason = ''): void {
    if (this.closed) return;
    this.closed = true;
    const upstream = this.session.connection;
    if (upstream.readyState === upstream.OPEN || upstream.readyState === upstream.CONNECTING) upstream.close(1000);
    if (this.client && this.client.readyState === this.client.OPEN) this.client.close(validCloseCode(code), reason);
    void this.session.end();
  }
}

class BudgetStop extends DomainError {
  constructor() {
    super('GW_BUDGET_EXCEEDED', 'Budget has been exceeded: the realtime session is closed and no further response will start.', { status: 400, type: 'budget_exceeded' });
  }
}

function budgetStop(): Error {
  return new BudgetStop();
}

/** Prefers the `realtime` protocol OpenAI's clients offer; never echoes the key-carrying one. */
function chooseProtocol(protocols: Set<string>): string | false {
  if (protocols.has('realtime')) return 'realtime';
  for (const protocol of protocols) if (!protocol.startsWith(KEY_SUBPROTOCOL)) return protocol;
  return false;
}

function offeredProtocols(raw: IncomingMessage): string[] {
  const header = raw.headers['sec-websocket-protocol'];
  return (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((protocol) => protocol.trim())
    .filter((protocol) => protocol !== '');
}

/** Codes a server may send (1005, 1006 and 1015 are reserved for reporting). */
function validCloseCode(code: number): number {
  return code === 1000 || (code >= 1001 && code <= 1014 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999) ? code : 1000;
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

/**
 * A `response.done` usage (`input_tokens`, `output_tokens`, their text/audio/cached details) in the chat usage
 * shape pricing reads: audio tokens priced at audio rates, cached ones at the cache rate.
 */
export function realtimeUsage(value: unknown): Usage | null {
  if (!isRecord(value)) return null;
  const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);
  const input = isRecord(value.input_token_details) ? value.input_token_details : {};
  const output = isRecord(value.output_token_details) ? value.output_token_details : {};
  const prompt = num(value.input_tokens);
  const completion = num(value.output_tokens);
  if (prompt === 0 && completion === 0) return null;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: num(value.total_tokens) || prompt + completion,
    prompt_tokens_details: { cached_tokens: num(input.cached_tokens), audio_tokens: num(input.audio_tokens), text_tokens: num(input.text_tokens) },
    completion_tokens_details: { audio_tokens: num(output.audio_tokens), text_tokens: num(output.text_tokens) },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
