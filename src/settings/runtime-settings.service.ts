import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { AuditLogService } from '../audit/audit-log.service';
import type { AuthContext } from '../common/access/caller';
import { BadRequestError } from '../common/errors/http-errors';
import { ConfigError } from '../config/config.errors';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { SettingsOverrides, TollgateConfig } from '../config/config.types';
import { UnitOfWork } from '../database/unit-of-work';
import { RouterPolicyHolder, routerPolicyOf } from '../routing/router-policy';
import { INVALIDATION_BUS, InvalidationTopic, type InvalidationBus } from '../store/invalidation-bus';
import { CONFIG_TYPES, type ConfigType } from './runtime-fields';
import { maskSecrets } from './secret-mask';
import { applyChanges, changedSections, sectionOf, type SettingsChanges } from './settings-changes';

/** How often an instance re-reads the stored settings when no invalidation reached it (a backstop, not the path). */
const BACKSTOP_POLL_MS = 60_000;

/** What a change did: the fields now in force, all of them applied at once on every instance. */
export interface AppliedChange {
  readonly sections: readonly ConfigType[];
  /** Always false: only fields the running gateway applies can be stored (the others are refused with a 400). */
  readonly requiresRestart: false;
}

/** Where the running settings come from: the file (boot or the last good `SIGHUP`), and the fields stored over it. */
export interface SettingsSnapshot {
  /** The config in force: the file with the stored fields over it. */
  readonly effective: TollgateConfig;
  /** The config file alone, as last loaded. */
  readonly file: TollgateConfig;
  readonly stored: SettingsOverrides;
}

/**
 * Runtime settings (LiteLLM's `/config/update` family): `router_settings` and `litellm_settings` fields stored in
 * `tollgate_proxy_settings`, one row per section (`router_settings`, `litellm_settings`, `general_settings`), over the
 * config file, as LiteLLM's database config overrides its file. Every candidate is validated by the config loader
 * itself (the file with the candidate fields over it), so a stored value passes exactly the checks a file value does.
 * The result is applied by swapping the Router's policy; other instances hear of it on the invalidation bus.
 */
@Injectable()
export class RuntimeSettingsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Settings');
  private state: SettingsSnapshot;
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
    private readonly policies: RouterPolicyHolder,
    private readonly db: UnitOfWork,
    private readonly audit: AuditLogService,
    @Optional() @Inject(INVALIDATION_BUS) private readonly bus?: InvalidationBus,
  ) {
    this.state = { effective: config, file: config, stored: {} };
  }

  async onModuleInit(): Promise<void> {
    await this.reload();
    const reload = (): void => void this.reload().catch((error: unknown) => this.logger.error(`runtime settings not read: ${error instanceof Error ? error.name : typeof error}`));
    this.bus?.subscribe(InvalidationTopic.settings, reload);
    this.bus?.onResync(reload);
    this.timer = setInterval(reload, BACKSTOP_POLL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  snapshot(): SettingsSnapshot {
    return this.state;
  }

  /**
   * Stores `changes` over the current stored fields, after validating the whole result as the config loader does.
   * @throws BadRequestError naming the invalid fields (nothing is stored)
   */
  async update(auth: AuthContext | null, changes: SettingsChanges): Promise<AppliedChange> {
    return this.db.run(async () => {
      // One change at a time across instances: two admins changing fields of one section both keep their change.
      await this.db.query(`SELECT pg_advisory_xact_lock(hashtext('tollgate_proxy_settings'))`);
      const stored = await this.readStored();
      const next = applyChanges(stored, changes);
      const effective = this.validated(this.state.file, next);
      const sections = changedSections(stored, next);
      for (const section of sections) {
        const fields = next[section];
        if (fields === undefined) {
          await this.db.query(`DELETE FROM "tollgate_proxy_settings" WHERE "name" = $1`, [section]);
        } else {
          await this.db.query(
            `INSERT INTO "tollgate_proxy_settings" ("name", "value", "updated_at", "updated_by") VALUES ($1, $2::jsonb, now(), $3)
             ON CONFLICT ("name") DO UPDATE SET "value" = EXCLUDED."value", "updated_at" = now(), "updated_by" = EXCLUDED."updated_by"`,
            [section, JSON.stringify(fields), auth?.userId ?? null],
          );
        }
        await this.audit.record({
          table: 'LiteLLM_Config',
          objectId: section,
          action: fields === undefined ? 'deleted' : 'updated',
          before: { [section]: maskSecrets(stored[section] ?? {}) },
          after: fields === undefined ? null : { [section]: maskSecrets(fields) },
        });
      }
      // Served here once committed; the other instances once they hear of it.
      this.db.afterCommit(() => {
        this.apply({ effective, file: this.state.file, stored: next });
        if (sections.length > 0) this.bus?.publish(InvalidationTopic.settings, { sections });
      });
      return { sections, requiresRestart: false as const };
    });
  }

  /**
   * `SIGHUP`: reads the config file again with the stored fields over it, validated as at boot. A bad file is
   * refused (logged with the field names, never values) and the running settings stay.
   * @returns whether the new file was taken
   */
  reloadFile(): boolean {
    const { file, stored } = this.state;
    if (file.reloadFile === undefined) {
      this.logger.warn('SIGHUP: this config was not loaded from a file; nothing to reload');
      return false;
    }
    let reloaded: TollgateConfig;
    let effective: TollgateConfig;
    try {
      reloaded = file.reloadFile({});
      effective = reloaded.withOverrides?.(stored) ?? reloaded;
    } catch (error) {
      const problems = error instanceof ConfigError ? error.message : 'unreadable';
      this.logger.error(`SIGHUP: config file refused, the running config is kept. ${problems}`);
      return false;
    }
    for (const warning of reloaded.warnings) this.logger.warn(warning);
    this.apply({ effective, file: reloaded, stored });
    this.logger.log(`SIGHUP: config file reloaded${reloaded.configPath ? ` from ${reloaded.configPath}` : ''}; router settings applied`);
    return true;
  }

  /** Reads the stored fields again and applies them (boot, invalidation, backstop poll). */
  async reload(): Promise<void> {
    const stored = await this.readStored();
    let effective: TollgateConfig;
    try {
      effective = this.validated(this.state.file, stored);
    } catch (error) {
      // Valid when stored, invalid over today's file (it changed): the file's own values serve until an admin fixes it.
      this.logger.error(`stored runtime settings do not fit the config file and are not applied: ${error instanceof BadRequestError ? error.message : 'invalid'}`);
      return;
    }
    this.apply({ effective, file: this.state.file, stored });
  }

  private apply(next: SettingsSnapshot): void {
    this.state = next;
    this.policies.swap(routerPolicyOf(next.effective));
  }

  /** @throws BadRequestError with every problem the loader found, the first field as `param` */
  private validated(file: TollgateConfig, stored: SettingsOverrides): TollgateConfig {
    if (file.withOverrides === undefined) return file;
    try {
      return file.withOverrides(stored);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      const problems = error.problems.length > 0 ? error.problems : [error.message];
      const param = /^([\w.[\]]+):/.exec(problems[0])?.[1] ?? null;
      throw new BadRequestError(`Invalid settings: ${problems.join('; ')}`, param);
    }
  }

  private async readStored(): Promise<SettingsOverrides> {
    const rows = await this.db.query<{ name: string; value: unknown }[]>(`SELECT "name", "value" FROM "tollgate_proxy_settings" WHERE "name" = ANY($1::text[])`, [
      [...CONFIG_TYPES],
    ]);
    const stored: SettingsOverrides = {};
    for (const row of rows) {
      const fields = sectionOf(row.value);
      if (fields !== undefined) stored[row.name as ConfigType] = fields;
    }
    return stored;
  }
}
