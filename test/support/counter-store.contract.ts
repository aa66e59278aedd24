import type { AdmissionCheck, CounterStore, Hold, RolledBudget } from '../../src/store/counter-store';

/** A store under test and the clock it reads; `advance` moves that clock. */
export interface StoreUnderTest {
  store: CounterStore;
  advance(ms: number): Promise<void> | void;
  close(): Promise<void> | void;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function admitted(result: Awaited<ReturnType<CounterStore['admit']>>): Hold {
  if (result.status !== 'admitted') throw new Error(`expected an admission, got ${JSON.stringify(result)}`);
  return result.hold;
}

/**
 * The CounterStore contract: every implementation (in-memory, Redis) must pass it. `makeStore` gets a start time
 * (epoch ms) for its clock; keys are unique per test so implementations sharing a server do not interfere.
 */
export function describeCounterStoreContract(name: string, makeStore: (startMs: number) => Promise<StoreUnderTest>): void {
  describe(`CounterStore contract: ${name}`, () => {
    let sut: StoreUnderTest;
    let prefix: string;
    let seq = 0;
    const key = (suffix: string): string => `${prefix}:${suffix}`;

    beforeEach(async () => {
      // Mid-minute, so a test's windows do not straddle a minute boundary by accident.
      sut = await makeStore(Date.UTC(2030, 0, 1, 12, 0, 30));
      prefix = `contract-${process.pid}-${Date.now()}-${seq++}`;
    });

    afterEach(async () => {
      await sut.close();
    });

    it('should ask for seeds before it admits against a budget it has never seen', async () => {
      const budget: AdmissionCheck = { kind: 'budget', key: key('b'), windowMs: null, max: 10, amount: 1 };
      expect(await sut.store.admit({ checks: [budget], leaseMs: MINUTE })).toEqual({ status: 'unseeded', keys: [key('b')] });
      await sut.store.seedBudgets([{ key: key('b'), spend: 4, resetAt: null }]);
      const result = await sut.store.admit({ checks: [budget], leaseMs: MINUTE });
      expect(result.status).toBe('admitted');
      expect(result.status === 'admitted' && result.values).toEqual([4]);
    });

    it('should never overwrite a seeded budget with a later seed, but replace it on reset', async () => {
      await sut.store.seedBudgets([{ key: key('b'), spend: 1, resetAt: null }]);
      await sut.store.seedBudgets([{ key: key('b'), spend: 99, resetAt: null }]);
      expect(await sut.store.readBudgets([{ key: key('b'), windowMs: null }])).toEqual([{ spend: 1, resetAt: null }]);
      await sut.store.resetBudget({ key: key('b'), spend: 7, resetAt: null });
      expect(
        await sut.store.readBudgets([
          { key: key('b'), windowMs: null },
          { key: key('unknown'), windowMs: null },
        ]),
      ).toEqual([{ spend: 7, resetAt: null }, undefined]);
    });

    it('should admit while committed spend plus open reservations is below the budget', async () => {
      await sut.store.seedBudgets([{ key: key('b'), spend: 0, resetAt: null }]);
      const check: AdmissionCheck = { kind: 'budget', key: key('b'), windowMs: null, max: 1, amount: 0.4 };
      const holds: Hold[] = [];
      for (let i = 0; i < 3; i++) holds.push(admitted(await sut.store.admit({ checks: [check], leaseMs: MINUTE })));
      // 1.2 reserved: the fourth is refused.
      const refused = await sut.store.admit({ checks: [check], leaseMs: MINUTE });
      expect(refused).toEqual({ status: 'refused', index: 0, values: [0] });
      await sut.store.release(holds[0]);
      admitted(await sut.store.admit({ checks: [check], leaseMs: MINUTE }));
    });

    it('should admit exactly as many concurrent calls as the budget covers', async () => {
      await sut.store.seedBudgets([{ key: key('b'), spend: 0, resetAt: null }]);
      const check: AdmissionCheck = { kind: 'budget', key: key('b'), windowMs: null, max: 10, amount: 1 };
      const results = await Promise.all(Array.from({ length: 50 }, () => sut.store.admit({ checks: [check], leaseMs: MINUTE })));
      expect(results.filter((result) => result.status === 'admitted')).toHaveLength(10);
    });

    it('should charge the actual cost at settlement, once, and give the reservation back', async () => {
      await sut.store.seedBudgets([
        { key: key('b'), spend: 1, resetAt: null },
        { key: key('team'), spend: 5, resetAt: null },
      ]);
      const hold = admitted(
        await sut.store.admit({
          checks: [
            { kind: 'budget', key: key('b'), windowMs: null, max: 2, amount: 0.9 },
            { kind: 'budget', key: key('team'), windowMs: null, max: null, amount: 0.9 },
          ],
          leaseMs: MINUTE,
        }),
      );
      const settlement = {
        charges: [
          { key: key('b'), windowMs: null, amount: 0.25 },
          { key: key('team'), windowMs: null, amount: 0.25 },
        ],
        windows: [{ key: key('tpm'), windowMs: MINUTE, delta: 120 }],
      };
      expect(await sut.store.settle(hold, settlement)).toEqual({ spendAfter: [1.25, 5.25] });
      expect(await sut.store.settle(hold, settlement)).toEqual({ spendAfter: null });
      await sut.store.release(hold);
      expect(await sut.store.readBudgets([{ key: key('b'), windowMs: null }])).toEqual([{ spend: 1.25, resetAt: null }]);
      expect(await sut.store.readWindows([key('tpm')], MINUTE)).toEqual([120]);
      // Nothing stays reserved: 0.74 of headroom admits a call again.
      admitted(await sut.store.admit({ checks: [{ kind: 'budget', key: key('b'), windowMs: null, max: 2, amount: 0.7 }], leaseMs: MINUTE }));
    });

    it('should take nothing when a later check refuses', async () => {
      await sut.store.seedBudgets([{ key: key('b'), spend: 0, resetAt: null }]);
      const checks: AdmissionCheck[] = [
        { kind: 'budget', key: key('b'), windowMs: null, max: 1, amount: 0.6 },
        { kind: 'slot', key: key('slot'), limit: 5 },
        { kind: 'rate', key: key('rpm'), windowMs: MINUTE, limit: 10, cost: 1 },
        { kind: 'slot', key: key('full'), limit: 0 },
      ];
      expect(await sut.store.admit({ checks, leaseMs: MINUTE })).toEqual({ status: 'refused', index: 3, values: [0, 1, 1, 0] });
      expect(await sut.store.slotsInUse([key('slot')])).toEqual([0]);
      expect(await sut.store.readWindows([key('rpm')], MINUTE)).toEqual([0]);
      // The reservation was given back: 0.6 fits again.
      admitted(await sut.store.admit({ checks: checks.slice(0, 1), leaseMs: MINUTE }));
    });

    it('should count requests per fixed window within the limit and only check token windows', async () => {
      const rpm: AdmissionCheck = { kind: 'rate', key: key('rpm'), windowMs: MINUTE, limit: 2, cost: 1 };
      const first = await sut.store.admit({ checks: [rpm], leaseMs: MINUTE });
      expect(first.status === 'admitted' && first.values).toEqual([1]);
      admitted(await sut.store.admit({ checks: [rpm], leaseMs: MINUTE }));
      expect(await sut.store.admit({ checks: [rpm], leaseMs: MINUTE })).toEqual({ status: 'refused', index: 0, values: [2] });
      await sut.advance(MINUTE);
      admitted(await sut.store.admit({ checks: [rpm], leaseMs: MINUTE }));

      const tpm: AdmissionCheck = { kind: 'rate', key: key('tpm'), windowMs: MINUTE, limit: 100, cost: 0 };
      admitted(await sut.store.admit({ checks: [tpm], leaseMs: MINUTE }));
      await sut.store.addToWindow(key('tpm'), MINUTE, 100);
      expect(await sut.store.admit({ checks: [tpm], leaseMs: MINUTE })).toEqual({ status: 'refused', index: 0, values: [100] });
    });

    it('should hold parallel slots until they are released', async () => {
      const slot: AdmissionCheck = { kind: 'slot', key: key('slot'), limit: 2 };
      const a = admitted(await sut.store.admit({ checks: [slot], leaseMs: MINUTE }));
      admitted(await sut.store.admit({ checks: [slot], leaseMs: MINUTE }));
      expect((await sut.store.admit({ checks: [slot], leaseMs: MINUTE })).status).toBe('refused');
      await sut.store.release(a);
      await sut.store.release(a);
      expect(await sut.store.slotsInUse([key('slot')])).toEqual([1]);
      admitted(await sut.store.admit({ checks: [slot], leaseMs: MINUTE }));
    });

    it('should roll a budget window over when it ends and report it once', async () => {
      const rolled: RolledBudget[] = [];
      sut.store.onBudgetRolled((event) => rolled.push(event));
      const start = Date.UTC(2030, 0, 1, 12, 0, 30);
      await sut.store.seedBudgets([{ key: key('b'), spend: 3, resetAt: start + HOUR }]);
      const ref = { key: key('b'), windowMs: HOUR };
      expect(await sut.store.readBudgets([ref])).toEqual([{ spend: 3, resetAt: start + HOUR }]);
      await sut.advance(2.5 * HOUR);
      // Windows stay aligned to the first reset: the one containing now ends 3 h after the start.
      expect(await sut.store.readBudgets([ref])).toEqual([{ spend: 0, resetAt: start + 3 * HOUR }]);
      expect(await sut.store.readBudgets([ref])).toEqual([{ spend: 0, resetAt: start + 3 * HOUR }]);
      expect(rolled).toEqual([{ key: key('b'), resetAt: start + 3 * HOUR, previousResetAt: start + HOUR }]);
    });

    it('should open the first window of a budget that has a duration but no reset time yet', async () => {
      const rolled: RolledBudget[] = [];
      sut.store.onBudgetRolled((event) => rolled.push(event));
      const start = Date.UTC(2030, 0, 1, 12, 0, 30);
      await sut.store.seedBudgets([{ key: key('b'), spend: 2, resetAt: null }]);
      const hold = admitted(await sut.store.admit({ checks: [{ kind: 'budget', key: key('b'), windowMs: HOUR, max: 10, amount: 1 }], leaseMs: MINUTE }));
      await sut.store.release(hold);
      expect(await sut.store.readBudgets([{ key: key('b'), windowMs: HOUR }])).toEqual([{ spend: 2, resetAt: start + HOUR }]);
      expect(rolled).toEqual([{ key: key('b'), resetAt: start + HOUR, previousResetAt: null }]);
    });

    it('should keep router counters: windows, slots, marks and samples', async () => {
      expect(await sut.store.addToWindow(key('fail'), MINUTE, 1)).toBe(1);
      expect(await sut.store.addToWindow(key('fail'), MINUTE, 1)).toBe(2);
      expect(await sut.store.readWindows([key('fail'), key('other')], MINUTE)).toEqual([2, 0]);
      await sut.store.clearWindow(key('fail'));
      expect(await sut.store.readWindows([key('fail')], MINUTE)).toEqual([0]);

      expect(await sut.store.acquireSlot(key('d'), 1, MINUTE)).toBe(true);
      expect(await sut.store.acquireSlot(key('d'), 1, MINUTE)).toBe(false);
      await sut.store.releaseSlot(key('d'));
      expect(await sut.store.slotsInUse([key('d'), key('e')])).toEqual([0, 0]);

      const start = Date.UTC(2030, 0, 1, 12, 0, 30);
      await sut.store.markUntil(key('cool'), start + 5_000);
      expect(await sut.store.marks([key('cool'), key('warm')])).toEqual([start + 5_000, undefined]);
      await sut.advance(5_000);
      expect(await sut.store.marks([key('cool')])).toEqual([undefined]);

      for (let i = 1; i <= 12; i++) await sut.store.addSample(key('lat'), i * 10, 10);
      expect(await sut.store.sampleMeans([key('lat'), key('none')])).toEqual([75, undefined]);
    });
  });
}
