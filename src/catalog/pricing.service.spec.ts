import type { Deployment } from '../routing/deployment';
import { PricingService } from './pricing.service';

function deployment(model: string, fields: Partial<Deployment> = {}, params: Partial<Deployment['params']> = {}): Deployment {
  const slash = model.indexOf('/');
  return {
    id: `id-${model}`,
    modelName: model,
    provider: model.startsWith('azure/') ? 'azure' : model.startsWith('mock/') ? 'mock' : 'openai',
    upstreamModel: slash < 0 ? model : model.slice(slash + 1),
    timeoutMs: 600_000,
    streamTimeoutMs: 600_000,
    mode: 'chat',
    ...fields,
    params: { model, ...params },
  };
}

describe(PricingService.name, () => {
  let sut: PricingService;

  beforeEach(() => {
    sut = new PricingService();
  });

  describe('lookup', () => {
    it("should carry the capabilities LiteLLM's map states, and none where it states none", () => {
      expect(sut.lookup('gpt-4o')?.capabilities).toMatchObject({ supports_vision: true, supports_function_calling: true });
      expect(sut.lookup('mock/gpt-4o')?.capabilities?.supports_vision).toBe(true);
      expect(sut.lookup('gpt-3.5-turbo')?.capabilities?.supports_vision).toBeUndefined();
      expect(sut.lookup('text-embedding-3-small')?.capabilities).toBeUndefined();
    });

    it.each([
      ['gpt-4o', 128_000],
      ['gpt-4', 8_000],
      ['gpt-3.5-turbo', 16_000],
      ['gpt-4o-mini', 128_000],
      ['openai/gpt-4o', 128_000],
      ['azure/gpt-4o', 128_000],
      ['anthropic/claude-3-5-sonnet-20240620', 200_000],
      ['claude-3-5-sonnet-20240620', 200_000],
      ['anthropic/claude-3-haiku-20240307', 200_000],
      ['claude-3-opus-20240229', 200_000],
      ['gemini/gemini-1.5-pro', 1_000_000],
      ['bedrock/anthropic.claude-3-sonnet-20240229-v1:0', 200_000],
    ])('should price chat model %s with a context window of at least %d', (name, window) => {
      const price = sut.lookup(name);

      expect(price).toMatchObject({ source: 'catalog', mode: 'chat' });
      expect(price?.inputCostPerToken).toBeGreaterThan(0);
      expect(price?.outputCostPerToken).toBeGreaterThan(price?.inputCostPerToken ?? Infinity);
      expect(price?.inputCostPerToken).toBeLessThan(1e-4);
      expect(price?.maxInputTokens).toBeGreaterThanOrEqual(window);
    });

    it('should price gpt-4o per token from the maintained catalog, with a cheaper cache read', () => {
      const price = sut.lookup('gpt-4o');

      expect(price).toMatchObject({ provider: 'openai', maxInputTokens: 128_000 });
      expect(price?.cacheReadInputTokenCost).toBeGreaterThan(0);
      expect(price?.cacheReadInputTokenCost).toBeLessThan(price?.inputCostPerToken ?? 0);
    });

    it('should price an embedding model on input only', () => {
      const price = sut.lookup('text-embedding-3-small');

      expect(price).toMatchObject({ mode: 'embedding', outputCostPerToken: 0, maxInputTokens: 8191 });
      expect(price?.inputCostPerToken).toBeGreaterThan(0);
    });

    it.each(['ollama/llama3', 'ollama/some-local-model', 'hosted_vllm/meta-llama/Llama-3-8B'])('should price self-hosted %s at 0', (name) => {
      expect(sut.lookup(name)).toMatchObject({ inputCostPerToken: 0, outputCostPerToken: 0, source: 'catalog' });
    });

    it('should know ollama/llama3 context window and mode', () => {
      expect(sut.lookup('ollama/llama3')).toMatchObject({ maxInputTokens: 8192, mode: 'chat', provider: 'ollama' });
    });

    it('should return undefined for a name no source knows', () => {
      expect(sut.lookup('openai/fake')).toBeUndefined();
      expect(sut.lookup('my-deployment')).toBeUndefined();
    });
  });

  describe('priceFor', () => {
    it('should price an Azure deployment by its base model', () => {
      const gpt4o = sut.lookup('gpt-4o');

      const prefixed = sut.priceFor(deployment('azure/prod-eu-4o', { baseModel: 'azure/gpt-4o' }));
      const bare = sut.priceFor(deployment('azure/prod-eu-4o', { baseModel: 'gpt-4o' }));

      expect(prefixed).toMatchObject({ source: 'catalog', inputCostPerToken: gpt4o?.inputCostPerToken, outputCostPerToken: gpt4o?.outputCostPerToken });
      expect(bare.inputCostPerToken).toBe(gpt4o?.inputCostPerToken);
    });

    it('should let custom prices beat the base model and the catalog', () => {
      const d = deployment('azure/prod-eu-4o', { baseModel: 'gpt-4o' }, { input_cost_per_token: 0.001, output_cost_per_token: 0.002 });

      expect(sut.priceFor(d)).toMatchObject({ source: 'deployment', inputCostPerToken: 0.001, outputCostPerToken: 0.002, maxInputTokens: 128_000 });
    });

    it('should take a custom price left out from the catalog', () => {
      const gpt4o = sut.lookup('gpt-4o');

      const price = sut.priceFor(deployment('openai/gpt-4o', {}, { input_cost_per_token: 0.001 }));

      expect(price).toMatchObject({ source: 'deployment', inputCostPerToken: 0.001, outputCostPerToken: gpt4o?.outputCostPerToken });
      expect(price.cacheReadInputTokenCost).toBeUndefined();
    });

    it('should let the base model beat the upstream model name', () => {
      const price = sut.priceFor(deployment('openai/gpt-4', { baseModel: 'gpt-4o-mini' }));

      expect(price.inputCostPerToken).toBe(sut.lookup('gpt-4o-mini')?.inputCostPerToken);
    });

    it('should fall back to the model group name when the upstream name is opaque', () => {
      const price = sut.priceFor(deployment('azure/prod-eu-4o', { modelName: 'gpt-4' }));

      expect(price.inputCostPerToken).toBe(sut.lookup('gpt-4')?.inputCostPerToken);
    });

    it('should price a mock deployment like the model it imitates', () => {
      expect(sut.priceFor(deployment('mock/gpt-4o')).inputCostPerToken).toBe(sut.lookup('gpt-4o')?.inputCostPerToken);
      expect(sut.priceFor(deployment('mock/demo'))).toEqual({ inputCostPerToken: 0, outputCostPerToken: 0, source: 'unknown' });
    });

    it('should price an unknown model at 0 with source unknown', () => {
      const d = deployment('openai/fake');

      expect(sut.priceFor(d)).toEqual({ inputCostPerToken: 0, outputCostPerToken: 0, source: 'unknown' });
      expect(sut.costOf(d, { prompt_tokens: 1000, completion_tokens: 1000 })).toBe(0);
    });

    it('should not price a self-hosted model by a paid model of the same group name', () => {
      expect(sut.priceFor(deployment('ollama/llama3', { modelName: 'gpt-4o' })).inputCostPerToken).toBe(0);
    });

    it('should resolve a deployment once', () => {
      const d = deployment('openai/gpt-4o');

      expect(sut.priceFor(d)).toBe(sut.priceFor(d));
    });
  });

  describe('costOf', () => {
    const custom = deployment('openai/custom', {}, { input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 });

    it('should price prompt and completion tokens', () => {
      expect(sut.costOf(custom, { prompt_tokens: 1000, completion_tokens: 500 })).toBeCloseTo(0.002, 12);
    });

    it('should price cached prompt tokens at the cache-read price', () => {
      const d = deployment('openai/gpt-4o');
      const price = sut.priceFor(d);

      const cost = sut.costOf(d, { prompt_tokens: 1000, completion_tokens: 100, prompt_tokens_details: { cached_tokens: 400 } });

      const expected = 600 * price.inputCostPerToken + 400 * (price.cacheReadInputTokenCost ?? NaN) + 100 * price.outputCostPerToken;
      expect(cost).toBeCloseTo(expected, 12);
      expect(cost).toBeLessThan(sut.costOf(d, { prompt_tokens: 1000, completion_tokens: 100 }));
    });

    it("should price tokens written to Anthropic's cache at the cache-write price, and read ones at the cache-read price", () => {
      const d = deployment('anthropic/claude-3-5-sonnet-20240620');
      const price = sut.priceFor(d);
      // Anthropic: a cache write costs 1.25x the input price, a cache read 0.1x.
      expect(price.cacheWriteInputTokenCost).toBeCloseTo(price.inputCostPerToken * 1.25, 15);
      expect(price.cacheReadInputTokenCost).toBeCloseTo(price.inputCostPerToken * 0.1, 15);

      const cost = sut.costOf(d, { prompt_tokens: 1000, completion_tokens: 100, prompt_tokens_details: { cached_tokens: 300 }, cache_creation_input_tokens: 500 });

      const expected =
        200 * price.inputCostPerToken + 300 * (price.cacheReadInputTokenCost ?? NaN) + 500 * (price.cacheWriteInputTokenCost ?? NaN) + 100 * price.outputCostPerToken;
      expect(cost).toBeCloseTo(expected, 12);
    });

    it('should price cache writes at the input price when a custom input price is set', () => {
      expect(sut.costOf(custom, { prompt_tokens: 1000, completion_tokens: 0, cache_creation_input_tokens: 400 })).toBeCloseTo(0.001, 12);
    });

    it('should price cached tokens at the input price when there is no cache-read price', () => {
      expect(sut.costOf(custom, { prompt_tokens: 1000, completion_tokens: 0, prompt_tokens_details: { cached_tokens: 400 } })).toBeCloseTo(0.001, 12);
    });

    it('should price an embedding on prompt tokens only', () => {
      const d = deployment('openai/text-embedding-3-small', { mode: 'embedding' });

      const cost = sut.costOf(d, { prompt_tokens: 1000, completion_tokens: 1000 });

      expect(cost).toBeCloseTo(1000 * (sut.lookup('text-embedding-3-small')?.inputCostPerToken ?? NaN), 15);
    });

    it('should charge the long-context rate above a tier', () => {
      const d = deployment('gemini/gemini-1.5-pro');
      const base = sut.priceFor(d).inputCostPerToken;

      expect(sut.costOf(d, { prompt_tokens: 100_000 })).toBeCloseTo(100_000 * base, 12);
      expect(sut.costOf(d, { prompt_tokens: 200_000 })).toBeGreaterThan(200_000 * base * 1.5);
    });

    it('should bill a time-priced deployment by duration', () => {
      const d = deployment('openai/sagemaker-like', {}, { input_cost_per_second: 0.01 });

      expect(sut.costOf(d, { prompt_tokens: 10, completion_tokens: 10 }, 2500)).toBeCloseTo(0.025, 12);
      expect(sut.costOf(d, { prompt_tokens: 10, completion_tokens: 10 })).toBe(0);
    });

    it('should never return NaN or a negative cost', () => {
      const d = deployment('openai/gpt-4o');

      expect(sut.costOf(d, null)).toBe(0);
      expect(sut.costOf(d, undefined, 1000)).toBe(0);
      expect(sut.costOf(d, { prompt_tokens: NaN, completion_tokens: -5 })).toBe(0);
      expect(sut.costOf(d, { prompt_tokens: 10, prompt_tokens_details: null })).toBeGreaterThan(0);
      expect(sut.costOf(d, { prompt_tokens: '10' as unknown as number, completion_tokens: Infinity })).toBe(0);
    });
  });

  describe('estimateCost', () => {
    it('should price the prompt plus the most the completion can cost', () => {
      const d = deployment('openai/custom', {}, { input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 });

      expect(sut.estimateCost(d, 1000, 256)).toBeCloseTo(0.001 + 0.000512, 12);
    });

    it('should ignore completion tokens for an embedding', () => {
      const d = deployment('openai/text-embedding-3-small', { mode: 'embedding' });

      expect(sut.estimateCost(d, 1000, 256)).toBe(sut.costOf(d, { prompt_tokens: 1000 }));
    });

    it('should be 0 for an unknown model or bad input', () => {
      expect(sut.estimateCost(deployment('openai/fake'), 1000, 1000)).toBe(0);
      expect(sut.estimateCost(deployment('openai/gpt-4o'), NaN, -1)).toBe(0);
    });
  });

  describe('knownModels', () => {
    it("should list LiteLLM's model names for a provider without its prefix, sub-providers included", () => {
      expect(sut.knownModels('anthropic')).toEqual(expect.arrayContaining(['claude-3-haiku-20240307', 'claude-3-5-sonnet-20240620']));
      expect(sut.knownModels('groq')).toEqual(expect.arrayContaining(['llama3-8b-8192']));
      expect(sut.knownModels('groq').some((name) => name.startsWith('groq/'))).toBe(false);
      expect(sut.knownModels('vertex_ai')).toEqual(expect.arrayContaining(['gemini-1.5-pro']));
      expect(sut.knownModels('no-such-provider')).toEqual([]);
    });
  });
});

describe('PricingService audio and batch rates', () => {
  const sut = new PricingService();
  const priced = (params: Partial<Deployment['params']>, model = 'openai/my-model'): Deployment => ({
    id: `id-${JSON.stringify(params)}`,
    modelName: 'm',
    provider: 'openai',
    upstreamModel: model.split('/')[1],
    timeoutMs: 1,
    streamTimeoutMs: 1,
    mode: 'chat',
    params: { model, ...params },
  });

  it('should price audio tokens at the audio rates and the rest at the text rates', () => {
    const d = priced({ input_cost_per_token: 0.00001, output_cost_per_token: 0.00002, input_cost_per_audio_token: 0.0001, output_cost_per_audio_token: 0.0002 });
    const cost = sut.costOf(d, {
      prompt_tokens: 100,
      completion_tokens: 50,
      prompt_tokens_details: { audio_tokens: 40, cached_tokens: 0 },
      completion_tokens_details: { audio_tokens: 10 },
    });
    expect(cost).toBeCloseTo(60 * 0.00001 + 40 * 0.0001 + 40 * 0.00002 + 10 * 0.0002, 12);
  });

  it('should price audio tokens at the text rates when no audio rate is known', () => {
    const d = priced({ input_cost_per_token: 0.00001, output_cost_per_token: 0.00002 });
    expect(sut.costOf(d, { prompt_tokens: 100, completion_tokens: 50, prompt_tokens_details: { audio_tokens: 40 } })).toBeCloseTo(100 * 0.00001 + 50 * 0.00002, 12);
  });

  it('should take a realtime model’s audio rates from the catalog', () => {
    const price = sut.priceFor(priced({}, 'openai/gpt-4o-realtime-preview'));
    expect(price.inputCostPerAudioToken).toBeGreaterThan(price.inputCostPerToken);
    expect(price.outputCostPerAudioToken).toBeGreaterThan(price.outputCostPerToken);
  });

  it('should price batches at half the regular price, or at the batch prices when there are some', () => {
    const usage = { prompt_tokens: 1000, completion_tokens: 500 };
    expect(sut.batchCostOf(priced({ input_cost_per_token: 0.000002, output_cost_per_token: 0.000008 }), usage)).toBeCloseTo((1000 * 0.000002 + 500 * 0.000008) / 2, 12);
    expect(
      sut.batchCostOf(
        priced({ input_cost_per_token: 0.000002, output_cost_per_token: 0.000008, input_cost_per_token_batches: 0.0000005, output_cost_per_token_batches: 0.000001 }),
        usage,
      ),
    ).toBeCloseTo(1000 * 0.0000005 + 500 * 0.000001, 12);
    const catalog = sut.priceFor(priced({}, 'openai/gpt-4o-mini'));
    expect(sut.batchCostOf(priced({}, 'openai/gpt-4o-mini'), usage)).toBeCloseTo((1000 * catalog.inputCostPerToken + 500 * catalog.outputCostPerToken) / 2, 12);
  });
});
