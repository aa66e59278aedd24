import type { CallObserver, SettledCall } from './call-observer';
import { CallObservers } from './call-observers';
import type { LitellmMetrics } from './litellm-metrics';

const observer = (active: boolean, seen: SettledCall[], fail = false): CallObserver => ({
  active,
  settled: (call) => {
    if (fail) throw new Error('observer bug');
    seen.push(call);
  },
});

const call = { route: null } as unknown as SettledCall;

describe(CallObservers.name, () => {
  it('should be inactive while nothing listens, so the pipeline builds no SettledCall', () => {
    const observers = new CallObservers(observer(false, []) as LitellmMetrics);
    observers.register(observer(false, []));
    expect(observers.active).toBe(false);
  });

  it('should tell every active observer of each call, the metrics first', () => {
    const metrics: SettledCall[] = [];
    const alerting: SettledCall[] = [];
    const idle: SettledCall[] = [];
    const observers = new CallObservers(observer(true, metrics) as LitellmMetrics);
    const second = observer(true, alerting);
    observers.register(second);
    observers.register(second);
    observers.register(observer(false, idle));
    expect(observers.active).toBe(true);
    observers.settled(call);
    expect([metrics.length, alerting.length, idle.length]).toEqual([1, 1, 0]);
  });

  it('should become active when an active observer registers after the metrics (prometheus off)', () => {
    const seen: SettledCall[] = [];
    const observers = new CallObservers(observer(false, []) as LitellmMetrics);
    observers.register(observer(true, seen));
    expect(observers.active).toBe(true);
    observers.settled(call);
    expect(seen).toHaveLength(1);
  });

  it('should keep telling the others when one observer throws', () => {
    const seen: SettledCall[] = [];
    const observers = new CallObservers(observer(true, [], true) as LitellmMetrics);
    observers.register(observer(true, seen));
    expect(() => observers.settled(call)).not.toThrow();
    expect(seen).toHaveLength(1);
  });

  it('should tell started calls to the observers that watch them only, and survive one that throws', () => {
    const started: string[] = [];
    const watcher = (fail: boolean): CallObserver => ({
      active: true,
      started: (callId, requestedModel) => {
        if (fail) throw new Error('observer bug');
        started.push(`${callId}:${requestedModel}`);
      },
      settled: () => undefined,
    });
    const observers = new CallObservers(observer(true, []) as LitellmMetrics);
    observers.register(watcher(true));
    observers.register(watcher(false));
    observers.register({ ...watcher(false), active: false });
    expect(() => observers.started('call-1', 'gpt-group')).not.toThrow();
    expect(started).toEqual(['call-1:gpt-group']);
  });
});
