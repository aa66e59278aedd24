import { Injectable } from '@nestjs/common';
import { BudgetBook } from '../store/budget-book';
import type { BudgetReading } from '../store/counter-store';
import { SpendLedgerService } from './spend-ledger.service';

/** A spend account and the length of its budget window (null: it never resets). */
export interface SpendAccount {
  readonly account: string;
  readonly windowMs: number | null;
}

/**
 * Live spend for the management API: what the counter store holds for an account (the committed spend every
 * budget check sees, windows rolled), seeded from the database when the store has not met the account yet. The
 * domain records carry no spend; their responses read it here.
 */
@Injectable()
export class LiveSpendService {
  constructor(
    private readonly book: BudgetBook,
    private readonly ledger: SpendLedgerService,
  ) {}

  async of(accounts: readonly SpendAccount[]): Promise<BudgetReading[]> {
    if (accounts.length === 0) return [];
    return this.book.read(accounts.map(({ account, windowMs }) => ({ key: account, windowMs })));
  }

  async one(account: string, windowMs: number | null): Promise<BudgetReading> {
    return (await this.of([{ account, windowMs }]))[0];
  }

  /**
   * An admin set the spend or the window of an account: the store takes the new state at once. What the ledger
   * recorded but has not committed yet still lands on the row after the admin's value, so it counts here too.
   */
  async reset(account: string, spend: number, resetAt: Date | null): Promise<void> {
    await this.book.store.resetBudget({ key: account, spend: spend + this.ledger.pendingSpend(account), resetAt: resetAt?.getTime() ?? null });
  }
}
