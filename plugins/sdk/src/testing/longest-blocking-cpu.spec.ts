import { longestBlockingCpuMs } from './index';

const spinFor = (ms: number): void => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy: the event loop cannot run
  }
};

describe('longestBlockingCpuMs', () => {
  it('should see a synchronous stretch of work whole', async () => {
    expect(await longestBlockingCpuMs(async () => spinFor(120))).toBeGreaterThan(90);
  });

  it('should see only the longest slice of work that yields between slices', async () => {
    const measured = await longestBlockingCpuMs(async () => {
      for (let slice = 0; slice < 12; slice++) {
        spinFor(10);
        await new Promise((resolve) => setImmediate(resolve));
      }
    });
    expect(measured).toBeLessThan(60);
  });
});
