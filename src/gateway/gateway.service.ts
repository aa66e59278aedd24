import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import type { VirtualKeyRecord } from '../common/access/virtual-key';
import { CallPipeline, isUsable } from '../pipeline/call-pipeline.service';
import { accessGroupsFor, resolveModelForKey } from '../auth/model-access';
import { CHAT, COMPLETION, EMBEDDING, type Operation } from '../pipeline/operations';
import { ModelRegistry } from '../routing/model-registry.service';
import type { ChatCompletionRequest, LlmOperation } from '../routing/openai.types';
import { ResponseSizeLimit } from '../routing/response-size-limit';
import { TeamDirectory } from '../teams/team-directory.service';
import { EdgeCall } from './edge-call';
import { validateLlmBody } from './request-validation';

const OPERATIONS: Record<LlmOperation, Operation> = { chat: CHAT, completion: COMPLETION, embedding: EMBEDDING };

/**
 * The OpenAI-compatible edge for chat, completions and embeddings: validates the wire format, hands the call to
 * the one call pipeline, and renders its answer as JSON or server-sent events with LiteLLM's headers.
 */
@Injectable()
export class GatewayService {
  /** `max_response_size_mb` for streams, counted on what is relayed to the client. */
  private readonly streamLimit: ResponseSizeLimit | undefined;

  constructor(
    private readonly pipeline: CallPipeline,
    private readonly models: ModelRegistry,
    private readonly directory: TeamDirectory,
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
  ) {
    const maxResponseMb = config.general_settings.max_response_size_mb;
    this.streamLimit = maxResponseMb === undefined ? undefined : new ResponseSizeLimit(maxResponseMb);
  }

  /**
   * `GET /v1/models`: the model groups the caller may use, in OpenAI's list format. A key with a model
   * list sees those groups and its aliases, never the rest of the catalogue. `onlyAccessGroups` lists the model
   * access groups the caller may use instead, `includeAccessGroups` adds them (LiteLLM's query parameters).
   */
  async listModels(key: VirtualKeyRecord | undefined, options: { onlyAccessGroups?: boolean; includeAccessGroups?: boolean } = {}): Promise<{ object: 'list'; data: ModelCard[] }> {
    const team = key?.teamId ? await this.directory.findTeam(key.teamId) : null;
    const groups = this.models.accessGroups();
    const accessGroups = options.onlyAccessGroups || options.includeAccessGroups ? accessGroupsFor(key, team, groups) : [];
    if (options.onlyAccessGroups) return { object: 'list', data: accessGroups.map((id) => modelCard(id)) };
    const names = this.models.modelNames();
    const visible = key ? names.filter((name) => isUsable(key, name, team, groups)) : names;
    const aliases = key ? [...Object.keys(key.aliases), ...Object.keys(team?.modelAliases ?? {})].filter((alias) => isUsable(key, alias, team, groups)) : [];
    return { object: 'list', data: [...new Set([...visible, ...aliases, ...accessGroups])].map((id) => modelCard(id)) };
  }

  /** @throws UnknownModelError, or ModelNotAllowedError for a model outside the key's list. */
  async retrieveModel(id: string, key: VirtualKeyRecord | undefined): Promise<ModelCard> {
    const team = key?.teamId ? await this.directory.findTeam(key.teamId) : null;
    this.models.pick(resolveModelForKey(key, id, undefined, team, this.models.accessGroups()));
    return modelCard(id);
  }

  async handle(operation: LlmOperation, request: FastifyRequest, reply: FastifyReply, pathModel?: string): Promise<void> {
    const body = validateLlmBody(request.body, operation, pathModel) as unknown as Record<string, unknown>;
    const descriptor = OPERATIONS[operation];
    const streaming = descriptor.streams && body.stream === true;
    const edge = new EdgeCall(request, reply, {
      idPrefix: descriptor.idPrefix,
      input: { body },
      model: typeof body.model === 'string' ? body.model : undefined,
      streaming,
      includeUsage: (body as ChatCompletionRequest).stream_options?.include_usage === true,
    });
    await edge.serve(() => this.pipeline.run(descriptor, edge.request), this.streamLimit);
  }
}

interface ModelCard {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
}

/** LiteLLM's values, kept so clients that compare them see no difference. */
function modelCard(id: string): ModelCard {
  return { id, object: 'model', created: 1677610602, owned_by: 'openai' };
}
