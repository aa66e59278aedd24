import { DEFAULT_BUDGET_ALERT_THRESHOLDS } from '../config/alerting-settings';
import { crossedThresholds, projectedOverrun } from './budget-thresholds';

const DEFAULTS = DEFAULT_BUDGET_ALERT_THRESHOLDS;

describe(crossedThresholds.name, () => {
  it('should alert only the threshold a step crosses (40 → 60 % crosses 50)', () => {
    expect(crossedThresholds(40, 60, 100, null, DEFAULTS)).toEqual({ percents: [50], soft: false });
  });

  it('should alert every threshold one step jumps over (40 → 96 % crosses 50, 80 and 95)', () => {
    expect(crossedThresholds(4, 9.6, 10, null, DEFAULTS).percents).toEqual([50, 80, 95]);
  });

  it('should alert nothing when spend is already past a threshold or does not reach the next', () => {
    expect(crossedThresholds(60, 70, 100, null, DEFAULTS).percents).toEqual([]);
    expect(crossedThresholds(96, 99, 100, null, DEFAULTS).percents).toEqual([]);
    expect(crossedThresholds(101, 150, 100, null, DEFAULTS).percents).toEqual([]);
    expect(crossedThresholds(10, 20, 100, null, DEFAULTS).percents).toEqual([]);
  });

  it('should count landing exactly on a threshold as crossing it, once', () => {
    expect(crossedThresholds(40, 50, 100, null, DEFAULTS).percents).toEqual([50]);
    expect(crossedThresholds(50, 55, 100, null, DEFAULTS).percents).toEqual([]);
  });

  it('should alert 100 % when the budget itself is crossed, past it or onto it', () => {
    expect(crossedThresholds(96, 120, 100, null, DEFAULTS).percents).toEqual([100]);
    expect(crossedThresholds(0, 1000, 100, null, DEFAULTS).percents).toEqual([50, 80, 95, 100]);
  });

  it('should cross a threshold that spend reaches by float sums (ten calls of 0.0016 against 0.016)', () => {
    let spend = 0;
    const crossed: number[] = [];
    for (let call = 0; call < 10; call++) {
      const before = spend;
      spend += 0.0016;
      crossed.push(...crossedThresholds(before, spend, 0.016, null, DEFAULTS).percents);
    }
    expect(crossed).toEqual([50, 80, 95, 100]);
  });

  it('should use the configured thresholds', () => {
    expect(crossedThresholds(0, 75, 100, null, [25, 75]).percents).toEqual([25, 75]);
  });

  it('should report a soft budget crossing once, and none without a max budget', () => {
    expect(crossedThresholds(4, 6, null, 5, DEFAULTS)).toEqual({ percents: [], soft: true });
    expect(crossedThresholds(6, 7, null, 5, DEFAULTS).soft).toBe(false);
    expect(crossedThresholds(4, 6, 100, 5, DEFAULTS)).toEqual({ percents: [], soft: true });
  });

  it('should cross nothing when spend did not go up or the budget is zero', () => {
    expect(crossedThresholds(60, 60, 100, 50, DEFAULTS)).toEqual({ percents: [], soft: false });
    expect(crossedThresholds(0, 5, 0, null, DEFAULTS).percents).toEqual([]);
  });
});

describe('crossedThresholds over a run of calls', () => {
  it('should cross each threshold exactly once whatever the float rounding of the running spend', () => {
    for (const cost of [0.0016, 0.001, 0.0003, 0.07, 1 / 3]) {
      const max = cost * 10;
      let spend = 0;
      const crossed: number[] = [];
      for (let call = 0; call < 12; call++) {
        const before = spend;
        spend += cost;
        crossed.push(...crossedThresholds(before, spend, max, null, DEFAULT_BUDGET_ALERT_THRESHOLDS).percents);
      }
      expect(crossed).toEqual([50, 80, 95, 100]);
    }
  });
});

describe(projectedOverrun.name, () => {
  const DAY = 86_400_000;
  const window = { start: 10 * DAY, ms: DAY };

  it('should project the window from the rate so far: $6 in a quarter of a day is $24 a day, over a $10 budget', () => {
    const projection = projectedOverrun(6, 10, window, window.start + DAY / 4);
    expect(projection?.projectedSpend).toBeCloseTo(24);
    // $10 at $6 per quarter day: 10/6 of a quarter day into the window.
    expect(projection?.exceededAt).toBeCloseTo(window.start + (DAY / 4) * (10 / 6));
  });

  it('should not project a budget whose pace stays within it', () => {
    expect(projectedOverrun(2, 10, window, window.start + DAY / 4)).toBeNull();
    expect(projectedOverrun(2.5, 10, window, window.start + DAY / 4)).toBeNull();
  });

  it('should not project before a tenth of the window has passed (a first call is not a rate)', () => {
    expect(projectedOverrun(1, 10, window, window.start + DAY * 0.09)).toBeNull();
    expect(projectedOverrun(1.5, 10, window, window.start + DAY * 0.09)).toBeNull();
    expect(projectedOverrun(1.5, 10, window, window.start + DAY * 0.1)?.projectedSpend).toBeCloseTo(15);
  });

  it('should not project once spend reached the budget (budget_crossed says so), nor without a max or spend', () => {
    expect(projectedOverrun(10, 10, window, window.start + DAY / 2)).toBeNull();
    expect(projectedOverrun(12, 10, window, window.start + DAY / 2)).toBeNull();
    expect(projectedOverrun(6, null, window, window.start + DAY / 2)).toBeNull();
    expect(projectedOverrun(0, 10, window, window.start + DAY / 2)).toBeNull();
  });

  it('should not project from a reading of another window', () => {
    expect(projectedOverrun(6, 10, window, window.start + 2 * DAY)).toBeNull();
    expect(projectedOverrun(6, 10, window, window.start - 1)).toBeNull();
  });
});
