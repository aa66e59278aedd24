import type { SpendLedgerService } from '../spend-ledger.service';

/**
 * The part of the spend ledger that record caches use (pending spend, commit notifications), driven by hand in
 * unit specs: `add` is a call the ledger recorded, `commit` is its batch reaching the database.
 */
export class FakeSpendLedger {
  private readonly pending = new Map<string, number>();
  private readonly listeners: (() => void)[] = [];

  add(subject: string, amount: number): void {
    this.pending.set(subject, (this.pending.get(subject) ?? 0) + amount);
  }

  /** The batch lands: `apply` writes the amount to the fake row, then the amount is no longer pending. */
  commit(subject: string, apply: (amount: number) => void): void {
    apply(this.pending.get(subject) ?? 0);
    this.pending.delete(subject);
    for (const listener of this.listeners) listener();
  }

  pendingSpend(subject: string): number {
    return this.pending.get(subject) ?? 0;
  }

  onCommitted(listener: () => void): void {
    this.listeners.push(listener);
  }

  get service(): SpendLedgerService {
    return this as unknown as SpendLedgerService;
  }
}
