/** What a budget's spend moved across in one step. */
export interface BudgetCrossings {
  /** Percentages of the max budget crossed (ascending); 100 or more is the budget itself crossed. */
  readonly percents: readonly number[];
  /** The soft budget was crossed. */
  readonly soft: boolean;
}

/**
 * The thresholds spend crossed going from `before` to `after`: a percentage `p` of `max` is crossed when
 * `before < p% of max <= after`, so each threshold is crossed once on the way up and a move entirely above (or
 * below) it crosses nothing. Thresholds are percentages, ascending (see readAlertingSettings).
 */
export function crossedThresholds(before: number, after: number, max: number | null, soft: number | null, thresholds: readonly number[]): BudgetCrossings {
  if (!(after > before)) return { percents: [], soft: false };
  const percents: number[] = [];
  if (max !== null && max > 0) {
    for (const percent of thresholds) {
      // Spend is a float sum (ten calls of 0.0016 make 0.015999…): the line sits a hair below p% so landing on it
      // counts, and the same line is used for before and after, so a threshold is still crossed only once.
      const line = (percent * max) / 100 - 1e-12 * max;
      if (before < line && line <= after) percents.push(percent);
    }
  }
  return { percents, soft: soft !== null && soft > 0 && before < soft && soft <= after };
}

/**
 * How much of a budget window must have passed before its spend is projected: early in a window a single call is
 * most of the spend so far, and `spend / elapsed` would project almost any first call over the budget.
 */
export const MIN_PROJECTION_ELAPSED_FRACTION = 0.1;

/** A windowed budget's spend projected to the end of its window at the rate spent so far. */
export interface SpendProjection {
  /** `spend / elapsed * windowMs`. */
  readonly projectedSpend: number;
  /** When spend reaches the max budget at that rate (epoch ms), before the window ends. */
  readonly exceededAt: number;
}

/**
 * LiteLLM's `projected_limit_exceeded`: the window's spend projected linearly from the spend so far and the time
 * elapsed, when that projection is above `max` while spend is still below it. Null when it is not, before
 * MIN_PROJECTION_ELAPSED_FRACTION of the window has passed, or when `now` lies outside the window (a stale reading).
 */
export function projectedOverrun(spend: number, max: number | null, window: { start: number; ms: number }, now: number): SpendProjection | null {
  if (max === null || !(max > 0) || !(spend > 0) || spend >= max || !(window.ms > 0)) return null;
  const elapsed = now - window.start;
  if (elapsed < window.ms * MIN_PROJECTION_ELAPSED_FRACTION || elapsed > window.ms) return null;
  const projectedSpend = (spend / elapsed) * window.ms;
  if (!(projectedSpend > max)) return null;
  return { projectedSpend, exceededAt: window.start + (elapsed * max) / spend };
}
