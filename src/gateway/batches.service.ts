import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BadRequestError, NotFoundError } from '../common/errors/http-errors';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import type { CallOutcome } from '../pipeline/call';
import { CallPipeline } from '../pipeline/call-pipeline.service';
import { BATCH_REQUEST, BATCH_USAGE, CREATE_BATCH, FILE_REQUEST, tokenUsageOf } from '../pipeline/operations';
import type { Usage } from '../routing/openai.types';
import type { JsonObject } from '../routing/providers/media.types';
import { EdgeCall } from './edge-call';
import { MediaService, jsonOf, objectIdOf, ownedOnly } from './media.service';
import type { LlmObjectOwnerEntity } from './ownership/llm-object-owner.entity';
import { LlmObjectOwnersRepository } from './ownership/llm-object-owners.repository';

/** The batch fields OpenAI and Azure accept; LiteLLM's routing fields (`model`, `target_model_names` …) stay here. */
const BATCH_FIELDS = ['input_file_id', 'endpoint', 'completion_window', 'metadata', 'output_expires_after'] as const;

/**
 * The Batch API (`/v1/batches`) on OpenAI and Azure deployments, through the one call pipeline. Batches and their
 * input files belong to the key that created them (others get a 404). A batch's spend is known only when it is
 * done: the first retrieve that sees it `completed` reads the usage of every line of its output file, prices it at
 * batch rates and charges it once, to the key and team that created it, as one spend row (call_type `batch`).
 */
@Injectable()
export class BatchesService {
  private readonly logger = new Logger('Batches');

  constructor(
    private readonly pipeline: CallPipeline,
    private readonly owners: LlmObjectOwnersRepository,
    private readonly media: MediaService,
    @Inject(TOLLGATE_CONFIG) private readonly config: TollgateConfig,
  ) {}

  async create(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const body = request.body;
    if (!isRecord(body)) throw new BadRequestError('Request body must be a JSON object.');
    for (const field of ['input_file_id', 'endpoint', 'completion_window'] as const) {
      if (typeof body[field] !== 'string' || body[field] === '') throw new BadRequestError(`Missing required parameter: '${field}'.`, field);
    }
    const inputFileId = body.input_file_id as string;
    const file = await this.owners.findOwned('file', inputFileId, request.auth);
    const model = this.requestedModel(request, body) ?? file?.model ?? this.media.defaultFilesModel();
    const batch: JsonObject = {};
    for (const field of BATCH_FIELDS) if (body[field] !== undefined && body[field] !== null) batch[field] = body[field] as JsonObject[string];
    const precondition = (): void => {
      if (!file) throw new NotFoundError(`No such File object: ${inputFileId}`);
    };
    // The request's own body goes to the pipeline (its `user`, `metadata`, tags); the provider gets `batch` only.
    const input = { body, batchRequest: { method: 'POST' as const, path: 'batches', body: batch }, precondition };
    const edge = new EdgeCall(request, reply, { idPrefix: CREATE_BATCH.idPrefix, input, model });
    await edge.serve(async () => {
      const outcome = await this.pipeline.run(CREATE_BATCH, edge.request);
      const id = objectIdOf(outcome);
      if (id) await this.owners.record('batch', id, request.auth, model);
      return outcome;
    });
  }

  async retrieve(batchId: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const owned = await this.owners.findOwned('batch', batchId, request.auth);
    const edge = this.edge(request, reply, owned, batchId, 'GET', `batches/${encodeURIComponent(batchId)}`);
    await edge.serve(async () => {
      const outcome = await this.pipeline.run(BATCH_REQUEST, edge.request);
      if (owned && owned.chargedAt === null) await this.chargeIfCompleted(edge, owned, outcome);
      return outcome;
    });
  }

  async cancel(batchId: string, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const owned = await this.owners.findOwned('batch', batchId, request.auth);
    const edge = this.edge(request, reply, owned, batchId, 'POST', `batches/${encodeURIComponent(batchId)}/cancel`);
    await edge.serve(() => this.pipeline.run(BATCH_REQUEST, edge.request));
  }

  /** The caller's own batches among the provider's page (`limit`, `after` passed on). */
  async list(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const model = this.requestedModel(request, {}) ?? this.media.defaultFilesModel();
    const forwarded = new URLSearchParams();
    for (const name of ['limit', 'after']) if (typeof query[name] === 'string') forwarded.set(name, query[name] as string);
    const edge = new EdgeCall(request, reply, {
      idPrefix: BATCH_REQUEST.idPrefix,
      input: { body: {}, batchRequest: { method: 'GET', path: forwarded.size ? `batches?${forwarded}` : 'batches' } },
      model,
    });
    await edge.serve(async () => ownedOnly(await this.pipeline.run(BATCH_REQUEST, edge.request), (ids) => this.owners.ownedAmong('batch', ids, request.auth)));
  }

  /** A request on one batch: on the deployment that holds it; someone else's (or an unknown) batch is a 404. */
  private edge(request: FastifyRequest, reply: FastifyReply, owned: LlmObjectOwnerEntity | null, batchId: string, method: 'GET' | 'POST', path: string): EdgeCall {
    const model = owned?.model ?? this.requestedModel(request, {}) ?? this.media.defaultFilesModel();
    const precondition = (): void => {
      if (!owned) throw new NotFoundError(`No batch found with id '${batchId}'.`);
    };
    return new EdgeCall(request, reply, { idPrefix: BATCH_REQUEST.idPrefix, input: { body: {}, batchRequest: { method, path }, precondition }, model });
  }

  /**
   * `model` in the body or query, LiteLLM's `target_model_names`, or its `custom_llm_provider` (`openai`, `azure`:
   * the first deployment of that provider).
   */
  private requestedModel(request: FastifyRequest, body: Record<string, unknown>): string | undefined {
    const query = (request.query ?? {}) as Record<string, unknown>;
    const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
    const named = text(body.model) ?? text(query.model) ?? text(body.target_model_names)?.split(',')[0]?.trim() ?? text(query.target_model_names)?.split(',')[0]?.trim();
    if (named) return named;
    const provider = text(body.custom_llm_provider) ?? text(query.custom_llm_provider);
    if (!provider) return undefined;
    const entry = this.config.model_list.find((deployment) => deployment.litellm_params.model.startsWith(`${provider}/`));
    if (!entry) throw new BadRequestError(`No ${provider} deployment is configured for batches.`, 'custom_llm_provider');
    return entry.model_name;
  }

  /**
   * A completed batch's usage, read from its output file and charged once. A failure here (the output file not
   * readable yet) leaves the batch uncharged for the next retrieve; the retrieve itself still answers.
   */
  private async chargeIfCompleted(edge: EdgeCall, owned: LlmObjectOwnerEntity, outcome: CallOutcome): Promise<void> {
    const batch = jsonOf(outcome);
    if (batch?.status !== 'completed' || typeof batch.output_file_id !== 'string') return;
    try {
      const fileRead = edge.subCall(
        `${FILE_REQUEST.idPrefix}${owned.objectId}-output`,
        { body: {}, fileRequest: { method: 'GET', path: `files/${encodeURIComponent(batch.output_file_id)}/content` } },
        owned.model,
      );
      const content = await this.pipeline.run(FILE_REQUEST, fileRead);
      const usage = outputUsage(content);
      const charge = edge.subCall(owned.objectId, { body: {} }, owned.model);
      await this.pipeline.chargeOnce(BATCH_USAGE, charge, {
        usage,
        model: owned.model,
        providerResponseId: owned.objectId,
        batchPricing: true,
        claim: () => this.owners.claimCharge(owned.objectId),
        unclaim: () => this.owners.releaseCharge(owned.objectId),
      });
    } catch (error) {
      this.logger.warn(`batch ${owned.objectId} not charged yet: ${error instanceof Error ? error.name : typeof error}`);
    }
  }
}

/** The usage of every line of a batch output file (JSONL: `{custom_id, response: {body: {usage}}}`), summed. */
export function outputUsage(content: CallOutcome): Usage {
  const total: Usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  if (content.kind !== 'raw' || !Buffer.isBuffer(content.payload)) return total;
  for (const line of content.payload.toString('utf8').split('\n')) {
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      continue;
    }
    const response = isRecord(parsed) && isRecord(parsed.response) ? parsed.response : undefined;
    const usage = tokenUsageOf(response && isRecord(response.body) ? response.body.usage : undefined);
    if (!usage) continue;
    total.prompt_tokens += usage.prompt_tokens;
    total.completion_tokens += usage.completion_tokens;
    total.total_tokens += usage.total_tokens;
  }
  return total;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
