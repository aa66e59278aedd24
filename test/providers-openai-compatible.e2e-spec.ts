import type { APIError } from 'openai';
import type OpenAI from 'openai';
import { DataSource } from 'typeorm';
import { ModelRegistry } from '../src/routing/model-registry.service';
import { SpendLedgerService } from '../src/spend/spend-ledger.service';
import { startGateway } from './support/gateway-harness';
import { type CompatibleProviderSpec, openAiCompatibleMock } from './support/mock-providers/openai-compatible.mock';
import { useProviderGateway } from './support/provider-gateway';

const MASTER_KEY = 'sk-e2e-master';

const MISTRAL_REFUSES = ['stream_options', 'max_completion_tokens', 'seed', 'logit_bias', 'user', 'parallel_tool_calls'];

/** Each provider as the mock serves it: its own base path and key, and what its real API refuses. */
const PROVIDERS: Record<string, CompatibleProviderSpec> = {
  groq: { basePath: '/openai/v1', key: 'gsk_groq-test', refusedFields: ['logprobs', 'top_logprobs', 'logit_bias'] },
  mistral: {
    basePath: '/v1',
    key: 'mistral-test',
    refusedFields: MISTRAL_REFUSES,
    toolChoices: ['auto', 'none', 'any'],
    stringContentOnly: true,
    nameOnlyOnTools: true,
    usageInLastChunk: true,
    embeddings: true,
  },
  deepseek: { basePath: '/beta', key: 'sk-deepseek-test', refusedFields: ['max_completion_tokens'] },
  together_ai: { basePath: '/v1', key: 'together-test' },
  fireworks_ai: { basePath: '/inference/v1', key: 'fw-test', modelPrefix: 'accounts/', toolChoices: ['auto', 'none', 'any'] },
  openrouter: { basePath: '/api/v1', key: 'sk-or-test', requiredHeaders: { 'http-referer': 'https://tollgate.example', 'x-title': 'Tollgate e2e' } },
  perplexity: { basePath: '', key: 'pplx-test', refusedFields: ['tools', 'tool_choice', 'stream_options', 'n', 'stop'], usageInLastChunk: true },
  xai: { basePath: '/v1', key: 'xai-test' },
  cerebras: { basePath: '/v1', key: 'csk-test', refusedFields: ['frequency_penalty', 'presence_penalty', 'logit_bias'] },
  deepinfra: { basePath: '/v1/openai', key: 'deepinfra-test', embeddings: true },
  hosted_vllm: { basePath: '/v1', key: 'vllm-test' },
  lm_studio: { basePath: '/v1', key: 'lm-studio-test' },
  nvidia_nim: { basePath: '/v1', key: 'nvapi-test' },
};

/** model_name → LiteLLM model, and whether the catalog prices it (self-hosted ones cost nothing). */
const MODELS: { name: string; model: string; provider: string; priced: boolean }[] = [
  { name: 'groq-llama', model: 'groq/llama3-8b-8192', provider: 'groq', priced: true },
  { name: 'mistral-small', model: 'mistral/mistral-small-latest', provider: 'mistral', priced: true },
  { name: 'deepseek-chat', model: 'deepseek/deepseek-chat', provider: 'deepseek', priced: true },
  { name: 'together-llama', model: 'together_ai/meta-llama/Llama-3-8b-chat-hf', provider: 'together_ai', priced: true },
  { name: 'fireworks-llama', model: 'fireworks_ai/llama-v3p1-8b-instruct', provider: 'fireworks_ai', priced: false },
  { name: 'openrouter-gpt4o', model: 'openrouter/openai/gpt-4o', provider: 'openrouter', priced: true },
  { name: 'sonar', model: 'perplexity/sonar', provider: 'perplexity', priced: true },
  { name: 'grok', model: 'xai/grok-2', provider: 'xai', priced: true },
  { name: 'cerebras-llama', model: 'cerebras/llama3.1-8b', provider: 'cerebras', priced: true },
  { name: 'deepinfra-llama', model: 'deepinfra/meta-llama/Meta-Llama-3-8B-Instruct', provider: 'deepinfra', priced: true },
  { name: 'vllm', model: 'hosted_vllm/meta-llama/Llama-3-8B', provider: 'hosted_vllm', priced: false },
  { name: 'lm-studio', model: 'lm_studio/qwen2.5-7b-instruct', provider: 'lm_studio', priced: false },
  { name: 'nim-llama', model: 'nvidia_nim/meta/llama3-8b-instruct', provider: 'nvidia_nim', priced: false },
];

interface SpendRow {
  custom_llm_provider: string;
  spend: number;
  model: string;
  api_base: string | null;
  prompt_tokens: number;
  completion_tokens: number;
}

describe('OpenAI-compatible provider presets (e2e, openai SDK → gateway → per-provider mocks)', () => {
  const env = useProviderGateway([openAiCompatibleMock(PROVIDERS)], MASTER_KEY, async (mock) => {
    const base = (provider: string): string => `${mock.url}/${provider}${PROVIDERS[provider].basePath}`;
    // Keys come from each provider's own variable, as LiteLLM reads them; bases from api_base or the provider's
    // base variable (Groq), Mistral's without the /v1 its quirk appends.
    const entries = MODELS.filter((m) => m.provider !== 'groq' && m.provider !== 'mistral')
      .map((m) => `  - { model_name: ${m.name}, litellm_params: { model: ${m.model}, api_base: "${base(m.provider)}" } }`)
      .join('\n');
    const yaml = `general_settings:
  master_key: ${MASTER_KEY}
model_list:
  - { model_name: "groq/*", litellm_params: { model: "groq/*" } }
  - { model_name: groq-llama, litellm_params: { model: groq/llama3-8b-8192 } }
  - { model_name: mistral-small, litellm_params: { model: mistral/mistral-small-latest, api_base: "${mock.url}/mistral" } }
  - { model_name: mistral-embed, litellm_params: { model: mistral/mistral-embed, api_base: "${mock.url}/mistral/v1" } }
  - { model_name: deepinfra-embed, litellm_params: { model: deepinfra/BAAI/bge-base-en-v1.5, api_base: "${base('deepinfra')}" }, model_info: { mode: embedding } }
  - { model_name: groq-wrong-key, litellm_params: { model: groq/llama3-8b-8192, api_key: gsk_wrong } }
${entries}
`;
    return startGateway(yaml, {
      env: {
        GROQ_API_KEY: PROVIDERS.groq.key,
        GROQ_API_BASE: base('groq'),
        MISTRAL_API_KEY: PROVIDERS.mistral.key,
        DEEPSEEK_API_KEY: PROVIDERS.deepseek.key,
        TOGETHERAI_API_KEY: PROVIDERS.together_ai.key,
        FIREWORKS_AI_API_KEY: PROVIDERS.fireworks_ai.key,
        OPENROUTER_API_KEY: PROVIDERS.openrouter.key,
        OR_SITE_URL: 'https://tollgate.example',
        OR_APP_NAME: 'Tollgate e2e',
        PERPLEXITYAI_API_KEY: PROVIDERS.perplexity.key,
        XAI_API_KEY: PROVIDERS.xai.key,
        CEREBRAS_API_KEY: PROVIDERS.cerebras.key,
        DEEPINFRA_API_KEY: PROVIDERS.deepinfra.key,
        HOSTED_VLLM_API_KEY: PROVIDERS.hosted_vllm.key,
        LM_STUDIO_API_KEY: PROVIDERS.lm_studio.key,
        NVIDIA_NIM_API_KEY: PROVIDERS.nvidia_nim.key,
      },
    });
  });

  const rowOf = async (requestId: string): Promise<SpendRow> => {
    await env.gateway.app.get(SpendLedgerService).flush();
    const rows = (await env.gateway.app.get(DataSource).query('SELECT * FROM tollgate_spend_logs WHERE request_id = $1', [requestId])) as SpendRow[];
    expect(rows).toHaveLength(1);
    return rows[0];
  };

  it('should serve every preset with its key, at its base, and record the provider and price on the spend row', async () => {
    for (const { name, provider, priced } of MODELS) {
      env.mock.requests.length = 0;
      const { data, response } = await env.client.chat.completions.create({ model: name, messages: [{ role: 'user', content: `hello ${provider}` }] }).withResponse();
      expect({ name, text: data.choices[0].message.content }).toEqual({ name, text: `${provider} echo: hello ${provider}` });
      const [sent] = env.mock.requests;
      expect(sent.path).toBe(`/${provider}${PROVIDERS[provider].basePath}/chat/completions`);
      expect(sent.headers.authorization).toBe(`Bearer ${PROVIDERS[provider].key}`);
      expect(response.headers.get('x-litellm-model-api-base')).toBe(
        provider === 'mistral' ? `${env.mock.url}/mistral` : `${env.mock.url}/${provider}${PROVIDERS[provider].basePath}`,
      );
      const row = await rowOf(data.id);
      expect({ name, provider: row.custom_llm_provider }).toEqual({ name, provider });
      expect({ name, priced: Number(row.spend) > 0 }).toEqual({ name, priced });
      expect(Number(response.headers.get('x-litellm-response-cost')) > 0).toBe(priced);
    }
  });

  it('should stream every preset to the openai client, usage included however the provider sends it', async () => {
    for (const { name, provider } of MODELS) {
      const stream = await env.client.chat.completions.create({
        model: name,
        messages: [{ role: 'user', content: 'stream some words' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      expect({ name, text: chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('') }).toEqual({ name, text: `${provider} echo: stream some words` });
      const usage = chunks.find((chunk) => chunk.usage)?.usage;
      expect({ name, completion: (usage?.completion_tokens ?? 0) > 0 }).toEqual({ name, completion: true });
      const row = await rowOf(chunks[0].id);
      expect({ name, provider: row.custom_llm_provider, completion: row.completion_tokens }).toEqual({ name, provider, completion: usage?.completion_tokens });
    }
  });

  it("should speak Mistral's dialect: max_tokens, random_seed, tool_choice any, text content as a string, no stray names", async () => {
    const data = await env.client.chat.completions.create({
      model: 'mistral-small',
      messages: [
        { role: 'system', content: [{ type: 'text', text: 'Be brief.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Weather ' },
            { type: 'text', text: 'in Paris?' },
          ],
          name: 'alice',
        },
      ],
      max_completion_tokens: 40,
      seed: 3,
      user: 'end-user-1',
      tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: {} } } }],
      tool_choice: 'required',
      parallel_tool_calls: false,
    });
    expect(data.choices[0].message.content).toBe('mistral echo: Weather in Paris?');
    const sent = env.mock.requests[0].body!;
    expect(sent).toMatchObject({ model: 'mistral-small-latest', max_tokens: 40, random_seed: 3, tool_choice: 'any' });
    expect(sent.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather in Paris?' },
    ]);
  });

  it("should prefix Fireworks' bare model names and send OpenRouter's attribution headers", async () => {
    await env.client.chat.completions.create({
      model: 'fireworks-llama',
      messages: [{ role: 'user', content: 'hi' }],
      tool_choice: 'required',
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
    });
    expect(env.mock.requests[0].body).toMatchObject({ model: 'accounts/fireworks/models/llama-v3p1-8b-instruct', tool_choice: 'any' });
    await env.client.chat.completions.create({ model: 'openrouter-gpt4o', messages: [{ role: 'user', content: 'hi' }] });
    expect(env.mock.requests[1].headers).toMatchObject({ 'http-referer': 'https://tollgate.example', 'x-title': 'Tollgate e2e' });
    expect(env.mock.requests[1].body?.model).toBe('openai/gpt-4o');
  });

  it('should leave out what a provider refuses rather than fail the call (Perplexity tools, Cerebras penalties, Groq logprobs)', async () => {
    const tools: OpenAI.Chat.Completions.ChatCompletionTool[] = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
    await expect(env.client.chat.completions.create({ model: 'sonar', messages: [{ role: 'user', content: 'a' }], tools, stop: ['x'] })).resolves.toBeDefined();
    await expect(
      env.client.chat.completions.create({ model: 'cerebras-llama', messages: [{ role: 'user', content: 'b' }], frequency_penalty: 0.5, presence_penalty: 0.1, temperature: 0.2 }),
    ).resolves.toBeDefined();
    await expect(env.client.chat.completions.create({ model: 'groq-llama', messages: [{ role: 'user', content: 'c' }], logprobs: true, top_logprobs: 2 })).resolves.toBeDefined();
    expect(env.mock.requests.map((request) => request.body)).toEqual([
      expect.not.objectContaining({ tools: expect.anything() }),
      expect.objectContaining({ temperature: 0.2 }),
      expect.not.objectContaining({ logprobs: expect.anything() }),
    ]);
  });

  it('should route any groq model through the groq/* wildcard, at the base GROQ_API_BASE names', async () => {
    const data = await env.client.chat.completions.create({ model: 'groq/llama-3.1-70b-versatile', messages: [{ role: 'user', content: 'wild' }] });
    expect(data.choices[0].message.content).toBe('groq echo: wild');
    expect(env.mock.requests[0].body?.model).toBe('llama-3.1-70b-versatile');
    const row = await rowOf(data.id);
    expect(row.custom_llm_provider).toBe('groq');
    expect(Number(row.spend)).toBeGreaterThan(0);
  });

  it('should embed through mistral-embed and DeepInfra, priced from the catalog', async () => {
    const { data: mistral, response } = await env.client.embeddings.create({ model: 'mistral-embed', input: ['one', 'three'], encoding_format: 'float' }).withResponse();
    expect(mistral.data.map((item) => item.embedding[0])).toEqual([3, 5]);
    expect(env.mock.requests[0].path).toBe('/mistral/v1/embeddings');
    const row = await rowOf(response.headers.get('x-litellm-call-id')!);
    expect(row.custom_llm_provider).toBe('mistral');
    expect(Number(row.spend)).toBeGreaterThan(0);
    const deepinfra = await env.client.embeddings.create({ model: 'deepinfra-embed', input: 'x', encoding_format: 'float' });
    expect(deepinfra.data).toHaveLength(1);
    expect(env.mock.requests[1].path).toBe('/deepinfra/v1/openai/embeddings');
  });

  it("should name the provider in errors: a wrong key is the provider's 401", async () => {
    const error = (await env.client.chat.completions.create({ model: 'groq-wrong-key', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as APIError;
    expect(error.status).toBe(401);
    expect(error.message).toContain('litellm.AuthenticationError: GroqException - Invalid API Key');
    expect(error.message).not.toContain('gsk_wrong');
  });

  it('should boot the LiteLLM test config pattern with every model served', () => {
    expect(
      env.gateway.app
        .get(ModelRegistry)
        .registered()
        .filter((model) => !model.deployment),
    ).toEqual([]);
  });
});
