import { RecordCache, type RecordCacheOptions } from '../common/record-cache';
import type { EndUserRecord } from './end-user';

/** End users by id. They are many (one per customer of the applications), so the LRU bound matters here. */
export class EndUserCache extends RecordCache<EndUserRecord> {
  constructor(options: RecordCacheOptions = {}) {
    super(options);
  }

  /** Cached records on a budget, for a budget change to reach them at once. */
  withBudget(budgetId: string): EndUserRecord[] {
    return [...this.values()].filter((record) => record.budget?.budgetId === budgetId);
  }
}
