import { Injectable, Logger } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { DataSource, EntityManager, EntityTarget, ObjectLiteral, Repository } from 'typeorm';

interface Scope {
  readonly manager: EntityManager;
  /** False once the transaction ended: work that outlives it (timers, queues started inside) uses the pool again. */
  open: boolean;
  readonly afterCommit: (() => void)[];
}

/**
 * A transaction carried by the async context of a request. Repositories reach the database through this class;
 * inside `run(...)` every query they make joins that one transaction, so a change and the rows written about
 * it (the audit row) commit together or not at all. Outside a unit of work it is the plain connection pool.
 */
@Injectable()
export class UnitOfWork {
  private static readonly logger = new Logger('UnitOfWork');
  private readonly storage = new AsyncLocalStorage<Scope>();

  constructor(private readonly dataSource: DataSource) {}

  /** The current transaction's manager, or the pool's. */
  get manager(): EntityManager {
    return this.active()?.manager ?? this.dataSource.manager;
  }

  get inTransaction(): boolean {
    return this.active() !== undefined;
  }

  getRepository<Entity extends ObjectLiteral>(target: EntityTarget<Entity>): Repository<Entity> {
    return this.manager.getRepository(target);
  }

  query<T = unknown>(sql: string, parameters?: unknown[]): Promise<T> {
    return this.manager.query(sql, parameters) as Promise<T>;
  }

  /**
   * A transaction of its own (a unit of work every query inside joins, whatever reaches the database), or a
   * savepoint inside the current one.
   */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    const scope = this.active();
    if (scope) return scope.manager.transaction(work);
    return this.run(() => work(this.manager));
  }

  /**
   * Runs `work` in one transaction that every repository call inside it joins; commits when it resolves, rolls
   * back when it throws. Nested calls join the outer unit. `afterCommit` callbacks run once the commit succeeded.
   */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active()) return work();
    const afterCommit: (() => void)[] = [];
    const result = await this.dataSource.transaction(async (manager) => {
      const scope: Scope = { manager, open: true, afterCommit };
      try {
        return await this.storage.run(scope, work);
      } finally {
        scope.open = false;
      }
    });
    for (const callback of afterCommit) {
      try {
        callback();
      } catch (error) {
        UnitOfWork.logger.error(`after-commit callback failed: ${error instanceof Error ? error.name : typeof error}`);
      }
    }
    return result;
  }

  /** Runs `callback` after the current unit commits (never when it rolls back); at once outside a unit. */
  afterCommit(callback: () => void): void {
    const scope = this.active();
    if (scope) scope.afterCommit.push(callback);
    else callback();
  }

  private active(): Scope | undefined {
    const scope = this.storage.getStore();
    return scope?.open ? scope : undefined;
  }
}
