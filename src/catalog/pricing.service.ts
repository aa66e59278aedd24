import { Injectable } from '@nestjs/common';
import { PriceCatalog, type ModelPrice, type RateTier } from './price-catalog';

export type { ModelPrice } from './price-catalog';

/**
 * What pricing reads of a deployment: its names (for the catalog lookup) and its `litellm_params` (per-deployment
 * prices). Routing's deployments satisfy it; the catalog knows nothing of routing.
 */
export interface PricedDeployment {
  readonly modelName: string;
  readonly upstreamModel: string;
  readonly baseModel?: string;
  readonly mode: string;
  readonly params: Readonly<Record<string, unknown>> & { readonly model?: unknown };
}

/** Usage as providers report it; every field may be missing on a failed or partial call. */
export interface CostUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number; audio_tokens?: number } | null;
  completion_tokens_details?: { audio_tokens?: number } | null;
  /** Prompt tokens written to the provider's cache (Anthropic's `cache_creation_input_tokens`), part of prompt_tokens. */
  cache_creation_input_tokens?: number;
}

type Rates = Omit<RateTier, 'above'>;

interface Resolved {
  readonly price: ModelPrice;
  /** `price` as rates, precomputed so the hot path allocates nothing. */
  readonly base: Rates;
  readonly tiers: readonly RateTier[];
  readonly embedding: boolean;
}

const UNKNOWN: ModelPrice = Object.freeze({ inputCostPerToken: 0, outputCostPerToken: 0, source: 'unknown' });

/**
 * Prices LLM calls the way LiteLLM does. Precedence per deployment: custom prices in `litellm_params` →
 * `model_info.base_model` → `provider/upstreamModel` → bare upstream model → model group name → free.
 * Each deployment is resolved once; after that every method is a WeakMap hit plus arithmetic.
 */
@Injectable()
export class PricingService {
  private readonly catalog = new PriceCatalog();
  private readonly resolved = new WeakMap<PricedDeployment, Resolved>();

  /** The price that applies to calls on this deployment. */
  priceFor(deployment: PricedDeployment): ModelPrice {
    return this.resolve(deployment).price;
  }

  /** Catalog price of a LiteLLM model name (`gpt-4o`, `azure/gpt-4o`, `bedrock/anthropic.claude-…`). */
  lookup(modelName: string): ModelPrice | undefined {
    return this.catalog.lookup(modelName)?.price;
  }

  /** Model names the catalog knows for a LiteLLM provider (`anthropic` → `claude-…`), without the prefix. */
  knownModels(provider: string): readonly string[] {
    return this.catalog.modelsOf(provider);
  }

  /**
   * USD cost of a finished call: uncached prompt tokens at the input price, cached ones at the cache-read price,
   * ones written to the cache at the cache-write price, completion tokens at the output price (none for
   * embeddings); time-billed deployments by duration instead.
   * Never NaN, never negative.
   */
  costOf(deployment: PricedDeployment, usage: CostUsage | null | undefined, durationMs?: number): number {
    const resolved = this.resolve(deployment);
    const { price, embedding } = resolved;
    if (price.inputCostPerSecond !== undefined && price.inputCostPerSecond > 0 && count(durationMs) > 0) {
      return finite((price.inputCostPerSecond * count(durationMs)) / 1000);
    }
    if (!usage) return 0;
    const prompt = count(usage.prompt_tokens);
    const cached = Math.min(count(usage.prompt_tokens_details?.cached_tokens), prompt);
    const written = Math.min(count(usage.cache_creation_input_tokens), prompt - cached);
    const completion = embedding ? 0 : count(usage.completion_tokens);
    const rates = ratesFor(resolved, prompt);
    // Audio tokens (realtime, audio chat) have their own rates where the price knows them; cached ones stay cached.
    const audioIn = Math.min(count(usage.prompt_tokens_details?.audio_tokens), prompt - cached - written);
    const audioOut = Math.min(count(usage.completion_tokens_details?.audio_tokens), completion);
    const audioInRate = resolved.price.inputCostPerAudioToken ?? rates.input;
    const audioOutRate = resolved.price.outputCostPerAudioToken ?? rates.output;
    return finite(
      (prompt - cached - written - audioIn) * rates.input +
        audioIn * audioInRate +
        cached * (rates.cacheRead ?? rates.input) +
        written * (rates.cacheWrite ?? rates.input) +
        (completion - audioOut) * rates.output +
        audioOut * audioOutRate,
    );
  }

  /**
   * USD cost of Batch API usage: the Batch API prices where the deployment or the catalog has them, else half the
   * regular token prices (OpenAI's and Azure's batch discount).
   */
  batchCostOf(deployment: PricedDeployment, usage: CostUsage): number {
    const { price } = this.resolve(deployment);
    const prompt = count(usage.prompt_tokens);
    const completion = count(usage.completion_tokens);
    const input = price.inputCostPerTokenBatches ?? price.inputCostPerToken / 2;
    const output = price.outputCostPerTokenBatches ?? price.outputCostPerToken / 2;
    return finite(prompt * input + completion * output);
  }

  /** Estimated cost before the call, for budget reservations: prompt tokens priced + maxCompletionTokens priced. */
  estimateCost(deployment: PricedDeployment, promptTokens: number, maxCompletionTokens: number): number {
    const resolved = this.resolve(deployment);
    const prompt = count(promptTokens);
    const rates = ratesFor(resolved, prompt);
    return finite(prompt * rates.input + (resolved.embedding ? 0 : count(maxCompletionTokens)) * rates.output);
  }

  private resolve(deployment: PricedDeployment): Resolved {
    let resolved = this.resolved.get(deployment);
    if (!resolved) {
      resolved = this.compute(deployment);
      this.resolved.set(deployment, resolved);
    }
    return resolved;
  }

  private compute(deployment: PricedDeployment): Resolved {
    const entry = this.catalogEntry(deployment);
    const catalogPrice = entry?.price ?? UNKNOWN;
    const embedding = deployment.mode === 'embedding' || catalogPrice.mode === 'embedding';
    const params = deployment.params;
    const input = price(params.input_cost_per_token);
    const output = price(params.output_cost_per_token);
    const perSecond = price(params.input_cost_per_second);
    const deploymentRates = {
      inputCostPerAudioToken: price(params.input_cost_per_audio_token),
      outputCostPerAudioToken: price(params.output_cost_per_audio_token),
      inputCostPerTokenBatches: price(params.input_cost_per_token_batches),
      outputCostPerTokenBatches: price(params.output_cost_per_token_batches),
    };
    if (input === undefined && output === undefined && perSecond === undefined) {
      const extra = Object.fromEntries(Object.entries(deploymentRates).filter(([, value]) => value !== undefined));
      return resolvedOf(Object.keys(extra).length > 0 ? Object.freeze({ ...catalogPrice, ...extra, source: 'deployment' as const }) : catalogPrice, entry?.tiers ?? [], embedding);
    }
    // A price left out falls back to the catalog's. A custom input price is a negotiated rate the catalog's
    // cache discount says nothing about, so cached tokens then cost that rate too. Long-context tiers are dropped.
    const custom: ModelPrice = Object.freeze({
      ...catalogPrice,
      inputCostPerToken: input ?? catalogPrice.inputCostPerToken,
      outputCostPerToken: output ?? catalogPrice.outputCostPerToken,
      cacheReadInputTokenCost: input === undefined ? catalogPrice.cacheReadInputTokenCost : undefined,
      cacheWriteInputTokenCost: input === undefined ? catalogPrice.cacheWriteInputTokenCost : undefined,
      inputCostPerSecond: perSecond ?? catalogPrice.inputCostPerSecond,
      // Negotiated text rates say nothing of the catalog's audio or batch rates: only the deployment's own apply.
      inputCostPerAudioToken: deploymentRates.inputCostPerAudioToken,
      outputCostPerAudioToken: deploymentRates.outputCostPerAudioToken,
      inputCostPerTokenBatches: deploymentRates.inputCostPerTokenBatches,
      outputCostPerTokenBatches: deploymentRates.outputCostPerTokenBatches,
      source: 'deployment' as const,
    });
    return resolvedOf(custom, [], embedding);
  }

  private catalogEntry(deployment: PricedDeployment): ReturnType<PriceCatalog['lookup']> {
    const model = typeof deployment.params.model === 'string' ? deployment.params.model : '';
    const slash = model.indexOf('/');
    // Deployment.provider names the adapter (`openai` also serves `hosted_vllm/…`, `openai_like/…`); prices follow the LiteLLM prefix.
    const provider = slash > 0 ? model.slice(0, slash) : undefined;
    const candidates = [deployment.baseModel, provider ? `${provider}/${deployment.upstreamModel}` : undefined, deployment.upstreamModel, deployment.modelName];
    for (const name of candidates) {
      const entry = name ? this.catalog.lookup(name) : undefined;
      if (entry) return entry;
    }
    return undefined;
  }
}

function resolvedOf(price: ModelPrice, tiers: readonly RateTier[], embedding: boolean): Resolved {
  const base = { input: price.inputCostPerToken, output: price.outputCostPerToken, cacheRead: price.cacheReadInputTokenCost, cacheWrite: price.cacheWriteInputTokenCost };
  return { price, base, tiers, embedding };
}

function ratesFor(resolved: Resolved, promptTokens: number): Rates {
  let rates = resolved.base;
  for (const tier of resolved.tiers) if (promptTokens > tier.above) rates = tier;
  return rates;
}

function price(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

function finite(cost: number): number {
  return Number.isFinite(cost) && cost > 0 ? cost : 0;
}
