import { calcPrice, findProvider, type PriceCalculation, type TieredPrices } from '@pydantic/genai-prices';
import litellmSnapshot from './data/litellm-model-prices.json';

/** What one deployment costs (USD per token or second) and, where the catalog knows, its limits and mode. */
export interface ModelPrice {
  inputCostPerToken: number;
  outputCostPerToken: number;
  /** Price of a prompt token served from the provider's cache; absent = cached tokens cost the input price. */
  cacheReadInputTokenCost?: number;
  /** Price of a prompt token written to the provider's cache (Anthropic's 5-minute cache); absent = the input price. */
  cacheWriteInputTokenCost?: number;
  /** Time-billed deployments: replaces token pricing when the call's duration is known. */
  inputCostPerSecond?: number;
  /** Audio tokens (realtime, gpt-4o-audio); absent = audio tokens cost the text price. */
  inputCostPerAudioToken?: number;
  outputCostPerAudioToken?: number;
  /** The Batch API's prices; absent = half the regular price, as OpenAI and Azure bill batches. */
  inputCostPerTokenBatches?: number;
  outputCostPerTokenBatches?: number;
  maxInputTokens?: number;
  maxOutputTokens?: number;
  /** LiteLLM mode: `chat`, `completion`, `embedding`, … */
  mode?: string;
  /** LiteLLM provider name (`openai`, `azure`, `anthropic`, `bedrock`, …). */
  provider?: string;
  /** The `supports_*` capabilities LiteLLM's map states for the model (`supports_vision: true`, …); absent = none stated. */
  capabilities?: ModelCapabilities;
  /** `deployment`: custom prices in `litellm_params`; `catalog`: the price map; `unknown`: free, like LiteLLM. */
  source: 'deployment' | 'catalog' | 'unknown';
}

/** LiteLLM's capability flags, by their model-map names. */
export const CAPABILITY_FLAGS = [
  'supports_function_calling',
  'supports_parallel_function_calling',
  'supports_tool_choice',
  'supports_vision',
  'supports_response_schema',
  'supports_system_messages',
  'supports_prompt_caching',
  'supports_audio_input',
  'supports_audio_output',
  'supports_reasoning',
  'supports_web_search',
] as const;
export type CapabilityFlag = (typeof CAPABILITY_FLAGS)[number];
export type ModelCapabilities = Readonly<Partial<Record<CapabilityFlag, boolean>>>;

/** Rates (USD per token) that apply to the whole call once its prompt exceeds `above` tokens (long-context pricing). */
export interface RateTier {
  readonly above: number;
  readonly input: number;
  readonly output: number;
  readonly cacheRead?: number;
  readonly cacheWrite?: number;
}

/** A resolved catalog price plus the long-context tiers that `ModelPrice` has no room for. */
export interface CatalogEntry {
  readonly price: ModelPrice;
  readonly tiers: readonly RateTier[];
}

/** The fields read from LiteLLM's price map; typed `unknown` because the file is vendored as is, unvalidated. */
interface LitellmEntry {
  readonly litellm_provider?: unknown;
  readonly mode?: unknown;
  readonly max_tokens?: unknown;
  readonly max_input_tokens?: unknown;
  readonly max_output_tokens?: unknown;
  readonly input_cost_per_token?: unknown;
  readonly output_cost_per_token?: unknown;
  readonly cache_read_input_token_cost?: unknown;
  readonly cache_creation_input_token_cost?: unknown;
  readonly input_cost_per_second?: unknown;
  readonly input_cost_per_audio_token?: unknown;
  readonly output_cost_per_audio_token?: unknown;
  readonly input_cost_per_token_batches?: unknown;
  readonly output_cost_per_token_batches?: unknown;
  readonly [flag: `supports_${string}`]: unknown;
}

const SNAPSHOT: Readonly<Record<string, LitellmEntry | undefined>> = litellmSnapshot;

/** LiteLLM providers that run models on the operator's own hardware: no per-token bill, whatever the model is called. */
const SELF_HOSTED_PROVIDERS: ReadonlySet<string> = new Set(['ollama', 'ollama_chat', 'hosted_vllm', 'vllm', 'lm_studio', 'llamafile']);

/** Wildcard deployments let clients choose names, so the memo must not grow without bound. */
const MAX_MEMO_ENTRIES = 10_000;

const PER_MILLION = 1_000_000;

/**
 * Model name → price, from two MIT-licensed sources: `@pydantic/genai-prices` (maintained; current prices,
 * cache-read prices, context windows, long-context tiers) first, and a vendored LiteLLM
 * `model_prices_and_context_window.json` snapshot for what genai-prices lacks (modes, max output tokens,
 * LiteLLM-only names such as `ollama/*`). Names are LiteLLM's: `provider/model` or a bare model name.
 * Every resolution (hit or miss) is memoized, since matching a name scans the sources.
 */
export class PriceCatalog {
  private readonly memo = new Map<string, CatalogEntry | null>();
  private readonly families = new Map<string, string | null>();
  private readonly providerModels = new Map<string, readonly string[]>();
  private snapshotProviders?: ReadonlySet<string>;

  /** The price of a LiteLLM model name, or undefined when neither source knows it. */
  lookup(name: string): CatalogEntry | undefined {
    let entry = this.memo.get(name);
    if (entry === undefined) {
      entry = this.resolve(name);
      if (this.memo.size >= MAX_MEMO_ENTRIES) this.memo.clear();
      this.memo.set(name, entry);
    }
    return entry ?? undefined;
  }

  private resolve(name: string): CatalogEntry | null {
    const slash = name.indexOf('/');
    const prefix = slash > 0 ? name.slice(0, slash).toLowerCase() : '';
    const rest = name.slice(slash + 1);
    // The built-in mock imitates whatever it is named after, so it costs what that model costs.
    if (prefix === 'mock') return this.lookup(rest) ?? null;
    // A prefix that is no provider is part of the model id (`meta-llama/Llama-3-8b`).
    const provider = prefix !== '' && this.isProvider(prefix) ? prefix : undefined;
    const model = provider ? rest : name;
    const lite = this.snapshotEntry(name, model, provider);
    if (provider && SELF_HOSTED_PROVIDERS.has(provider)) return selfHosted(provider, lite);
    const genai = this.genaiLookup(model, provider, lite);
    if (!genai && !lite) return null;
    return genai ? fromGenai(genai, lite, provider ?? str(lite?.litellm_provider)) : fromSnapshot(lite as LitellmEntry, provider);
  }

  /**
   * The model names LiteLLM's map knows for a provider, without the provider prefix (`claude-3-haiku-20240307` for
   * `anthropic`, `llama3-8b-8192` for `groq`): what a wildcard deployment such as `anthropic/*` is shown to cover.
   * Entries filed under a sub-provider (`vertex_ai-anthropic_models`) count for their provider.
   */
  modelsOf(provider: string): readonly string[] {
    let models = this.providerModels.get(provider);
    if (!models) {
      const names = new Set<string>();
      for (const [name, entry] of Object.entries(SNAPSHOT)) {
        const filedUnder = str(entry?.litellm_provider);
        if (filedUnder !== provider && !filedUnder?.startsWith(`${provider}-`)) continue;
        names.add(name.startsWith(`${provider}/`) ? name.slice(provider.length + 1) : name);
      }
      models = [...names];
      this.providerModels.set(provider, models);
    }
    return models;
  }

  /** LiteLLM keys some entries by full name (`azure/gpt-4o`) and others bare with a provider field (`claude-…`). */
  private snapshotEntry(name: string, model: string, provider: string | undefined): LitellmEntry | undefined {
    const exact = SNAPSHOT[name] ?? SNAPSHOT[name.toLowerCase()];
    if (exact || !provider) return exact;
    const bare = SNAPSHOT[model] ?? SNAPSHOT[model.toLowerCase()];
    const bareProvider = str(bare?.litellm_provider);
    return bareProvider && this.family(bareProvider) === this.family(provider) ? bare : undefined;
  }

  private genaiLookup(model: string, provider: string | undefined, lite: LitellmEntry | undefined): PriceCalculation | null {
    if (provider) {
      const id = this.genaiProviderId(provider);
      return id ? genaiPrice(model, id) : null;
    }
    // Bare names: genai-prices' own provider matching, then the provider LiteLLM files it under, then OpenAI,
    // which is what a bare name is routed to.
    const liteProvider = str(lite?.litellm_provider);
    const liteId = liteProvider ? this.genaiProviderId(liteProvider) : undefined;
    return genaiPrice(model) ?? (liteId ? genaiPrice(model, liteId) : null) ?? genaiPrice(model, 'openai');
  }

  private isProvider(prefix: string): boolean {
    if (SELF_HOSTED_PROVIDERS.has(prefix) || this.genaiProviderId(prefix)) return true;
    this.snapshotProviders ??= new Set(Object.values(SNAPSHOT).map((e) => str(e?.litellm_provider) ?? ''));
    return this.snapshotProviders.has(prefix);
  }

  /** genai-prices matches LiteLLM's provider names itself (`bedrock` → aws, `vertex_ai-language-models` → google). */
  private genaiProviderId(litellmProvider: string): string | undefined {
    let id = this.families.get(litellmProvider);
    if (id === undefined) {
      id = findProvider({ providerId: litellmProvider })?.id ?? null;
      this.families.set(litellmProvider, id);
    }
    return id ?? undefined;
  }

  private family(litellmProvider: string): string {
    return this.genaiProviderId(litellmProvider) ?? litellmProvider;
  }
}

function genaiPrice(model: string, providerId?: string): PriceCalculation | null {
  try {
    // Zero usage: only the match and the prices in force today are wanted.
    return calcPrice({ input_tokens: 0 }, model, providerId ? { providerId } : undefined);
  } catch {
    return null;
  }
}

function fromGenai(calc: PriceCalculation, lite: LitellmEntry | undefined, provider: string | undefined): CatalogEntry {
  const prices = calc.model_price;
  const mode = str(lite?.mode) ?? (prices.output_mtok === undefined && /embed/i.test(calc.model.id) ? 'embedding' : undefined);
  const price = freeze({
    inputCostPerToken: rateAt(prices.input_mtok, 0) ?? 0,
    outputCostPerToken: rateAt(prices.output_mtok, 0) ?? 0,
    cacheReadInputTokenCost: rateAt(prices.cache_read_mtok, 0),
    cacheWriteInputTokenCost: rateAt(prices.cache_write_mtok, 0),
    // LiteLLM's max_input_tokens is the input limit; genai's context_window is the whole window, so it comes second.
    maxInputTokens: num(lite?.max_input_tokens) ?? num(calc.model.context_window),
    maxOutputTokens: num(lite?.max_output_tokens),
    mode,
    provider: provider ?? calc.provider.id,
    ...capabilitiesOf(lite),
    // Realtime and audio models: genai-prices' audio rates, where LiteLLM's map has none.
    ...definedOnly({ inputCostPerAudioToken: rateAt(prices.input_audio_mtok, 0), outputCostPerAudioToken: rateAt(prices.output_audio_mtok, 0) }),
    ...audioAndBatchPrices(lite),
  });
  const thresholds = [prices.input_mtok, prices.output_mtok, prices.cache_read_mtok, prices.cache_write_mtok]
    .flatMap((p) => (typeof p === 'object' ? p.tiers.map((t) => t.start) : []))
    .sort((a, b) => a - b);
  const tiers = [...new Set(thresholds)].map((above) => ({
    above,
    input: rateAt(prices.input_mtok, above) ?? 0,
    output: rateAt(prices.output_mtok, above) ?? 0,
    cacheRead: rateAt(prices.cache_read_mtok, above),
    cacheWrite: rateAt(prices.cache_write_mtok, above),
  }));
  return { price, tiers };
}

function fromSnapshot(lite: LitellmEntry, provider: string | undefined): CatalogEntry {
  const price = freeze({
    inputCostPerToken: num(lite.input_cost_per_token) ?? 0,
    outputCostPerToken: num(lite.output_cost_per_token) ?? 0,
    cacheReadInputTokenCost: num(lite.cache_read_input_token_cost),
    cacheWriteInputTokenCost: num(lite.cache_creation_input_token_cost),
    inputCostPerSecond: num(lite.input_cost_per_second),
    maxInputTokens: num(lite.max_input_tokens) ?? num(lite.max_tokens),
    maxOutputTokens: num(lite.max_output_tokens),
    mode: str(lite.mode),
    provider: provider ?? str(lite.litellm_provider),
    ...capabilitiesOf(lite),
    ...audioAndBatchPrices(lite),
  });
  return { price, tiers: [] };
}

/** The flags the map states, true or false; nothing when it states none. */
function capabilitiesOf(lite: LitellmEntry | undefined): Pick<ModelPrice, 'capabilities'> {
  if (!lite) return {};
  const stated: Partial<Record<CapabilityFlag, boolean>> = {};
  let any = false;
  for (const flag of CAPABILITY_FLAGS) {
    const value = lite[flag];
    if (typeof value !== 'boolean') continue;
    stated[flag] = value;
    any = true;
  }
  return any ? { capabilities: Object.freeze(stated) } : {};
}

function definedOnly(fields: Partial<ModelPrice>): Partial<ModelPrice> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<ModelPrice>;
}

/** The audio and Batch API prices LiteLLM's map carries; left out when it has none. */
function audioAndBatchPrices(lite: LitellmEntry | undefined): Partial<ModelPrice> {
  const prices: Partial<ModelPrice> = {};
  const set = (field: 'inputCostPerAudioToken' | 'outputCostPerAudioToken' | 'inputCostPerTokenBatches' | 'outputCostPerTokenBatches', value: unknown): void => {
    const n = num(value);
    if (n !== undefined) prices[field] = n;
  };
  set('inputCostPerAudioToken', lite?.input_cost_per_audio_token);
  set('outputCostPerAudioToken', lite?.output_cost_per_audio_token);
  set('inputCostPerTokenBatches', lite?.input_cost_per_token_batches);
  set('outputCostPerTokenBatches', lite?.output_cost_per_token_batches);
  return prices;
}

function selfHosted(provider: string, lite: LitellmEntry | undefined): CatalogEntry {
  const price = freeze({
    inputCostPerToken: 0,
    outputCostPerToken: 0,
    maxInputTokens: num(lite?.max_input_tokens) ?? num(lite?.max_tokens),
    maxOutputTokens: num(lite?.max_output_tokens),
    mode: str(lite?.mode),
    provider,
    ...capabilitiesOf(lite),
  });
  return { price, tiers: [] };
}

/** genai-prices tiers charge the whole call at the tier's rate once input tokens exceed its start. */
function rateAt(perMillion: number | TieredPrices | undefined, inputTokens: number): number | undefined {
  if (perMillion === undefined) return undefined;
  if (typeof perMillion === 'number') return perMillion / PER_MILLION;
  let rate = perMillion.base;
  for (const tier of perMillion.tiers) if (inputTokens >= tier.start) rate = tier.price;
  return rate / PER_MILLION;
}

function freeze(fields: Omit<ModelPrice, 'source'>): ModelPrice {
  return Object.freeze({ ...fields, source: 'catalog' });
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
