import { budgetWindowChange } from './budget-window';

const DAY = 86_400_000;

describe(budgetWindowChange.name, () => {
  it('should do nothing without a duration and without a reset time', () => {
    expect(budgetWindowChange({ spend: 5, budgetResetAt: null }, null, 0)).toEqual({ kind: 'none' });
  });

  it('should open the first window when the budget has a duration', () => {
    expect(budgetWindowChange({ spend: 5, budgetResetAt: null }, '1d', 1000)).toEqual({ kind: 'start', resetAt: new Date(1000 + DAY) });
  });

  it('should leave a window that has not passed', () => {
    expect(budgetWindowChange({ spend: 5, budgetResetAt: new Date(DAY) }, '1d', DAY - 1)).toEqual({ kind: 'none' });
  });

  it('should reset a passed window, aligned on the previous reset time across idle windows', () => {
    expect(budgetWindowChange({ spend: 5, budgetResetAt: new Date(DAY) }, '1d', DAY)).toEqual({ kind: 'reset', dueAt: new Date(DAY), resetAt: new Date(2 * DAY) });
    expect(budgetWindowChange({ spend: 5, budgetResetAt: new Date(DAY) }, '1d', 3.5 * DAY)).toEqual({ kind: 'reset', dueAt: new Date(DAY), resetAt: new Date(4 * DAY) });
  });

  it('should reset once and stop when the budget lost its duration', () => {
    expect(budgetWindowChange({ spend: 5, budgetResetAt: new Date(DAY) }, null, 2 * DAY)).toEqual({ kind: 'reset', dueAt: new Date(DAY), resetAt: null });
  });
});
