import { PROVIDER_ENV_NAMES } from '../../../config/provider-env';
import { applyQuirks } from './openai-compatible.adapter';
import { presetDefaults, presetOf, PROVIDER_PRESETS } from './presets';

describe('provider presets', () => {
  it('should name only variables that src/config reads, and only http(s) base URLs', () => {
    const read = new Set(PROVIDER_ENV_NAMES);
    for (const [provider, preset] of Object.entries(PROVIDER_PRESETS)) {
      const named = [...(preset.apiKeyEnv ?? []), ...(preset.apiBaseEnv ?? []), ...Object.values(preset.headers ?? {}).flatMap((header) => (header.env ? [header.env] : []))];
      expect({ provider, unread: named.filter((name) => !read.has(name)) }).toEqual({ provider, unread: [] });
      if (preset.apiBase) expect(new URL(preset.apiBase).protocol).toMatch(/^https?:$/);
      expect(preset.label).toMatch(/^[A-Za-z0-9_]+$/);
    }
  });

  it('should cover the OpenAI-compatible providers LiteLLM knows by prefix', () => {
    for (const provider of [
      'groq',
      'mistral',
      'deepseek',
      'together_ai',
      'fireworks_ai',
      'openrouter',
      'perplexity',
      'xai',
      'cerebras',
      'deepinfra',
      'hosted_vllm',
      'lm_studio',
      'nvidia_nim',
    ]) {
      expect(presetOf(provider)).toBeDefined();
    }
    expect(presetOf('constructor')).toBeUndefined();
    expect(presetOf('openai')).toBeUndefined();
  });

  it('should fill the key and base from the first variable set, else the default base; headers from variables or defaults', () => {
    const mistral = presetOf('mistral')!;
    expect(presetDefaults(mistral, { MISTRAL_API_KEY: 'm-key' })).toEqual({ api_key: 'm-key', api_base: 'https://api.mistral.ai/v1', extra_headers: undefined });
    expect(presetDefaults(mistral, { MISTRAL_AZURE_API_KEY: 'az', MISTRAL_API_KEY: 'm', MISTRAL_AZURE_API_BASE: 'https://x.azure.com' })).toMatchObject({
      api_key: 'az',
      api_base: 'https://x.azure.com',
    });
    expect(presetDefaults(presetOf('together_ai')!, { TOGETHERAI_API_KEY: 't' }).api_key).toBe('t');
    expect(presetDefaults(presetOf('openrouter')!, {}).extra_headers).toEqual({ 'X-Title': 'Tollgate' });
    expect(presetDefaults(presetOf('openrouter')!, { OR_SITE_URL: 'https://app.example', OR_APP_NAME: 'My app' }).extra_headers).toEqual({
      'HTTP-Referer': 'https://app.example',
      'X-Title': 'My app',
    });
    expect(presetDefaults(presetOf('hosted_vllm')!, {})).toEqual({ api_key: undefined, api_base: undefined, extra_headers: undefined });
  });

  it("should rewrite a body into Mistral's dialect", () => {
    const body: Record<string, unknown> = {
      model: 'mistral-small-latest',
      messages: [
        {
          role: 'system',
          content: [
            { type: 'text', text: 'Be ' },
            { type: 'text', text: 'brief.' },
          ],
          name: 'sys',
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AA==' } },
          ],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'ok', name: 'get' },
      ],
      max_completion_tokens: 50,
      seed: 7,
      tool_choice: 'required',
      logit_bias: { 1: 2 },
      stream_options: { include_usage: true },
    };
    applyQuirks(body, presetOf('mistral')!.quirks!, true);
    expect(body).toEqual({
      model: 'mistral-small-latest',
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AA==' } },
          ],
        },
        { role: 'tool', tool_call_id: 'c1', content: 'ok', name: 'get' },
      ],
      max_tokens: 50,
      random_seed: 7,
      tool_choice: 'any',
    });
    const named: Record<string, unknown> = { tool_choice: { type: 'function', function: { name: 'f' } } };
    applyQuirks(named, presetOf('mistral')!.quirks!, false);
    expect(named.tool_choice).toBe('any');
  });

  it('should prefix bare Fireworks model names, keep explicit max_tokens, and drop null assistant fields for Groq', () => {
    const fireworks: Record<string, unknown> = { model: 'llama-v3p1-8b-instruct', max_completion_tokens: 10, max_tokens: 20 };
    applyQuirks(fireworks, presetOf('fireworks_ai')!.quirks!, false);
    expect(fireworks).toEqual({ model: 'accounts/fireworks/models/llama-v3p1-8b-instruct', max_tokens: 20 });
    const full: Record<string, unknown> = { model: 'accounts/me/models/custom' };
    applyQuirks(full, presetOf('fireworks_ai')!.quirks!, false);
    expect(full.model).toBe('accounts/me/models/custom');
    const groq: Record<string, unknown> = { messages: [{ role: 'assistant', content: null, function_call: null, tool_calls: [{ id: 'x' }] }], logprobs: true };
    applyQuirks(groq, presetOf('groq')!.quirks!, false);
    expect(groq).toEqual({ messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'x' }] }] });
  });
});
