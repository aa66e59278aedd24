/**
 * Routing state that several gateway instances must share: cooldowns, failure counts, in-flight calls,
 * per-minute usage and recent latencies of each deployment. It is kept on the shared CounterStore's primitives
 * (`StoreRouterState`), so it is per instance or shared exactly when the store is. Every method is atomic on its key.
 */
export interface RouterStateStore {
  /** Counts one failure of `deploymentId` in the current window of `windowMs`; returns the count after it. */
  addFailure(deploymentId: string, windowMs: number): Promise<number>;
  /** Takes the deployment out of rotation until `durationMs` from now. */
  startCooldown(deploymentId: string, durationMs: number): Promise<void>;
  /** Those of `deploymentIds` that are cooling down now, with when each returns (epoch ms). */
  cooldowns(deploymentIds: readonly string[]): Promise<Map<string, number>>;
  /** Takes one of `limit` parallel-call slots of the deployment; false when all are taken. */
  acquireSlot(deploymentId: string, limit: number): Promise<boolean>;
  releaseSlot(deploymentId: string): Promise<void>;
  /** Calls in flight per deployment (least-busy). */
  inFlight(deploymentIds: readonly string[]): Promise<Map<string, number>>;
  /** Adds requests and tokens to the deployment's usage of the current minute. */
  addUsage(deploymentId: string, requests: number, tokens: number): Promise<void>;
  /** Usage of the current minute per deployment (usage-based routing). */
  usage(deploymentIds: readonly string[]): Promise<Map<string, DeploymentUsage>>;
  /** Records how long a successful call took (latency-based routing keeps the most recent ones). */
  recordLatency(deploymentId: string, latencyMs: number): Promise<void>;
  /** Mean of the recent latencies per deployment; absent = no sample yet. */
  latencies(deploymentIds: readonly string[]): Promise<Map<string, number>>;
}

export interface DeploymentUsage {
  requests: number;
  tokens: number;
}

export type { Clock } from '../../store/counter-store';

export const ROUTER_STATE_STORE = Symbol('ROUTER_STATE_STORE');
export const ROUTER_CLOCK = Symbol('ROUTER_CLOCK');
