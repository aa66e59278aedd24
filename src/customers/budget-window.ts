import { parseDuration } from '../common/duration';

export interface BudgetWindowState {
  spend: number;
  budgetResetAt: Date | null;
}

export type BudgetWindowChange =
  /** Nothing to do. */
  | { kind: 'none' }
  /** The budget has a duration but no window yet: the first one starts now. */
  | { kind: 'start'; resetAt: Date }
  /** The window passed: spend back to 0, the next window aligned on the previous reset time. */
  | { kind: 'reset'; dueAt: Date; resetAt: Date | null };

/**
 * What the budget window of an end user needs at `now`, given its budget's `budget_duration` (null = no
 * window). Windows stay aligned to the first reset time even across several idle windows.
 */
export function budgetWindowChange(state: BudgetWindowState, budgetDuration: string | null, now: number): BudgetWindowChange {
  const window = budgetDuration ? parseDuration(budgetDuration) : undefined;
  const due = state.budgetResetAt;
  if (!due) return window ? { kind: 'start', resetAt: new Date(now + window) } : { kind: 'none' };
  if (due.getTime() > now) return { kind: 'none' };
  const next = window ? new Date(due.getTime() + window * (Math.floor((now - due.getTime()) / window) + 1)) : null;
  return { kind: 'reset', dueAt: due, resetAt: next };
}
