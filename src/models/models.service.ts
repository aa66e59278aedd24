import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy, Optional } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import { randomUUID } from 'node:crypto';
import { AuditLogService } from '../audit/audit-log.service';
import type { AuthContext } from '../common/access/caller';
import { BadRequestError, NotFoundError } from '../common/errors/http-errors';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import { ModelDeploymentDto } from '../config/config.schema';
import type { LitellmParams, ModelDeploymentConfig, ModelInfo, TollgateConfig } from '../config/config.types';
import type { VirtualKeyRecord } from '../common/access/virtual-key';
import { resolveModelForKey, type AccessGroups } from '../auth/model-access';
import { CAPABILITY_FLAGS, type CapabilityFlag } from '../catalog/price-catalog';
import { PricingService } from '../catalog/pricing.service';
import { ModelRegistry, splitProviderModel, type RegisteredModel } from '../routing/model-registry.service';
import type { TeamRecord } from '../teams/team';
import { UnitOfWork } from '../database/unit-of-work';
import { INVALIDATION_BUS, InvalidationTopic, type InvalidationBus } from '../store/invalidation-bus';
import { CredentialCipher, withoutCredentials } from './credential-cipher';
import { ModelsRepository } from './models.repository';
import type { ProxyModelEntity } from './proxy-model.entity';

/** How often an instance looks for models another instance added, changed or deleted, with no invalidation bus. */
export const MODEL_POLL_INTERVAL_MS = 10_000;
/**
 * With a bus (Redis pub/sub, PostgreSQL NOTIFY) every change reaches the other instances at once; the poll only
 * backs it up (a database edited by hand, a message lost in a way no reconnection revealed).
 */
const MODEL_BACKSTOP_POLL_MS = 5 * 60_000;

export interface ModelInfoEntry {
  model_name: string;
  litellm_params: Record<string, unknown>;
  model_info: Record<string, unknown>;
}

export interface ModelGroupInfo {
  model_group: string;
  providers: string[];
  max_input_tokens: number | null;
  max_output_tokens: number | null;
  input_cost_per_token: number | null;
  output_cost_per_token: number | null;
  mode: string | null;
  tpm: number | null;
  rpm: number | null;
  supported_openai_params: string[] | null;
  supports_function_calling: boolean;
  supports_parallel_function_calling: boolean;
  supports_tool_choice: boolean;
  supports_vision: boolean;
  supports_response_schema: boolean;
  supports_system_messages: boolean;
  supports_prompt_caching: boolean;
  supports_audio_input: boolean;
  supports_audio_output: boolean;
  supports_reasoning: boolean;
  supports_web_search: boolean;
}

export interface StoredModelView extends ModelInfoEntry {
  model_id: string;
  created_at: string;
  updated_at: string;
  created_by: string | null;
  updated_by: string | null;
}

export interface ModelChangeBody {
  model_name?: unknown;
  litellm_params?: unknown;
  model_info?: unknown;
  id?: unknown;
  model_id?: unknown;
}

const CHAT_PARAMS = [
  'frequency_penalty',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'max_tokens',
  'max_completion_tokens',
  'n',
  'presence_penalty',
  'response_format',
  'seed',
  'stop',
  'stream',
  'stream_options',
  'temperature',
  'top_p',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'user',
];

/**
 * Model management: `/model/new|update|delete` store deployments in the database (credentials encrypted)
 * when `general_settings.store_model_in_db` is on, apply them to this instance's registry at once and
 * tell the other instances over the invalidation bus (which reload them from the database at once). Every change goes through createModel / updateModel /
 * deleteModel, so recording each one (audit) is one call in each.
 */
@Injectable()
export class ModelsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Models');
  private readonly storeInDb: boolean;
  private readonly cipher?: CredentialCipher;
  private timer?: NodeJS.Timeout;
  private fingerprint = '';

  constructor(
    private readonly repository: ModelsRepository,
    private readonly registry: ModelRegistry,
    private readonly pricing: PricingService,
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
    private readonly audit: AuditLogService,
    @Optional() @Inject(INVALIDATION_BUS) private readonly bus?: InvalidationBus,
    @Optional() private readonly db?: UnitOfWork,
  ) {
    this.storeInDb = config.general_settings.store_model_in_db === true;
    if (this.storeInDb) {
      const reload = (): void =>
        void this.refresh().catch((error: unknown) => this.logger.error(`stored models not refreshed: ${error instanceof Error ? error.name : typeof error}`));
      bus?.subscribe(InvalidationTopic.models, reload);
      bus?.onResync(reload);
    }
    const secret = config.saltKey ?? config.masterKey;
    this.cipher = secret ? new CredentialCipher(secret) : undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.storeInDb) return;
    await this.refresh();
    this.timer = setInterval(
      () => {
        this.refresh().catch((error: unknown) => this.logger.error(`stored models not refreshed: ${error instanceof Error ? error.name : typeof error}`));
      },
      this.bus && this.bus.kind !== 'local' ? MODEL_BACKSTOP_POLL_MS : MODEL_POLL_INTERVAL_MS,
    );
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Loads the stored models and swaps them into the registry when anything changed since the last look. */
  async refresh(): Promise<void> {
    const rows = await this.repository.list();
    const fingerprint = rows.map((row) => `${row.modelId}@${row.updatedAt.getTime()}`).join(',');
    if (fingerprint === this.fingerprint) return;
    const models: { id: string; entry: ModelDeploymentConfig }[] = [];
    for (const row of rows) {
      try {
        models.push({ id: row.modelId, entry: this.entryOf(row) });
      } catch {
        // Encrypted with another salt key, or altered: the model is left out rather than called with garbage.
        this.logger.error(`stored model ${row.modelId} skipped: its credentials cannot be decrypted with this salt key`);
      }
    }
    this.registry.setStoredModels(models);
    this.fingerprint = fingerprint;
  }

  async createModel(auth: AuthContext | null, body: ModelChangeBody): Promise<StoredModelView> {
    const cipher = this.requireStore();
    const entry = validated({ model_name: body.model_name, litellm_params: body.litellm_params, model_info: body.model_info ?? {} });
    const modelId = entry.model_info?.id ?? randomUUID();
    if (this.registry.registered().some((model) => model.id === modelId)) throw new BadRequestError(`Model with id=${modelId} already exists`, 'model_info.id');
    const actor = auth?.userId ?? null;
    const row = await this.repository.insertUnlessExists({
      modelId,
      modelName: entry.model_name,
      litellmParams: cipher.encryptParams(entry.litellm_params),
      modelInfo: { ...(entry.model_info ?? {}), id: modelId },
      createdBy: actor,
      updatedBy: actor,
    });
    // Another instance stored the same id since this one last polled.
    if (!row) throw new BadRequestError(`Model with id=${modelId} already exists`, 'model_info.id');
    // Before the registry changes: a row that cannot be written rolls the change back before it is served.
    await this.audit.record({ table: MODEL_TABLE, objectId: modelId, action: 'created', after: this.viewOf(row) });
    await this.refresh();
    this.announce();
    return this.viewOf(row);
  }

  async updateModel(auth: AuthContext | null, body: ModelChangeBody): Promise<StoredModelView> {
    const cipher = this.requireStore();
    const modelId = modelIdOf(body);
    const existing = await this.storedOrThrow(modelId);
    const current = this.entryOf(existing);
    const params = isRecord(body.litellm_params) ? { ...current.litellm_params, ...body.litellm_params } : current.litellm_params;
    const info = isRecord(body.model_info) ? { ...current.model_info, ...body.model_info, id: modelId } : current.model_info;
    const entry = validated({ model_name: typeof body.model_name === 'string' ? body.model_name : current.model_name, litellm_params: params, model_info: info });
    const row = await this.repository.update(modelId, {
      modelName: entry.model_name,
      litellmParams: cipher.encryptParams(entry.litellm_params),
      modelInfo: { ...(entry.model_info ?? {}), id: modelId },
      updatedBy: auth?.userId ?? null,
    });
    await this.audit.record({ table: MODEL_TABLE, objectId: modelId, action: 'updated', before: this.viewOf(existing), after: this.viewOf(row as ProxyModelEntity) });
    await this.refresh();
    this.announce();
    return this.viewOf(row as ProxyModelEntity);
  }

  async deleteModel(_auth: AuthContext | null, body: ModelChangeBody): Promise<{ message: string; model_id: string }> {
    this.requireStore();
    const modelId = modelIdOf(body);
    const existing = await this.storedOrThrow(modelId);
    await this.repository.delete(modelId);
    await this.audit.record({ table: MODEL_TABLE, objectId: modelId, action: 'deleted', before: this.viewOf(existing) });
    await this.refresh();
    this.announce();
    return { message: `Model deleted successfully: ${modelId}`, model_id: modelId };
  }

  /** Tells the other instances to reload stored models, once this change is committed. */
  private announce(): void {
    const bus = this.bus;
    if (!bus) return;
    const publish = (): void => bus.publish(InvalidationTopic.models, {});
    if (this.db) this.db.afterCommit(publish);
    else publish();
  }

  /** `/model/info`: every deployment the caller may use (one with `litellm_model_id`), credentials stripped. */
  modelInfo(key: VirtualKeyRecord | undefined, team: TeamRecord | null, litellmModelId?: string): { data: ModelInfoEntry[] } {
    const groups = this.registry.accessGroups();
    const models = this.registry.registered().filter((model) => (litellmModelId ? model.id === litellmModelId : true) && mayUse(key, team, model.entry.model_name, groups));
    return { data: models.map((model) => this.infoOf(model)) };
  }

  /**
   * `/model_group/info`: one entry per model group the caller may use. A wildcard deployment (`anthropic/*`) is shown
   * as the concrete groups it covers, the catalog's models of its provider (`anthropic/claude-3-haiku-20240307`, …),
   * as LiteLLM does; a bare `*` covers no provider and is left out. A configured group wins over an expanded one.
   */
  modelGroupInfo(key: VirtualKeyRecord | undefined, team: TeamRecord | null, group?: string): { data: ModelGroupInfo[] } {
    const accessGroups = this.registry.accessGroups();
    const groups = new Map<string, ModelInfoEntry[]>();
    const wildcards: RegisteredModel[] = [];
    for (const model of this.registry.registered()) {
      const name = model.entry.model_name;
      if (name.includes('*')) {
        wildcards.push(model);
        continue;
      }
      if ((group && name !== group) || !mayUse(key, team, name, accessGroups)) continue;
      groups.set(name, [...(groups.get(name) ?? []), this.infoOf(model)]);
    }
    const configured = new Set(groups.keys());
    for (const model of wildcards) {
      for (const [name, info] of this.expandedInfos(model)) {
        if ((group && name !== group) || configured.has(name) || !mayUse(key, team, name, accessGroups)) continue;
        groups.set(name, [...(groups.get(name) ?? []), info]);
      }
    }
    return { data: [...groups].map(([name, entries]) => groupInfo(name, entries)) };
  }

  /** The concrete groups a wildcard deployment covers, each described as a deployment of that model would be. */
  private expandedInfos(model: RegisteredModel): [string, ModelInfoEntry][] {
    const { entry } = model;
    const slash = entry.model_name.indexOf('/');
    if (slash <= 0) return [];
    const namePrefix = entry.model_name.slice(0, slash);
    const pattern = globPattern(entry.model_name);
    const star = entry.model_name.indexOf('*');
    const provider = splitProviderModel(entry.litellm_params.model).provider;
    const out: [string, ModelInfoEntry][] = [];
    for (const known of this.pricing.knownModels(provider)) {
      const name = `${namePrefix}/${known}`;
      if (!pattern.test(name)) continue;
      // What `*` stands for in this name replaces the `*` of the upstream model, as the router does.
      const upstream = entry.litellm_params.model.replace('*', name.slice(star));
      const price = this.pricing.lookup(upstream);
      out.push([
        name,
        {
          model_name: name,
          litellm_params: withoutCredentials({ ...entry.litellm_params, model: upstream }),
          model_info: {
            id: model.id,
            db_model: model.source === 'db',
            mode: price?.mode ?? 'chat',
            max_tokens: price?.maxOutputTokens ?? null,
            max_input_tokens: price?.maxInputTokens ?? null,
            max_output_tokens: price?.maxOutputTokens ?? null,
            input_cost_per_token: price?.inputCostPerToken ?? null,
            output_cost_per_token: price?.outputCostPerToken ?? null,
            litellm_provider: provider,
            ...price?.capabilities,
          },
        },
      ]);
    }
    return out;
  }

  private infoOf(model: RegisteredModel): ModelInfoEntry {
    const { entry } = model;
    const price = model.deployment ? this.pricing.priceFor(model.deployment) : this.pricing.lookup(entry.litellm_params.model);
    const provider = splitProviderModel(entry.litellm_params.model).provider;
    return {
      model_name: entry.model_name,
      litellm_params: withoutCredentials(entry.litellm_params),
      model_info: {
        id: model.id,
        db_model: model.source === 'db',
        mode: price?.mode ?? 'chat',
        max_tokens: price?.maxOutputTokens ?? null,
        max_input_tokens: price?.maxInputTokens ?? null,
        max_output_tokens: price?.maxOutputTokens ?? null,
        input_cost_per_token: price?.inputCostPerToken ?? null,
        output_cost_per_token: price?.outputCostPerToken ?? null,
        litellm_provider: price?.provider ?? provider,
        ...price?.capabilities,
        ...(entry.model_info ?? {}),
      },
    };
  }

  private entryOf(row: ProxyModelEntity): ModelDeploymentConfig {
    const cipher = this.cipher;
    const params = cipher ? cipher.decryptParams(row.litellmParams) : row.litellmParams;
    return { model_name: row.modelName, litellm_params: params as LitellmParams, model_info: { ...(row.modelInfo as ModelInfo), id: row.modelId } };
  }

  private viewOf(row: ProxyModelEntity): StoredModelView {
    return {
      model_id: row.modelId,
      model_name: row.modelName,
      litellm_params: withoutCredentials(row.litellmParams),
      model_info: { ...row.modelInfo, id: row.modelId, db_model: true },
      created_at: row.createdAt.toISOString(),
      updated_at: row.updatedAt.toISOString(),
      created_by: row.createdBy,
      updated_by: row.updatedBy,
    };
  }

  private requireStore(): CredentialCipher {
    if (!this.storeInDb) {
      throw new BadRequestError("Set 'general_settings.store_model_in_db: true' in the config to add, change or delete models through the API.");
    }
    if (!this.cipher) throw new BadRequestError('Set LITELLM_SALT_KEY (or a master key) to store model credentials encrypted.');
    return this.cipher;
  }

  private async storedOrThrow(modelId: string): Promise<ProxyModelEntity> {
    const row = await this.repository.find(modelId);
    if (row) return row;
    if (this.registry.registered().some((model) => model.id === modelId)) {
      throw new BadRequestError(`Model id=${modelId} is defined in the config file; change it there.`, 'id');
    }
    throw new NotFoundError(`Model with id=${modelId} not found in the database`);
  }
}

function modelIdOf(body: ModelChangeBody): string {
  const info = isRecord(body.model_info) ? body.model_info : {};
  const id = body.id ?? body.model_id ?? info.id;
  if (typeof id !== 'string' || id === '') throw new BadRequestError('id is required (the model_info.id of the model)', 'id');
  return id;
}

/** The body validated with the same rules as a `model_list` entry of config.yaml. */
/** A deployment definition checked as config.yaml's `model_list` entries are. @throws BadRequestError naming the field */
export function validated(body: Record<string, unknown>): ModelDeploymentConfig {
  // class-transformer takes an object's `constructor` member for its class and throws on `{"constructor": 1}`:
  // the shapes it would descend into are checked first.
  if (typeof body.model_name !== 'string') throw new BadRequestError('Invalid model: model_name must be a string', 'model_name');
  for (const field of ['litellm_params', 'model_info'] as const) {
    if (body[field] !== undefined && !isRecord(body[field])) throw new BadRequestError(`Invalid model: ${field} must be an object`, field);
  }
  let dto: ModelDeploymentDto;
  try {
    dto = plainToInstance(ModelDeploymentDto, body);
  } catch {
    throw new BadRequestError('Invalid model: litellm_params and model_info must hold plain JSON values', 'litellm_params');
  }
  const problems = problemsOf(validateSync(dto, { stopAtFirstError: true, forbidUnknownValues: false }));
  if (problems.length > 0) throw new BadRequestError(`Invalid model: ${problems.map((problem) => problem.text).join('; ')}`, problems[0].field);
  // The checked instance, not the body: the schema turns YAML-style scalars into text (`model: 7` is "7"), as at boot.
  const entry = JSON.parse(JSON.stringify(dto)) as ModelDeploymentConfig;
  const references = Object.entries(entry.litellm_params).filter(([, value]) => typeof value === 'string' && value.startsWith('os.environ/'));
  if (references.length > 0) {
    throw new BadRequestError(`litellm_params.${references[0][0]}: os.environ/ references are resolved from config.yaml only; pass the value itself (it is stored encrypted)`);
  }
  return entry;
}

function problemsOf(errors: ValidationError[], path = ''): { field: string; text: string }[] {
  return errors.flatMap((error) => {
    const here = path ? `${path}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field: here, text: `${here}: ${message}` }));
    return [...own, ...problemsOf(error.children ?? [], here)];
  });
}

function mayUse(key: VirtualKeyRecord | undefined, team: TeamRecord | null, model: string, groups: AccessGroups): boolean {
  if (!key) return true;
  try {
    resolveModelForKey(key, model, undefined, team, groups);
    return true;
  } catch {
    return false;
  }
}

function globPattern(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
}

function groupInfo(name: string, entries: ModelInfoEntry[]): ModelGroupInfo {
  const infos = entries.map((entry) => entry.model_info);
  const numbers = (field: string): number[] => infos.map((info) => info[field]).filter((value): value is number => typeof value === 'number');
  const sum = (field: 'tpm' | 'rpm'): number | null => {
    const values = entries.map((entry) => entry.litellm_params[field]).filter((value): value is number => typeof value === 'number');
    return values.length ? values.reduce((a, b) => a + b, 0) : null;
  };
  const mode = typeof infos[0]?.mode === 'string' ? infos[0].mode : null;
  return {
    model_group: name,
    providers: [...new Set(infos.map((info) => String(info.litellm_provider)))],
    max_input_tokens: numbers('max_input_tokens').length ? Math.max(...numbers('max_input_tokens')) : null,
    max_output_tokens: numbers('max_output_tokens').length ? Math.max(...numbers('max_output_tokens')) : null,
    input_cost_per_token: numbers('input_cost_per_token').length ? Math.min(...numbers('input_cost_per_token')) : null,
    output_cost_per_token: numbers('output_cost_per_token').length ? Math.min(...numbers('output_cost_per_token')) : null,
    mode,
    tpm: sum('tpm'),
    rpm: sum('rpm'),
    supported_openai_params: mode === 'chat' || mode === 'completion' ? CHAT_PARAMS : null,
    ...groupCapabilities(infos),
  };
}

/** A group supports what any of its deployments supports (as LiteLLM reports it); unstated means false. */
function groupCapabilities(infos: readonly ModelInfo[]): Record<CapabilityFlag, boolean> {
  const flags = {} as Record<CapabilityFlag, boolean>;
  for (const flag of CAPABILITY_FLAGS) flags[flag] = infos.some((info) => info[flag] === true);
  return flags;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const MODEL_TABLE = 'LiteLLM_ProxyModelTable';
