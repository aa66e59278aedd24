import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UnitOfWork } from '../database/unit-of-work';
import { BudgetBook, type BudgetSeedSource } from '../store/budget-book';
import type { BudgetSeed, RolledBudget } from '../store/counter-store';
import { SpendLedgerService } from './spend-ledger.service';
import { accountLocation, type SpendAccountTable } from './spend-subjects';

/** A read that straddled a ledger commit is read again, at most this many times. */
const STALE_READ_RETRIES = 3;

/**
 * The database side of the counter store's budgets. Seeds: a budget the store does not hold yet starts from its
 * row's committed spend plus what the ledger recorded but has not committed (read so that no commit falls between
 * the two). Windows: when the store rolls a budget window over, the row follows (spend 0, next reset time), so a
 * restart or another instance reads the same window.
 */
@Injectable()
export class SpendAccountsService implements BudgetSeedSource, OnModuleInit {
  private readonly logger = new Logger('SpendAccounts');

  constructor(
    private readonly dataSource: DataSource,
    private readonly db: UnitOfWork,
    private readonly ledger: SpendLedgerService,
    private readonly book: BudgetBook,
  ) {}

  async onModuleInit(): Promise<void> {
    this.book.useSeedSource(this);
    this.book.store.onBudgetRolled((rolled) => void this.persistRoll(rolled));
    // The global account's row exists from the start, so its budget window can be kept on it.
    await this.dataSource.query(`INSERT INTO "tollgate_budget_counters" ("entity_type", "entity_id", "spend") VALUES ('user', 'litellm-proxy-budget', 0) ON CONFLICT DO NOTHING`);
  }

  async seeds(keys: readonly string[]): Promise<BudgetSeed[]> {
    for (let attempt = 0; ; attempt++) {
      const commits = this.ledger.commitCount;
      const committed = await this.readCommitted(keys);
      if (this.ledger.commitCount !== commits && attempt < STALE_READ_RETRIES) continue;
      return keys.map((key) => {
        const row = committed.get(key);
        return { key, spend: (row?.spend ?? 0) + this.ledger.pendingSpend(key), resetAt: row?.resetAt ?? null };
      });
    }
  }

  private async readCommitted(keys: readonly string[]): Promise<Map<string, { spend: number; resetAt: number | null }>> {
    const byTable = new Map<SpendAccountTable, { key: string; ids: string[] }[]>();
    for (const key of keys) {
      const location = accountLocation(key);
      if (!location) continue;
      const list = byTable.get(location.table) ?? [];
      list.push({ key, ids: location.ids });
      byTable.set(location.table, list);
    }
    const found = new Map<string, { spend: number; resetAt: number | null }>();
    for (const [table, accounts] of byTable) {
      const columns = table.idColumns.map((column) => `"${column}"`);
      const reset = table.resetColumn ? `"${table.resetColumn}"` : 'NULL::timestamptz';
      // One row of ids per account, matched as a tuple: works for one and for two id columns alike.
      const values = accounts.map((_, i) => `(${table.idColumns.map((__, j) => `$${i * table.idColumns.length + j + 1}::${table.idType}`).join(', ')})`).join(', ');
      // Inside a management change's transaction the read joins it, so it sees what the change wrote.
      const rows: Record<string, unknown>[] = await this.db.query(
        `SELECT ${columns.join(', ')}, "spend"::float8 AS "spend", ${reset} AS "reset_at" FROM "${table.table}" WHERE (${columns.join(', ')}) IN (${values})`,
        accounts.flatMap((account) => account.ids),
      );
      for (const row of rows) {
        const ids = table.idColumns.map((column) => String(row[column]));
        const account = accounts.find((candidate) => candidate.ids.every((id, i) => id === ids[i]));
        if (!account) continue;
        const resetAt = row.reset_at instanceof Date ? row.reset_at.getTime() : row.reset_at ? new Date(String(row.reset_at)).getTime() : null;
        found.set(account.key, { spend: Number(row.spend ?? 0), resetAt });
      }
    }
    return found;
  }

  /**
   * Moves the row to the window the store moved to; a row already moved (by another instance) is left alone. Not
   * awaited by the call that rolled the window, and outside any transaction it may run in.
   */
  private async persistRoll(rolled: RolledBudget): Promise<void> {
    const location = accountLocation(rolled.key);
    if (!location?.table.resetColumn) return;
    const { table, ids } = location;
    const reset = `"${table.resetColumn}"`;
    const where = (firstParam: number): string => table.idColumns.map((column, i) => `"${column}" = $${i + firstParam}::${table.idType}`).join(' AND ');
    try {
      if (rolled.previousResetAt === null) {
        await this.dataSource.query(`UPDATE "${table.table}" SET ${reset} = $1 WHERE ${where(2)} AND ${reset} IS NULL`, [new Date(rolled.resetAt), ...ids]);
      } else {
        await this.dataSource.query(`UPDATE "${table.table}" SET "spend" = 0, ${reset} = $1 WHERE ${where(3)} AND ${reset} <= $2`, [
          new Date(rolled.resetAt),
          new Date(rolled.previousResetAt),
          ...ids,
        ]);
      }
    } catch (error) {
      // The row keeps its old window; the next boot (or another instance) seeds from it and rolls it again.
      this.logger.warn(`could not persist a budget window reset (${error instanceof Error ? error.name : typeof error})`);
    }
  }
}
