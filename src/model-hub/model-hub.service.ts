import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { AuditLogService } from '../audit/audit-log.service';
import type { AuthContext } from '../common/access/caller';
import { BadRequestError } from '../common/errors/http-errors';
import { TOLLGATE_VERSION } from '../common/version';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { DEFAULT_DOCS } from '../config/observability-settings';
import { UnitOfWork } from '../database/unit-of-work';
import { ModelsService, type ModelGroupInfo } from '../models/models.service';
import { INVALIDATION_BUS, InvalidationTopic, type InvalidationBus } from '../store/invalidation-bus';

/** `/public/model_hub/info`: how the hub introduces itself (LiteLLM's `PublicModelHubInfo`). */
export interface ModelHubInfo {
  docs_title: string;
  custom_docs_description: string | null;
  litellm_version: string;
  useful_links: Record<string, string>;
}

/** The runtime setting's name in `tollgate_proxy_settings` (LiteLLM's `public_model_groups`). */
const PUBLIC_GROUPS_SETTING = 'public_model_groups';
/** How often an instance re-reads the setting when no invalidation reached it (a backstop, not the path). */
const BACKSTOP_POLL_MS = 60_000;

/**
 * The public model hub: the model groups an admin made public, described as `/model_group/info` describes them to a
 * key that may use every model. The config's `litellm_settings.public_model_groups` holds until an admin sets them
 * through `POST /model_group/make_public`; that choice is stored, audited and read by every instance.
 */
@Injectable()
export class ModelHubService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ModelHub');
  private readonly configuredGroups: readonly string[];
  private publicGroups: ReadonlySet<string>;
  private readonly info: Readonly<ModelHubInfo>;
  private timer?: NodeJS.Timeout;
  /** Whether the page is served without a key (`general_settings.enable_public_model_hub`). */
  readonly pageEnabled: boolean;

  constructor(
    private readonly models: ModelsService,
    private readonly db: UnitOfWork,
    private readonly audit: AuditLogService,
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
    @Optional() @Inject(INVALIDATION_BUS) private readonly bus?: InvalidationBus,
  ) {
    const litellm = config.litellm_settings;
    this.configuredGroups = litellm.public_model_groups ?? [];
    this.publicGroups = new Set(this.configuredGroups);
    this.pageEnabled = config.general_settings.enable_public_model_hub === true;
    const docs = config.docs ?? DEFAULT_DOCS;
    this.info = Object.freeze({
      docs_title: docs.title,
      custom_docs_description: docs.description === DEFAULT_DOCS.description ? null : docs.description,
      litellm_version: TOLLGATE_VERSION,
      useful_links: { ...(litellm.public_model_groups_links ?? {}) },
    });
  }

  async onModuleInit(): Promise<void> {
    await this.reload();
    const reload = (): void =>
      void this.reload().catch((error: unknown) => this.logger.error(`public model groups not read: ${error instanceof Error ? error.name : typeof error}`));
    this.bus?.subscribe(InvalidationTopic.settings, reload);
    this.bus?.onResync(reload);
    this.timer = setInterval(reload, BACKSTOP_POLL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** The public groups in the order the registry knows them; a public name no deployment serves is left out. */
  publicModels(): ModelGroupInfo[] {
    if (this.publicGroups.size === 0) return [];
    return this.models.modelGroupInfo(undefined, null).data.filter((group) => this.publicGroups.has(group.model_group));
  }

  hubInfo(): ModelHubInfo {
    return { ...this.info, useful_links: { ...this.info.useful_links } };
  }

  /**
   * `POST /model_group/make_public`: these groups, and only these, are public from now on, on every instance.
   * @throws BadRequestError when the list is not a list of model groups the gateway serves
   */
  async makePublic(auth: AuthContext | null, groups: unknown): Promise<{ message: string; public_model_groups: string[] }> {
    if (!Array.isArray(groups) || !groups.every((group): group is string => typeof group === 'string' && group.trim() !== '')) {
      throw new BadRequestError('model_groups must be a list of model group names', 'model_groups');
    }
    const served = new Set(this.models.modelGroupInfo(undefined, null).data.map((group) => group.model_group));
    const unknown = groups.filter((group) => !served.has(group));
    if (unknown.length > 0) throw new BadRequestError(`Unknown model group(s): ${unknown.join(', ')}. Call /model_group/info to list them.`, 'model_groups');
    const chosen = [...new Set(groups)];
    const before = [...this.publicGroups];
    await this.db.query(
      `INSERT INTO "tollgate_proxy_settings" ("name", "value", "updated_at", "updated_by") VALUES ($1, $2::jsonb, now(), $3)
       ON CONFLICT ("name") DO UPDATE SET "value" = EXCLUDED."value", "updated_at" = now(), "updated_by" = EXCLUDED."updated_by"`,
      [PUBLIC_GROUPS_SETTING, JSON.stringify(chosen), auth?.userId ?? null],
    );
    await this.audit.record({
      table: 'LiteLLM_Config',
      objectId: PUBLIC_GROUPS_SETTING,
      action: 'updated',
      before: { public_model_groups: before },
      after: { public_model_groups: chosen },
    });
    // Served here at once; the other instances once the change is committed.
    this.db.afterCommit(() => {
      this.publicGroups = new Set(chosen);
      this.bus?.publish(InvalidationTopic.settings, {});
    });
    return { message: `Updated public model groups to: ${chosen.join(', ')}`, public_model_groups: chosen };
  }

  private async reload(): Promise<void> {
    const rows = await this.db.query<{ value: unknown }[]>(`SELECT "value" FROM "tollgate_proxy_settings" WHERE "name" = $1`, [PUBLIC_GROUPS_SETTING]);
    const stored = rows[0]?.value;
    this.publicGroups = new Set(Array.isArray(stored) ? stored.filter((group): group is string => typeof group === 'string') : this.configuredGroups);
  }
}
