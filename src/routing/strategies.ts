import type { Deployment } from './deployment';
import type { RoutingStrategy } from './router-policy';
import type { DeploymentUsage } from './state/router-state.store';

/** What a strategy may look at besides the candidates; only the facts its strategy needs are filled in. */
export interface SelectionFacts {
  inFlight?: ReadonlyMap<string, number>;
  latencies?: ReadonlyMap<string, number>;
  usage?: ReadonlyMap<string, DeploymentUsage>;
  /** USD per input + output token, per deployment. */
  costPerToken?: (deployment: Deployment) => number;
  /** Prompt tokens of the call (usage-based routing checks a deployment's tpm has room). */
  estimatedTokens?: number;
  lowestLatencyBuffer?: number;
  /** [0, 1); injectable for tests. */
  random: () => number;
}

/**
 * Chooses one of `candidates` (all healthy and eligible) by the configured strategy. Returns undefined only
 * when usage-based routing finds every deployment at its rpm/tpm limit.
 */
export function choose(strategy: RoutingStrategy, candidates: readonly Deployment[], facts: SelectionFacts): Deployment | undefined {
  if (candidates.length === 1 && strategy !== 'usage-based-routing' && strategy !== 'usage-based-routing-v2') return candidates[0];
  switch (strategy) {
    case 'simple-shuffle':
      return weightedShuffle(candidates, facts.random);
    case 'least-busy':
      return lowest(candidates, (d) => facts.inFlight?.get(d.id) ?? 0, facts.random);
    case 'latency-based-routing':
      return lowestLatency(candidates, facts);
    case 'usage-based-routing':
    case 'usage-based-routing-v2':
      return lowestUsage(candidates, facts);
    case 'cost-based-routing':
      return lowest(candidates, (d) => facts.costPerToken?.(d) ?? 0, facts.random);
  }
}

/**
 * LiteLLM's simple-shuffle: weighted by `weight` when any deployment has one, else by `rpm`, else by `tpm`,
 * else uniform. A deployment without the weighting field gets the others' mean rather than nothing.
 */
export function weightedShuffle(candidates: readonly Deployment[], random: () => number): Deployment {
  const weights = weightsOf(candidates);
  if (!weights) return candidates[Math.floor(random() * candidates.length)];
  const total = weights.reduce((sum, w) => sum + w, 0);
  if (total <= 0) return candidates[Math.floor(random() * candidates.length)];
  let point = random() * total;
  for (let i = 0; i < candidates.length; i++) {
    point -= weights[i];
    if (point < 0) return candidates[i];
  }
  return candidates[candidates.length - 1];
}

function weightsOf(candidates: readonly Deployment[]): number[] | undefined {
  for (const field of ['weight', 'rpm', 'tpm'] as const) {
    const values = candidates.map((d) => numeric(d.params[field]));
    const known = values.filter((v): v is number => v !== undefined);
    if (known.length === 0) continue;
    const mean = known.reduce((sum, v) => sum + v, 0) / known.length;
    return values.map((v) => v ?? mean);
  }
  return undefined;
}

/** The candidate with the lowest score; ties are broken at random so equal deployments share the load. */
function lowest(candidates: readonly Deployment[], score: (d: Deployment) => number, random: () => number, buffer = 0): Deployment {
  let best = Infinity;
  const scores = candidates.map((d) => {
    const value = score(d);
    if (value < best) best = value;
    return value;
  });
  const limit = best + Math.abs(best) * buffer;
  const ties = candidates.filter((_, i) => scores[i] <= limit);
  return ties[Math.floor(random() * ties.length)];
}

/** Deployments with no sample yet count as fastest, so each gets measured before the fastest takes over. */
function lowestLatency(candidates: readonly Deployment[], facts: SelectionFacts): Deployment {
  return lowest(candidates, (d) => facts.latencies?.get(d.id) ?? 0, facts.random, facts.lowestLatencyBuffer ?? 0);
}

/**
 * Least tokens used this minute among deployments whose rpm and tpm still have room for this call
 * (LiteLLM's usage-based routing); undefined when none has.
 */
function lowestUsage(candidates: readonly Deployment[], facts: SelectionFacts): Deployment | undefined {
  const tokens = facts.estimatedTokens ?? 0;
  const open = candidates.filter((d) => {
    const used = facts.usage?.get(d.id) ?? { requests: 0, tokens: 0 };
    const rpm = numeric(d.params.rpm);
    const tpm = numeric(d.params.tpm);
    return (rpm === undefined || used.requests + 1 <= rpm) && (tpm === undefined || used.tokens + tokens <= tpm);
  });
  if (open.length === 0) return undefined;
  return lowest(open, (d) => facts.usage?.get(d.id)?.tokens ?? 0, facts.random);
}

function numeric(value: unknown): number | undefined {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) && number >= 0 ? number : undefined;
}
