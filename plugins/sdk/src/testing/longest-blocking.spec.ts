import { bestOf, longestBlockingMs } from './index';

const spinFor = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy: the event loop cannot run
  }
};

describe('longestBlockingMs', () => {
  it('should see a synchronous stretch of work whole', async () => {
    expect(await longestBlockingMs(async () => spinFor(120))).toBeGreaterThanOrEqual(119);
  });

  it('should see only the longest slice of work that yields between slices', async () => {
    // The whole run is 120 ms of work: anything well under it saw slices, not the run. A loaded machine only adds
    // time (a descheduled process), so the best of five runs is kept.
    const measured = await bestOf(5, () =>
      longestBlockingMs(async () => {
        for (let slice = 0; slice < 12; slice++) {
          spinFor(10);
          await new Promise((resolve) => setImmediate(resolve));
        }
      }),
    );
    expect(measured).toBeLessThan(100);
  });

  it('should keep the best of several measurements', async () => {
    const values = [30, 12, 45];
    expect(await bestOf(3, async () => values.shift() as number)).toBe(12);
  });
});
