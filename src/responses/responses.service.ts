import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import type { AuthContext } from '../common/access/caller';
import { parseDuration } from '../common/duration';
import { BadRequestError } from '../common/errors/http-errors';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import type { RenderedError } from '../common/http/error-envelope';
import { EdgeCall, type SseFraming } from '../gateway/edge-call';
import { validateMetadata } from '../gateway/request-validation';
import type { CallStream, FixedTarget } from '../pipeline/call';
import { CallPipeline } from '../pipeline/call-pipeline.service';
import { DELETE_RESPONSE, GET_RESPONSE, LIST_RESPONSE_INPUT_ITEMS, RESPONSES, type Operation, type ProviderAnswer } from '../pipeline/operations';
import { responsesEventType } from '../pipeline/responses-events';
import type { ReferencedItem, ResponsesContext, StoredTurn } from '../routing/providers/responses-via-chat';
import { inputItemsOf } from '../routing/providers/responses-via-chat';
import { ResponseSizeLimit } from '../routing/response-size-limit';
import { ResponseNotFoundError } from './responses.errors';
import { ResponsesRepository } from './responses.repository';

type Json = Record<string, unknown>;

/** OpenAI keeps a stored response 30 days; so does Tollgate unless `responses_retention_period` says otherwise. */
export const DEFAULT_RESPONSES_RETENTION = '30d';
const MAX_INPUT_ITEMS_PAGE = 100;
const DEFAULT_INPUT_ITEMS_PAGE = 20;
/** Events that carry the Response object, and those that end the stream with it. */
const RESPONSE_EVENTS: ReadonlySet<string> = new Set([
  'response.created',
  'response.in_progress',
  'response.queued',
  'response.completed',
  'response.incomplete',
  'response.failed',
]);
const FINAL_EVENTS: ReadonlySet<string> = new Set(['response.completed', 'response.incomplete', 'response.failed']);

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The OpenAI Responses API edge: `POST /v1/responses` (JSON or its typed event stream), `GET` and `DELETE
 * /v1/responses/{id}`, `GET /v1/responses/{id}/input_items`. A create is one governed call of the RESPONSES operation;
 * reads and deletes of stored responses go through the pipeline too (admitted, recorded), answered from Tollgate's
 * own store. Stored state belongs to the key that created it: another key's response reads as not found.
 */
@Injectable()
export class ResponsesService {
  private readonly logger = new Logger('Responses');
  private readonly streamLimit: ResponseSizeLimit | undefined;
  private readonly retentionMs: number;

  constructor(
    private readonly pipeline: CallPipeline,
    private readonly store: ResponsesRepository,
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
  ) {
    const maxResponseMb = config.general_settings.max_response_size_mb;
    this.streamLimit = maxResponseMb === undefined ? undefined : new ResponseSizeLimit(maxResponseMb);
    this.retentionMs = responsesRetentionMs(config);
  }

  async create(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const body = validateResponsesBody(request.body);
    const owner = ownerOf(request.auth);
    const context = await this.contextOf(body, owner);
    const streaming = body.stream === true;
    const edge = new EdgeCall(request, reply, {
      idPrefix: RESPONSES.idPrefix,
      input: { body, responses: context },
      model: body.model as string,
      streaming,
      sse: streaming ? responsesSse() : undefined,
    });
    await edge.serve(async () => {
      const outcome = await this.pipeline.run(RESPONSES, edge.request);
      const finished = (response: Json): Promise<void> => this.keep(response, body, context, owner, edge.request.headers['x-litellm-model-id'] ?? null);
      if (outcome.kind === 'json') {
        patchResponse(outcome.body, body);
        await finished(outcome.body);
        return outcome;
      }
      if (outcome.kind === 'stream') return { kind: 'stream', stream: watched(outcome.stream, body, finished) };
      return outcome;
    }, this.streamLimit);
  }

  retrieve(id: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const query = isRecord(request.query) ? request.query : {};
    if (query.stream === 'true') throw new BadRequestError('Streaming a stored response again is not supported; retrieve it as JSON.', 'stream');
    const owner = ownerOf(request.auth);
    return this.serveStored(GET_RESPONSE, request, reply, async () => {
      const stored = await this.store.find(id, owner);
      if (!stored) throw new ResponseNotFoundError(id);
      return jsonAnswer(stored.response, stored.model);
    });
  }

  delete(id: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const owner = ownerOf(request.auth);
    return this.serveStored(DELETE_RESPONSE, request, reply, async () => {
      if (!(await this.store.delete(id, owner))) throw new ResponseNotFoundError(id);
      return jsonAnswer({ id, object: 'response', deleted: true }, undefined);
    });
  }

  /** `limit` (1–100, default 20), `order` (`desc` default, or `asc`), `after` (an item id of the previous page). */
  inputItems(id: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const query = isRecord(request.query) ? request.query : {};
    const limit = query.limit === undefined ? DEFAULT_INPUT_ITEMS_PAGE : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_INPUT_ITEMS_PAGE) throw new BadRequestError(`'limit' must be an integer from 1 to ${MAX_INPUT_ITEMS_PAGE}.`, 'limit');
    const order = query.order ?? 'desc';
    if (order !== 'asc' && order !== 'desc') throw new BadRequestError("'order' must be 'asc' or 'desc'.", 'order');
    const after = typeof query.after === 'string' && query.after !== '' ? query.after : undefined;
    const owner = ownerOf(request.auth);
    return this.serveStored(LIST_RESPONSE_INPUT_ITEMS, request, reply, async () => {
      const stored = await this.store.find(id, owner);
      if (!stored) throw new ResponseNotFoundError(id);
      const items = listedInputItems(stored.id, stored.inputItems);
      if (order === 'desc') items.reverse();
      const start = after === undefined ? 0 : items.findIndex((item) => item.id === after) + 1;
      if (after !== undefined && start === 0) throw new BadRequestError(`No input item with id '${after.slice(0, 128)}' in this response.`, 'after');
      const page = items.slice(start, start + limit);
      return jsonAnswer(
        { object: 'list', data: page, first_id: page[0]?.id ?? null, last_id: page[page.length - 1]?.id ?? null, has_more: start + limit < items.length },
        stored.model,
      );
    });
  }

  /** A read or delete of the store as one governed call: admitted (limits, budgets), then answered, then recorded. */
  private async serveStored(operation: Operation, request: FastifyRequest, reply: FastifyReply, answer: () => Promise<ProviderAnswer>): Promise<void> {
    const target: FixedTarget = { id: 'tollgate-responses-store', apiBase: '', provider: 'tollgate', invoke: answer };
    const edge = new EdgeCall(request, reply, { idPrefix: operation.idPrefix, input: { body: {} }, model: undefined, target });
    await edge.serve(() => this.pipeline.run(operation, edge.request));
  }

  /**
   * The stored state a create continues from: its `previous_response_id` chain and the items its `item_reference`s
   * name, all the caller's own. @throws ResponseNotFoundError (404), BadRequestError for an unknown item.
   */
  private async contextOf(body: Json, owner: string): Promise<ResponsesContext> {
    let history: StoredTurn[] = [];
    if (typeof body.previous_response_id === 'string') {
      const chain = await this.store.chain(body.previous_response_id, owner);
      if (chain.length === 0) throw new ResponseNotFoundError(body.previous_response_id, 'previous_response_id');
      history = chain.map((turn) => ({ input: turn.inputItems, output: turn.output, deploymentId: turn.deploymentId }));
    }
    const wanted = Array.isArray(body.input) ? body.input.filter((item): item is Json => isRecord(item) && item.type === 'item_reference').map((item) => item.id as string) : [];
    const references = new Map<string, ReferencedItem>();
    if (wanted.length > 0) {
      for (const row of await this.store.holding(owner, wanted)) {
        // An input item's id may be one Tollgate derived: it is the item as stored that goes on, and only an output
        // item's id means something to the deployment that produced it.
        row.inputItems.forEach((item, index) => references.set(listedItemId(row.id, item, index), { item, deploymentId: null }));
        for (const item of row.output) if (typeof item.id === 'string') references.set(item.id, { item, deploymentId: row.deploymentId });
      }
      const missing = wanted.find((id) => !references.has(id));
      if (missing !== undefined) throw new BadRequestError(`Item with id '${missing.slice(0, 128)}' not found.`, 'input');
    }
    return { history, references };
  }

  /** Stores a finished response for its owner unless the request said `store: false`. */
  private async keep(response: Json, body: Json, context: ResponsesContext, owner: string, deploymentId: string | null): Promise<void> {
    if (body.store === false || typeof response.id !== 'string') return;
    const inputItems = inputItemsOf(body).map((item) => (item.type === 'item_reference' ? (context.references.get(item.id as string)?.item ?? item) : item));
    const output = Array.isArray(response.output) ? response.output.filter(isRecord) : [];
    const itemIds = [
      ...listedInputItems(response.id, inputItems).map((item) => item.id as string),
      ...output.map((item) => item.id).filter((id): id is string => typeof id === 'string'),
    ];
    try {
      await this.store.insert({
        id: response.id,
        owner,
        model: String(body.model),
        deploymentId,
        previousResponseId: typeof body.previous_response_id === 'string' ? body.previous_response_id : null,
        inputItems,
        response,
        itemIds,
        expiresAt: new Date(Date.now() + this.retentionMs),
      });
    } catch (error) {
      // The caller has its answer; only later reads and continuations of this response will miss it.
      this.logger.error(`response ${response.id} could not be stored: ${error instanceof Error ? error.name : typeof error}`);
    }
  }
}

/** `general_settings.responses_retention_period`, default 30 days. */
export function responsesRetentionMs(config: TollgateConfig): number {
  return parseDuration(config.general_settings.responses_retention_period ?? DEFAULT_RESPONSES_RETENTION) ?? parseDuration(DEFAULT_RESPONSES_RETENTION)!;
}

/** Whose responses a caller sees: its key (stable across rotation), else the key it presented (the master key). */
export function ownerOf(auth: AuthContext | null): string {
  if (auth?.key) return `key:${auth.key.id}`;
  if (auth?.apiKeyHash) return `hash:${auth.apiKeyHash}`;
  return 'open';
}

function jsonAnswer(body: Json, model: string | undefined): ProviderAnswer {
  return { kind: 'raw', status: 200, contentType: 'application/json', payload: JSON.stringify(body), headers: {}, usage: null, providerResponseId: null, model };
}

/** What the upstream could not know: the request continued a stored response (it was sent the turns instead). */
function patchResponse(response: Json, body: Json): void {
  if (typeof body.previous_response_id === 'string') response.previous_response_id = body.previous_response_id;
}

/**
 * The stream as the client reads it, with the Response object of the events that carry it patched, and the final
 * one stored before its event is sent, so a client that continues right after `response.completed` finds it.
 */
function watched(stream: CallStream, body: Json, finished: (response: Json) => Promise<void>): CallStream {
  const continues = typeof body.previous_response_id === 'string';
  async function* batches(): AsyncGenerator<string[]> {
    for await (const batch of stream.batches) {
      for (let i = 0; i < batch.length; i++) {
        const type = responsesEventType(batch[i]);
        if (type === undefined || !RESPONSE_EVENTS.has(type)) continue;
        const final = FINAL_EVENTS.has(type);
        if (!continues && !final) continue;
        const event = JSON.parse(batch[i]) as { response?: unknown };
        if (!isRecord(event.response)) continue;
        patchResponse(event.response, body);
        batch[i] = JSON.stringify(event);
        if (final) await finished(event.response);
      }
      yield batch;
    }
  }
  return { batches: batches(), stop: (reason) => stream.stop(reason) };
}

/**
 * The Responses API's SSE framing: `event: <type>` before each `data:` line, no `[DONE]`. An error that ends the
 * stream becomes an `error` event that carries the error envelope too, so the OpenAI SDK (which reads `error`) and
 * the Vercel AI SDK (which reads `type: error`) both raise it.
 */
export function responsesSse(): SseFraming {
  let frames = 0;
  return {
    done: '',
    event(data: string): string {
      frames++;
      const type = responsesEventType(data);
      return type === undefined ? `data: ${data}\n\n` : `event: ${type}\ndata: ${data}\n\n`;
    },
    error(rendered: RenderedError): string {
      frames++;
      const envelope = rendered.body.error;
      const event = {
        type: 'error',
        sequence_number: frames - 1,
        code: envelope.code ?? null,
        message: envelope.message ?? 'error',
        param: envelope.param ?? null,
        error: envelope,
      };
      return `event: error\ndata: ${JSON.stringify(event)}\n\n`;
    },
  };
}

/**
 * A stored response's input as the API lists it: each item with an id (the client's, else one derived from the
 * response id and the item's place, so pages and `item_reference`s stay stable), messages with content parts.
 */
export function listedInputItems(responseId: string, items: readonly Json[]): Json[] {
  return items.map((item, index) => {
    const type = item.type ?? (typeof item.role === 'string' ? 'message' : 'item');
    const id = listedItemId(responseId, item, index);
    if (type !== 'message') return { ...item, id };
    const role = item.role;
    const content =
      typeof item.content === 'string'
        ? [{ type: role === 'assistant' ? 'output_text' : 'input_text', text: item.content, ...(role === 'assistant' ? { annotations: [] } : {}) }]
        : item.content;
    return { ...item, type: 'message', id, role, status: item.status ?? 'completed', content };
  });
}

/** An input item's id: the client's, else derived from the response id and the item's place. */
function listedItemId(responseId: string, item: Json, index: number): string {
  if (typeof item.id === 'string') return item.id;
  const type = item.type ?? (typeof item.role === 'string' ? 'message' : 'item');
  const prefix = type === 'message' ? 'msg' : type === 'function_call_output' ? 'fco' : 'item';
  return `${prefix}_${createHash('sha256').update(`${responseId}:${index}`).digest('hex').slice(0, 40)}`;
}

const STRING_OR_NULL = ['instructions', 'previous_response_id', 'user'] as const;

/**
 * The checks the edge itself depends on; the provider validates the rest (OpenAI's own messages come back).
 * @throws BadRequestError naming the field.
 */
export function validateResponsesBody(raw: unknown): Json {
  if (!isRecord(raw)) throw new BadRequestError('Request body must be a JSON object.');
  const body = raw;
  if (typeof body.model !== 'string' || body.model === '') throw new BadRequestError("Missing required parameter: 'model'.", 'model');
  for (const field of STRING_OR_NULL) if (body[field] === null) delete body[field];
  for (const field of STRING_OR_NULL) if (body[field] !== undefined && typeof body[field] !== 'string') throw new BadRequestError(`'${field}' must be a string.`, field);
  const input = body.input;
  if (input === undefined || input === null) {
    if (body.previous_response_id === undefined && body.instructions === undefined) throw new BadRequestError("Missing required parameter: 'input'.", 'input');
    delete body.input;
  } else if (Array.isArray(input)) {
    input.forEach((item, i) => {
      if (!isRecord(item)) throw new BadRequestError(`Invalid 'input[${i}]': expected an object.`, `input[${i}]`);
      if (item.type === 'item_reference' && (typeof item.id !== 'string' || item.id === '')) throw new BadRequestError(`'input[${i}].id' must be an item id.`, `input[${i}].id`);
    });
  } else if (typeof input !== 'string') throw new BadRequestError("'input' must be a string or a list of items.", 'input');
  for (const field of ['stream', 'store', 'parallel_tool_calls'] as const) {
    if (body[field] !== undefined && body[field] !== null && typeof body[field] !== 'boolean') throw new BadRequestError(`'${field}' must be a boolean.`, field);
  }
  if (body.tools !== undefined && body.tools !== null && !Array.isArray(body.tools)) throw new BadRequestError("'tools' must be a list.", 'tools');
  if (body.background === true)
    throw new BadRequestError("Background responses ('background': true) are not supported by this gateway; create the response in the foreground.", 'background');
  if (body.conversation !== undefined && body.conversation !== null)
    throw new BadRequestError("The Conversations API ('conversation') is not supported by this gateway; continue with 'previous_response_id'.", 'conversation');
  if (body.metadata !== undefined && body.metadata !== null) validateMetadata(body.metadata, 'metadata');
  return body;
}
