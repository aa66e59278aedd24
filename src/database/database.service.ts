import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations/index';
import { TOLLGATE_VERSION } from '../common/version';
import type { TollgateConfig } from '../config/config.types';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded-postgres';
import { registeredEntities } from './entity-registry';
import { InstanceBoot } from './instance-boot.entity';
import type { DatabaseKind } from './database.tokens';

// Any constant works; it only has to be the same for every instance sharing the database.
const MIGRATION_LOCK_ID = 7_345_120_001;

/**
 * Owns the connection: starts the embedded engine when no server is configured, runs migrations
 * (serialised across instances with an advisory lock), and shuts down in the right order.
 */
export class DatabaseService implements OnApplicationShutdown {
  private static readonly logger = new Logger('Database');
  readonly instanceId = randomUUID();
  private closed?: Promise<void>;

  private constructor(
    readonly dataSource: DataSource,
    readonly kind: DatabaseKind,
    private readonly sharedStore: 'memory' | 'redis',
    private readonly embedded?: EmbeddedPostgresHandle,
  ) {}

  static async open(config: TollgateConfig): Promise<DatabaseService> {
    const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir);
    const kind: DatabaseKind = embedded ? 'embedded' : 'server';
    const general = config.general_settings;
    const dataSource = new DataSource({
      type: 'postgres',
      url: embedded?.url ?? config.databaseUrl,
      entities: [InstanceBoot, ...registeredEntities()],
      migrations: MIGRATIONS,
      migrationsTableName: 'tollgate_migrations',
      synchronize: false,
      logging: false,
      extra: {
        max: general.database_connection_pool_limit ?? 10,
        connectionTimeoutMillis: (general.database_connection_timeout ?? 60) * 1000,
        application_name: 'tollgate',
      },
    });
    try {
      await dataSource.initialize();
      const service = new DatabaseService(dataSource, kind, config.sharedState.redis ? 'redis' : 'memory', embedded);
      await service.migrate();
      await service.recordBoot();
      DatabaseService.logger.log(kind === 'embedded' ? `embedded PostgreSQL ready, data in ${config.dataDir}` : 'connected to PostgreSQL server');
      return service;
    } catch (error) {
      if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
      await embedded?.stop().catch(() => undefined);
      throw new DatabaseUnavailableError(kind, error);
    }
  }

  private async migrate(): Promise<void> {
    if (this.kind === 'embedded') {
      await this.dataSource.runMigrations({ transaction: 'each' });
      return;
    }
    const lockRunner = this.dataSource.createQueryRunner();
    await lockRunner.connect();
    try {
      await lockRunner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
      await this.dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await lockRunner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
      await lockRunner.release();
    }
  }

  private async recordBoot(): Promise<void> {
    await this.dataSource.getRepository(InstanceBoot).insert({ instanceId: this.instanceId, version: TOLLGATE_VERSION, hostname: hostname(), sharedStore: this.sharedStore });
  }

  /** Cheap round trip used by readiness checks. */
  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }

  /** Closes the connection, then the embedded engine and its data-directory lock; a second call waits for the first. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      if (this.dataSource.isInitialized) await this.dataSource.destroy();
      await this.embedded?.stop();
    })();
    return this.closed;
  }
}

/** Boot-time failure; the message names the engine but never the URL (it may hold a password). */
export class DatabaseUnavailableError extends Error {
  constructor(kind: DatabaseKind, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      kind === 'embedded'
        ? `Could not start the embedded database: ${reason}`
        : `Could not connect to the PostgreSQL server from DATABASE_URL / general_settings.database_url: ${redactUrls(reason)}`,
    );
    this.name = 'DatabaseUnavailableError';
  }
}

function redactUrls(text: string): string {
  return text.replace(/postgres(ql)?:\/\/[^\s]+/gi, 'postgresql://***');
}
