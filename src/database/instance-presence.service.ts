import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { DatabaseService } from './database.service';

/** How often an instance says it is alive, and how long after its last word it counts as gone. */
const HEARTBEAT_MS = 20_000;
const ALIVE_WITHIN_S = 60;

export interface OtherInstance {
  instanceId: string;
  hostname: string;
  sharedStore: string;
}

/**
 * Knows which other instances run on the same database (each moves its boot row's `last_seen_at` forward). An
 * instance without Redis counts limits, budgets and cooldowns by itself: next to another instance that is the
 * silent per-pod fallback that multiplies every limit, so it says so, loudly, at boot and whenever a new instance
 * appears, and readiness reports the count.
 */
@Injectable()
export class InstancePresence implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Instances');
  private readonly shared: boolean;
  private timer?: NodeJS.Timeout;
  private readonly warnedAbout = new Set<string>();
  private others: OtherInstance[] = [];

  constructor(
    private readonly database: DatabaseService,
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
  ) {
    this.shared = config.sharedState.redis !== undefined;
  }

  /** Other instances alive on this database at the last look. */
  get otherInstances(): readonly OtherInstance[] {
    return this.others;
  }

  async onApplicationBootstrap(): Promise<void> {
    // One embedded database serves one process: there is nobody else to see.
    if (this.database.kind === 'embedded') return;
    await this.beat();
    this.timer = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async beat(): Promise<void> {
    try {
      const ds = this.database.dataSource;
      await ds.query(`UPDATE "tollgate_instance_boots" SET "last_seen_at" = now() WHERE "instance_id" = $1`, [this.database.instanceId]);
      const rows: { instance_id: string; hostname: string; shared_store: string }[] = await ds.query(
        `SELECT DISTINCT ON ("instance_id") "instance_id", "hostname", "shared_store" FROM "tollgate_instance_boots"
          WHERE "instance_id" <> $1 AND "last_seen_at" > now() - make_interval(secs => $2) ORDER BY "instance_id", "id" DESC`,
        [this.database.instanceId, ALIVE_WITHIN_S],
      );
      this.others = rows.map((row) => ({ instanceId: row.instance_id, hostname: row.hostname, sharedStore: row.shared_store }));
      this.report();
    } catch {
      // The database is down: the spend ledger and readiness say so; presence waits for the next beat.
    }
  }

  private report(): void {
    const fresh = this.others.filter((other) => !this.warnedAbout.has(other.instanceId));
    if (fresh.length === 0) return;
    for (const other of fresh) this.warnedAbout.add(other.instanceId);
    const names = fresh.map((other) => `${other.hostname} (${other.instanceId.slice(0, 8)}, ${other.sharedStore})`).join(', ');
    if (!this.shared) {
      this.logger.error(
        `another Tollgate instance uses this database: ${names}. This instance has no Redis, so rate limits, parallel limits, ` +
          'budgets and router cooldowns are counted by each instance alone (every instance admits a full budget) and a key revoked ' +
          'elsewhere is only refused here when this cache hears of it. Configure router_settings.redis_host or REDIS_URL on every instance.',
      );
    } else if (fresh.some((other) => other.sharedStore !== 'redis')) {
      this.logger.error(`an instance without Redis uses this database (${names}): its limits and budgets are not shared with this one`);
    } else {
      this.logger.log(`instances sharing this database and Redis: ${names}`);
    }
  }
}
