import type { Clock, CounterStore } from '../../store/counter-store';
import { SharedStoreUnavailableError } from '../../store/store.errors';
import type { DeploymentUsage, RouterStateStore } from './router-state.store';

const MINUTE_MS = 60_000;
/** How many recent latencies latency-based routing averages over (LiteLLM keeps a short list too). */
const LATENCY_SAMPLES = 10;
/** A deployment slot whose holder vanished (an instance killed mid-call) frees itself after this long, by default. */
const SLOT_LEASE_MS = 10 * MINUTE_MS;

const failuresOf = (id: string): string => `deployment:${id}:failures`;
const cooldownOf = (id: string): string => `deployment:${id}:cooldown`;
const slotOf = (id: string): string => `deployment:${id}:parallel`;
const requestsOf = (id: string): string => `deployment:${id}:rpm`;
const tokensOf = (id: string): string => `deployment:${id}:tpm`;
const latencyOf = (id: string): string => `deployment:${id}:latency`;

/**
 * The router's per-deployment state on the shared counter store's primitives, so cooldowns, usage and latencies
 * are the same on every instance whenever the store is. Router state steers, it does not govern: while the shared
 * store is unreachable (and calls go ahead, `redis_failure_mode: fail_open`) every read answers "nothing known"
 * (no cooldown, no usage, a free slot) and writes are dropped, rather than failing the call.
 */
export class StoreRouterState implements RouterStateStore {
  constructor(
    private readonly store: CounterStore,
    private readonly clock: Clock,
    private readonly slotLeaseMs: number = SLOT_LEASE_MS,
  ) {}

  addFailure(deploymentId: string, windowMs: number): Promise<number> {
    return orElse(this.store.addToWindow(failuresOf(deploymentId), windowMs, 1), 0);
  }

  async startCooldown(deploymentId: string, durationMs: number): Promise<void> {
    await orElse(this.store.markUntil(cooldownOf(deploymentId), this.clock.now() + durationMs), undefined);
    // A deployment that returns starts with a clean slate, as LiteLLM's per-minute failure list expires.
    await orElse(this.store.clearWindow(failuresOf(deploymentId)), undefined);
  }

  async cooldowns(deploymentIds: readonly string[]): Promise<Map<string, number>> {
    const until = await orElse(this.store.marks(deploymentIds.map(cooldownOf)), []);
    const cooling = new Map<string, number>();
    deploymentIds.forEach((id, i) => {
      const end = until[i];
      if (end !== undefined) cooling.set(id, end);
    });
    return cooling;
  }

  acquireSlot(deploymentId: string, limit: number): Promise<boolean> {
    return orElse(this.store.acquireSlot(slotOf(deploymentId), limit, this.slotLeaseMs), true);
  }

  releaseSlot(deploymentId: string): Promise<void> {
    return orElse(this.store.releaseSlot(slotOf(deploymentId)), undefined);
  }

  async inFlight(deploymentIds: readonly string[]): Promise<Map<string, number>> {
    const used = await orElse(this.store.slotsInUse(deploymentIds.map(slotOf)), []);
    return new Map(deploymentIds.map((id, i) => [id, used[i] ?? 0]));
  }

  async addUsage(deploymentId: string, requests: number, tokens: number): Promise<void> {
    if (requests !== 0) await orElse(this.store.addToWindow(requestsOf(deploymentId), MINUTE_MS, requests), 0);
    if (tokens !== 0) await orElse(this.store.addToWindow(tokensOf(deploymentId), MINUTE_MS, tokens), 0);
  }

  async usage(deploymentIds: readonly string[]): Promise<Map<string, DeploymentUsage>> {
    const [requests, tokens] = await Promise.all([
      orElse(this.store.readWindows(deploymentIds.map(requestsOf), MINUTE_MS), []),
      orElse(this.store.readWindows(deploymentIds.map(tokensOf), MINUTE_MS), []),
    ]);
    return new Map(deploymentIds.map((id, i) => [id, { requests: requests[i] ?? 0, tokens: tokens[i] ?? 0 }]));
  }

  recordLatency(deploymentId: string, latencyMs: number): Promise<void> {
    return orElse(this.store.addSample(latencyOf(deploymentId), latencyMs, LATENCY_SAMPLES), undefined);
  }

  async latencies(deploymentIds: readonly string[]): Promise<Map<string, number>> {
    const means = await orElse(this.store.sampleMeans(deploymentIds.map(latencyOf)), []);
    const result = new Map<string, number>();
    deploymentIds.forEach((id, i) => {
      const mean = means[i];
      if (mean !== undefined) result.set(id, mean);
    });
    return result;
  }
}

/** The store's answer, or `fallback` when the shared store is unreachable (any other failure is a bug and propagates). */
async function orElse<T>(operation: Promise<T>, fallback: T): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    if (error instanceof SharedStoreUnavailableError) return fallback;
    throw error;
  }
}
