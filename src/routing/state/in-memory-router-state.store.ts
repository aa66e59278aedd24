import type { Clock, DeploymentUsage, RouterStateStore } from './router-state.store';

const MINUTE_MS = 60_000;
/** How many recent latencies latency-based routing averages over (LiteLLM keeps a short list too). */
const LATENCY_SAMPLES = 10;

interface Window {
  start: number;
  value: number;
}

/**
 * Single-instance RouterStateStore. Node runs each method without interleaving, so every one is atomic;
 * async only to share the contract with a Redis implementation. Maps are keyed by deployment id, so their
 * size is bounded by the number of deployments.
 */
export class InMemoryRouterStateStore implements RouterStateStore {
  private readonly failures = new Map<string, Window>();
  private readonly cooldownUntil = new Map<string, number>();
  private readonly slots = new Map<string, number>();
  private readonly requestWindows = new Map<string, Window>();
  private readonly tokenWindows = new Map<string, Window>();
  private readonly latencySamples = new Map<string, number[]>();

  constructor(private readonly clock: Clock) {}

  async addFailure(deploymentId: string, windowMs: number): Promise<number> {
    const window = this.window(this.failures, deploymentId, windowMs);
    window.value += 1;
    return window.value;
  }

  async startCooldown(deploymentId: string, durationMs: number): Promise<void> {
    this.cooldownUntil.set(deploymentId, this.clock.now() + durationMs);
    // A deployment that returns starts with a clean slate, as LiteLLM's per-minute failure list expires.
    this.failures.delete(deploymentId);
  }

  async cooldowns(deploymentIds: readonly string[]): Promise<Map<string, number>> {
    const cooling = new Map<string, number>();
    if (this.cooldownUntil.size === 0) return cooling;
    const now = this.clock.now();
    for (const id of deploymentIds) {
      const until = this.cooldownUntil.get(id);
      if (until === undefined) continue;
      if (until > now) cooling.set(id, until);
      else this.cooldownUntil.delete(id);
    }
    return cooling;
  }

  async acquireSlot(deploymentId: string, limit: number): Promise<boolean> {
    const used = this.slots.get(deploymentId) ?? 0;
    if (used >= limit) return false;
    this.slots.set(deploymentId, used + 1);
    return true;
  }

  async releaseSlot(deploymentId: string): Promise<void> {
    const used = (this.slots.get(deploymentId) ?? 0) - 1;
    if (used > 0) this.slots.set(deploymentId, used);
    else this.slots.delete(deploymentId);
  }

  async inFlight(deploymentIds: readonly string[]): Promise<Map<string, number>> {
    return new Map(deploymentIds.map((id) => [id, this.slots.get(id) ?? 0]));
  }

  async addUsage(deploymentId: string, requests: number, tokens: number): Promise<void> {
    this.window(this.requestWindows, deploymentId, MINUTE_MS).value += requests;
    this.window(this.tokenWindows, deploymentId, MINUTE_MS).value += tokens;
  }

  async usage(deploymentIds: readonly string[]): Promise<Map<string, DeploymentUsage>> {
    return new Map(
      deploymentIds.map((id) => [
        id,
        { requests: this.window(this.requestWindows, id, MINUTE_MS).value, tokens: this.window(this.tokenWindows, id, MINUTE_MS).value },
      ]),
    );
  }

  async recordLatency(deploymentId: string, latencyMs: number): Promise<void> {
    let samples = this.latencySamples.get(deploymentId);
    if (!samples) this.latencySamples.set(deploymentId, (samples = []));
    samples.push(latencyMs);
    if (samples.length > LATENCY_SAMPLES) samples.shift();
  }

  async latencies(deploymentIds: readonly string[]): Promise<Map<string, number>> {
    const means = new Map<string, number>();
    for (const id of deploymentIds) {
      const samples = this.latencySamples.get(id);
      if (samples && samples.length > 0) means.set(id, samples.reduce((sum, value) => sum + value, 0) / samples.length);
    }
    return means;
  }

  /** The current fixed window of `key`, started afresh once the previous one has ended. */
  private window(map: Map<string, Window>, key: string, windowMs: number): Window {
    const start = Math.floor(this.clock.now() / windowMs) * windowMs;
    let window = map.get(key);
    if (!window || window.start !== start) {
      window = { start, value: 0 };
      map.set(key, window);
    }
    return window;
  }
}
