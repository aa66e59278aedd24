import { Inject, Injectable } from '@nestjs/common';
import { TOLLGATE_VERSION } from '../common/version';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { DEFAULT_DOCS } from '../config/observability-settings';
import { ModelsService, type ModelGroupInfo } from '../models/models.service';

/** `/public/model_hub/info`: how the hub introduces itself (LiteLLM's `PublicModelHubInfo`). */
export interface ModelHubInfo {
  docs_title: string;
  custom_docs_description: string | null;
  litellm_version: string;
  useful_links: Record<string, string>;
}

/**
 * The public model hub: the model groups an admin made public (`litellm_settings.public_model_groups`), described
 * as `/model_group/info` describes them to a key that may use every model. Nothing else about the gateway is shown.
 */
@Injectable()
export class ModelHubService {
  private readonly publicGroups: ReadonlySet<string>;
  private readonly info: Readonly<ModelHubInfo>;
  /** Whether the page is served without a key (`general_settings.enable_public_model_hub`). */
  readonly pageEnabled: boolean;

  constructor(
    private readonly models: ModelsService,
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
  ) {
    const litellm = config.litellm_settings;
    this.publicGroups = new Set(litellm.public_model_groups ?? []);
    this.pageEnabled = config.general_settings.enable_public_model_hub === true;
    const docs = config.docs ?? DEFAULT_DOCS;
    this.info = Object.freeze({
      docs_title: docs.title,
      custom_docs_description: docs.description === DEFAULT_DOCS.description ? null : docs.description,
      litellm_version: TOLLGATE_VERSION,
      useful_links: { ...(litellm.public_model_groups_links ?? {}) },
    });
  }

  /** The public groups in the order the registry knows them; a public name no deployment serves is left out. */
  publicModels(): ModelGroupInfo[] {
    if (this.publicGroups.size === 0) return [];
    return this.models.modelGroupInfo(undefined, null).data.filter((group) => this.publicGroups.has(group.model_group));
  }

  hubInfo(): ModelHubInfo {
    return { ...this.info, useful_links: { ...this.info.useful_links } };
  }
}
