import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BadRequestError, NotFoundError } from '../common/errors/http-errors';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { CallPipeline } from '../pipeline/call-pipeline.service';
import { CREATE_FILE, FILE_REQUEST, IMAGE_GENERATION, MODERATION, RERANK, SPEECH, TRANSCRIPTION, type CallInput, type Operation } from '../pipeline/operations';
import type { MultipartUpload } from '../routing/providers/media.types';
import { decodeMultipart } from '../routing/providers/multipart';
import type { CallOutcome } from '../pipeline/call';
import { EdgeCall } from './edge-call';
import { validateLiteLlmFields } from './request-validation';
import { LlmObjectOwnersRepository } from './ownership/llm-object-owners.repository';

/**
 * The OpenAI-compatible routes beyond chat, completions and embeddings: images, audio, moderations, rerank and
 * files. Each reads its wire format (JSON or a multipart upload) and hands the call to the one call pipeline, so
 * model access, guardrails on the text it carries, limits, budgets, routing and the spend row are those of chat.
 */
@Injectable()
export class MediaService implements OnModuleInit {
  constructor(
    private readonly pipeline: CallPipeline,
    private readonly adapterHost: HttpAdapterHost,
    @Inject(TOLLGATE_CONFIG) private readonly config: TollgateConfig,
    private readonly owners: LlmObjectOwnersRepository,
  ) {}

  /**
   * Multipart bodies (audio, files) are read whole as bytes, under the same `bodyLimit` as JSON bodies, so
   * `max_request_size_mb` caps uploads too; parsing happens in the handler.
   */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify && !fastify.hasContentTypeParser('multipart/form-data')) {
      fastify.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    }
  }

  imageGeneration(request: FastifyRequest, reply: FastifyReply, pathModel?: string): Promise<void> {
    const body = jsonBody(request, pathModel, ['prompt']);
    return this.serve(IMAGE_GENERATION, request, reply, body.model as string, { body });
  }

  speech(request: FastifyRequest, reply: FastifyReply, pathModel?: string): Promise<void> {
    const body = jsonBody(request, pathModel, ['input', 'voice']);
    return this.serve(SPEECH, request, reply, body.model as string, { body });
  }

  async transcription(request: FastifyRequest, reply: FastifyReply, pathModel?: string): Promise<void> {
    const upload = await multipartBody(request, pathModel);
    return this.serve(TRANSCRIPTION, request, reply, upload.fields.model, { body: upload.fields, upload });
  }

  /** `model` is optional, as in OpenAI's API: without one, the first configured moderation model answers. */
  moderation(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const body = jsonBody(request, undefined, ['input'], false);
    const model = typeof body.model === 'string' && body.model !== '' ? body.model : this.defaultModel((name, upstream) => /moderation/.test(`${name} ${upstream}`), 'moderations');
    body.model = model;
    return this.serve(MODERATION, request, reply, model, { body });
  }

  rerank(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const body = jsonBody(request, undefined, ['query', 'documents']);
    if (!Array.isArray(body.documents)) throw new BadRequestError("'documents' must be a list.", 'documents');
    return this.serve(RERANK, request, reply, body.model as string, { body });
  }

  /**
   * `POST /v1/files`. The deployment is the one named by a `model` (or LiteLLM's `target_model_names`) form field or
   * a `?model=` query, else the first OpenAI or Azure deployment configured. The file is filed under the caller: only it sees it.
   */
  async createFile(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const upload = await multipartBody(request, undefined, false);
    const model = upload.fields.model || upload.fields.target_model_names?.split(',')[0]?.trim() || this.modelOf(request) || this.defaultFilesModel();
    const edge = new EdgeCall(request, reply, { idPrefix: CREATE_FILE.idPrefix, input: { body: upload.fields, upload }, model });
    await edge.serve(async () => {
      const outcome = await this.pipeline.run(CREATE_FILE, edge.request);
      const id = objectIdOf(outcome);
      if (id) await this.owners.record('file', id, request.auth, model);
      return outcome;
    });
  }

  /**
   * `GET/DELETE /v1/files/{id}[/content]` of the caller's own files (someone else's is a 404, as an unknown one is),
   * on the deployment that holds it unless `?model=` names another.
   */
  async fileRequest(method: 'GET' | 'DELETE', fileId: string, content: boolean, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const owned = await this.owners.findOwned('file', fileId, request.auth);
    const model = this.modelOf(request) ?? owned?.model ?? this.defaultFilesModel();
    const path = `files/${encodeURIComponent(fileId)}${content ? '/content' : ''}`;
    const precondition = (): void => {
      if (!owned) throw new NotFoundError(`No such File object: ${fileId}`);
    };
    const edge = new EdgeCall(request, reply, { idPrefix: FILE_REQUEST.idPrefix, input: { body: {}, fileRequest: { method, path }, precondition }, model });
    await edge.serve(async () => {
      const outcome = await this.pipeline.run(FILE_REQUEST, edge.request);
      if (method === 'DELETE') await this.owners.forget('file', fileId);
      return outcome;
    });
  }

  /** `GET /v1/files` on the deployment `?model=` names (default as for uploads), showing the caller's files only. */
  async listFiles(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const model = this.modelOf(request) ?? this.defaultFilesModel();
    const forwardedQuery = new URLSearchParams();
    for (const name of ['purpose', 'limit', 'after', 'order']) if (typeof query[name] === 'string') forwardedQuery.set(name, query[name] as string);
    const path = forwardedQuery.size ? `files?${forwardedQuery}` : 'files';
    const edge = new EdgeCall(request, reply, { idPrefix: FILE_REQUEST.idPrefix, input: { body: {}, fileRequest: { method: 'GET', path } }, model });
    await edge.serve(async () => ownedOnly(await this.pipeline.run(FILE_REQUEST, edge.request), (ids) => this.owners.ownedAmong('file', ids, request.auth)));
  }

  private modelOf(request: FastifyRequest): string | undefined {
    const query = (request.query ?? {}) as Record<string, unknown>;
    return typeof query.model === 'string' && query.model !== '' ? query.model : undefined;
  }

  private async serve(operation: Operation, request: FastifyRequest, reply: FastifyReply, model: string | undefined, input: CallInput): Promise<void> {
    const edge = new EdgeCall(request, reply, { idPrefix: operation.idPrefix, input, model });
    await edge.serve(() => this.pipeline.run(operation, edge.request));
  }

  private defaultModel(matches: (name: string, upstream: string) => boolean, operation: string): string {
    const name = this.config.model_list.find((entry) => matches(entry.model_name, entry.litellm_params.model))?.model_name;
    if (!name) throw new BadRequestError(`No model given and no ${operation} model configured: pass 'model'.`, 'model');
    return name;
  }

  /** The first OpenAI or Azure deployment: where files (and batches) go when the request names no model. */
  defaultFilesModel(): string {
    return this.defaultModel((_name, upstream) => /^(openai|azure)\//.test(upstream) || !upstream.includes('/'), 'files');
  }
}

/** The `id` of the provider object a JSON outcome describes (a file, a batch). */
export function objectIdOf(outcome: CallOutcome): string | undefined {
  const body = jsonOf(outcome);
  return typeof body?.id === 'string' ? body.id : undefined;
}

/** A JSON outcome's body, parsed (relayed file and batch objects are raw bytes). */
export function jsonOf(outcome: CallOutcome): Record<string, unknown> | undefined {
  if (outcome.kind === 'json') return outcome.body;
  if (outcome.kind !== 'raw' || !Buffer.isBuffer(outcome.payload) || !outcome.contentType.includes('json')) return undefined;
  try {
    const parsed: unknown = JSON.parse(outcome.payload.toString('utf8'));
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A provider's list (`{object: 'list', data: [...]}`) cut to the caller's own objects: the provider's account is
 * shared by every key, its list is not. The provider's cursors are kept, so `after` pages on as before.
 */
export async function ownedOnly(outcome: CallOutcome, owned: (ids: string[]) => Promise<Set<string>>): Promise<CallOutcome> {
  const body = jsonOf(outcome);
  if (!body || !Array.isArray(body.data) || outcome.kind !== 'raw') return outcome;
  const items = body.data.filter(isRecord);
  const mine = await owned(items.map((item) => item.id).filter((id): id is string => typeof id === 'string'));
  const data = items.filter((item) => typeof item.id === 'string' && mine.has(item.id));
  return { ...outcome, payload: Buffer.from(JSON.stringify('first_id' in body ? { ...body, data, first_id: data[0]?.id ?? null } : { ...body, data })) };
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
  validateLiteLlmFields(body);
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
