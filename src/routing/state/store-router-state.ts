import type { Clock, CounterStore } from '../../store/counter-store';
import type { DeploymentUsage, RouterStateStore } from './router-state.store';

const MINUTE_MS = 60_000;
/** How many recent latencies latency-based routing averages over (LiteLLM keeps a short list too). */
const LATENCY_SAMPLES = 10;
/** A deployment slot whose holder vanished (an instance killed mid-call) frees itself after this long. */
const SLOT_LEASE_MS = 10 * MINUTE_MS;

const failuresOf = (id: string): string => `deployment:${id}:failures`;
const cooldownOf = (id: string): string => `deployment:${id}:cooldown`;
const slotOf = (id: string): string => `deployment:${id}:parallel`;
const requestsOf = (id: string): string => `deployment:${id}:rpm`;
const tokensOf = (id: string): string => `deployment:${id}:tpm`;
const latencyOf = (id: string): string => `deployment:${id}:latency`;

/**
 * The router's per-deployment state on the shared counter store's primitives, so cooldowns, usage and latencies
 * are the same on every instance whenever the store is.
 */
export class StoreRouterState implements RouterStateStore {
  constructor(
    private readonly store: CounterStore,
    private readonly clock: Clock,
  ) {}

  addFailure(deploymentId: string, windowMs: number): Promise<number> {
    return this.store.addToWindow(failuresOf(deploymentId), windowMs, 1);
  }

  async startCooldown(deploymentId: string, durationMs: number): Promise<void> {
    await this.store.markUntil(cooldownOf(deploymentId), this.clock.now() + durationMs);
    // A deployment that returns starts with a clean slate, as LiteLLM's per-minute failure list expires.
    await this.store.clearWindow(failuresOf(deploymentId));
  }

  async cooldowns(deploymentIds: readonly string[]): Promise<Map<string, number>> {
    const until = await this.store.marks(deploymentIds.map(cooldownOf));
    const cooling = new Map<string, number>();
    deploymentIds.forEach((id, i) => {
      const end = until[i];
      if (end !== undefined) cooling.set(id, end);
    });
    return cooling;
  }

  acquireSlot(deploymentId: string, limit: number): Promise<boolean> {
    return this.store.acquireSlot(slotOf(deploymentId), limit, SLOT_LEASE_MS);
  }

  releaseSlot(deploymentId: string): Promise<void> {
    return this.store.releaseSlot(slotOf(deploymentId));
  }

  async inFlight(deploymentIds: readonly string[]): Promise<Map<string, number>> {
    const used = await this.store.slotsInUse(deploymentIds.map(slotOf));
    return new Map(deploymentIds.map((id, i) => [id, used[i]]));
  }

  async addUsage(deploymentId: string, requests: number, tokens: number): Promise<void> {
    if (requests !== 0) await this.store.addToWindow(requestsOf(deploymentId), MINUTE_MS, requests);
    if (tokens !== 0) await this.store.addToWindow(tokensOf(deploymentId), MINUTE_MS, tokens);
  }

  async usage(deploymentIds: readonly string[]): Promise<Map<string, DeploymentUsage>> {
    const [requests, tokens] = await Promise.all([
      this.store.readWindows(deploymentIds.map(requestsOf), MINUTE_MS),
      this.store.readWindows(deploymentIds.map(tokensOf), MINUTE_MS),
    ]);
    return new Map(deploymentIds.map((id, i) => [id, { requests: requests[i], tokens: tokens[i] }]));
  }

  recordLatency(deploymentId: string, latencyMs: number): Promise<void> {
    return this.store.addSample(latencyOf(deploymentId), latencyMs, LATENCY_SAMPLES);
  }

  async latencies(deploymentIds: readonly string[]): Promise<Map<string, number>> {
    const means = await this.store.sampleMeans(deploymentIds.map(latencyOf));
    const result = new Map<string, number>();
    deploymentIds.forEach((id, i) => {
      const mean = means[i];
      if (mean !== undefined) result.set(id, mean);
    });
    return result;
  }
}
