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
