import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BadRequestError } from '../common/errors/http-errors';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { CallPipeline } from '../pipeline/call-pipeline.service';
import { CREATE_FILE, FILE_REQUEST, IMAGE_GENERATION, MODERATION, RERANK, SPEECH, TRANSCRIPTION, type CallInput, type Operation } from '../pipeline/operations';
import type { MultipartUpload } from '../routing/providers/media.types';
import { decodeMultipart } from '../routing/providers/multipart';
import { EdgeCall } from './edge-call';
import { validateLiteLlmFields } from './request-validation';

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
   * `POST /v1/files`. The deployment is the one named by a `model` (or LiteLLM's `target_model_names`) form field,
   * else the first OpenAI or Azure deployment configured.
   */
  async createFile(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const upload = await multipartBody(request, undefined, false);
    const model = upload.fields.model || upload.fields.target_model_names?.split(',')[0]?.trim() || this.defaultFilesModel();
    return this.serve(CREATE_FILE, request, reply, model, { body: upload.fields, upload });
  }

  /** `GET/DELETE /v1/files[/{id}[/content]]`, on the deployment `?model=` names (default as for uploads). */
  fileRequest(method: 'GET' | 'DELETE', path: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const model = typeof query.model === 'string' && query.model !== '' ? query.model : this.defaultFilesModel();
    const forwardedQuery = new URLSearchParams();
    for (const name of ['purpose', 'limit', 'after', 'order']) if (typeof query[name] === 'string') forwardedQuery.set(name, query[name] as string);
    const fullPath = forwardedQuery.size ? `${path}${path.includes('?') ? '&' : '?'}${forwardedQuery}` : path;
    return this.serve(FILE_REQUEST, request, reply, model, { body: {}, fileRequest: { method, path: fullPath } });
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

  private defaultFilesModel(): string {
    return this.defaultModel((_name, upstream) => /^(openai|azure)\//.test(upstream) || !upstream.includes('/'), 'files');
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
