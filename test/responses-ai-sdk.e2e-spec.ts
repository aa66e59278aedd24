import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { DataSource } from 'typeorm';
import { SpendLedgerService } from '../src/spend/spend-ledger.service';
import { apiClient } from './support/api-client';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { ANTHROPIC_TEST_KEY, anthropicMock } from './support/mock-providers/anthropic.mock';
import { startMockProviderServer, type MockProviderServer } from './support/mock-providers/mock-provider-server';
import { startMockUpstreamProcess, type MockUpstreamProcess } from './support/mock-upstream.process';

const MASTER_KEY = 'sk-ai-sdk-master';
const UPSTREAM_KEY = 'sk-ai-sdk-upstream-0001';
const BANNED = 'forbidden-ai-sdk-word';

/**
 * The Vercel AI SDK's default OpenAI provider (`createOpenAI({ baseURL, apiKey })('<model>')`) calls the Responses
 * API. Driven here as an application would: generateText, streamText, a tool loop, against the gateway in front of
 * an OpenAI-speaking mock (native) and an Anthropic-speaking one (translated).
 */
describe('Responses API with the Vercel AI SDK (e2e, ai + @ai-sdk/openai → gateway → mocks)', () => {
  let upstream: MockUpstreamProcess;
  let anthropic: MockProviderServer;
  let gateway: TestGateway;
  const api = apiClient(() => gateway.url, MASTER_KEY);

  beforeAll(async () => {
    upstream = await startMockUpstreamProcess(['--require-api-key', UPSTREAM_KEY, '--chunks', '5']);
    anthropic = await startMockProviderServer([anthropicMock]);
    const yaml = `general_settings:
  master_key: ${MASTER_KEY}
model_list:
  - model_name: gpt-4o-mini
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstream.baseUrl}, api_key: os.environ/E2E_UPSTREAM_KEY }
  - model_name: claude
    litellm_params: { model: anthropic/claude-3-5-sonnet-20240620, api_base: ${anthropic.url}, api_key: os.environ/E2E_ANTHROPIC_KEY }
  - model_name: demo
    litellm_params: { model: mock/demo, input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 }
guardrails:
  - guardrail_name: ai-sdk-keywords
    litellm_params: { guardrail: banned_keywords, mode: pre_call, default_on: true, banned_keywords_list: ["${BANNED}"] }
`;
    gateway = await startGateway(yaml, { env: { E2E_UPSTREAM_KEY: UPSTREAM_KEY, E2E_ANTHROPIC_KEY: ANTHROPIC_TEST_KEY } });
  }, 120_000);

  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
    await anthropic?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  beforeEach(async () => {
    await upstream.reset();
    anthropic.requests.length = 0;
  });

  /** Bodies the SDK sent to the gateway, newest last. */
  const sent: Record<string, unknown>[] = [];
  const recording: typeof fetch = async (input, init) => {
    if (typeof init?.body === 'string') sent.push(JSON.parse(init.body) as Record<string, unknown>);
    return fetch(input, init);
  };
  const provider = (apiKey = MASTER_KEY) => createOpenAI({ baseURL: `${gateway.url}/v1`, apiKey, fetch: recording });
  const weather = tool({
    description: 'Weather for a city',
    inputSchema: jsonSchema<{ input: string }>({ type: 'object', properties: { input: { type: 'string' } }, required: ['input'], additionalProperties: false }),
    execute: async ({ input }) => `sunny in ${input}`,
  });

  it('should generateText through POST /v1/responses natively, with usage and Tollgate’s response id', async () => {
    const result = await generateText({ model: provider()('gpt-4o-mini'), prompt: 'Hello from the AI SDK', maxRetries: 0 });
    expect(result.text).toBe('Mock reply to: Hello from the AI SDK');
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.usage.outputTokens).toBe(16);
    expect(result.response.id).toMatch(/^resp_/);
    const [sent] = await upstream.requests();
    expect(sent.path).toBe('/v1/responses');
    expect(sent.body?.model).toBe('gpt-4o-mini');
  });

  it('should streamText natively and translated, text arriving in pieces', async () => {
    for (const [model, expected] of [
      ['gpt-4o-mini', 'Mock reply to: stream from the AI SDK'],
      ['claude', 'Claude echo: stream from the AI SDK'],
    ] as const) {
      const result = streamText({ model: provider()(model), prompt: 'stream from the AI SDK', maxRetries: 0, maxOutputTokens: 100 });
      const pieces: string[] = [];
      for await (const piece of result.textStream) pieces.push(piece);
      expect(pieces.length).toBeGreaterThan(1);
      expect(pieces.join('')).toBe(expected);
      expect((await result.usage).outputTokens).toBeGreaterThan(0);
      expect(await result.finishReason).toBe('stop');
    }
  });

  it('should run a tool loop natively and translated (the translated one sends an item_reference to its stored answer)', async () => {
    for (const [model, expected] of [
      ['gpt-4o-mini', 'The tool said: sunny in Weather in Paris?'],
      ['claude', 'The tool said: sunny in Weather in Paris?'],
    ] as const) {
      const result = await generateText({
        model: provider()(model),
        prompt: 'Weather in Paris?',
        tools: { get_weather: weather },
        stopWhen: stepCountIs(3),
        maxRetries: 0,
        maxOutputTokens: 100,
      });
      expect(result.steps.length).toBe(2);
      expect(result.steps[0].toolCalls[0]).toMatchObject({ toolName: 'get_weather', input: { input: 'Weather in Paris?' } });
      expect(result.text).toBe(expected);
    }
    // Claude's first step answered "Let me check." with its tool call: the SDK referred back to that stored item,
    // which the gateway found among the key's stored responses.
    expect(sent.at(-1)?.input).toEqual([
      { role: 'user', content: [{ type: 'input_text', text: 'Weather in Paris?' }] },
      { type: 'item_reference', id: expect.stringMatching(/^msg_/) },
      { type: 'function_call', call_id: expect.stringMatching(/^toolu_mock/), name: 'get_weather', arguments: '{"input":"Weather in Paris?"}' },
      { type: 'function_call_output', call_id: expect.stringMatching(/^toolu_mock/), output: 'sunny in Weather in Paris?' },
    ]);
    const second = anthropic.requests.at(-1)!;
    expect((second.body?.messages as { role: string }[]).map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
  });

  it('should stream a tool call translated', async () => {
    const result = streamText({
      model: provider()('claude'),
      prompt: 'Weather in Rome?',
      tools: { get_weather: weather },
      stopWhen: stepCountIs(2),
      maxRetries: 0,
      maxOutputTokens: 100,
    });
    let text = '';
    for await (const piece of result.textStream) text += piece;
    expect(text).toContain('The tool said: sunny in Weather in Rome?');
    expect((await result.steps)[0].toolCalls[0]).toMatchObject({ toolName: 'get_weather' });
  });

  it('should continue with previousResponseId and answer from the built-in mock provider', async () => {
    const first = await generateText({ model: provider()('demo'), prompt: 'first turn', maxRetries: 0 });
    const second = await generateText({
      model: provider()('demo'),
      prompt: 'second turn',
      providerOptions: { openai: { previousResponseId: first.response.id } },
      maxRetries: 0,
    });
    expect(second.text).toContain('You said: second turn');
    expect((await upstream.stats()).requests).toBe(0);
  });

  it('should be refused as on chat: budget, rate limit, guardrail; and charged one row per call', async () => {
    const generate = async (body: Record<string, unknown>): Promise<string> => (await api.post<{ key: string }>('/key/generate', body)).body.key;
    const broke = await generate({ max_budget: 0 });
    const budget = (await generateText({ model: provider(broke)('demo'), prompt: 'x', maxRetries: 0 }).catch((e: unknown) => e)) as APICallError;
    expect(budget).toBeInstanceOf(APICallError);
    expect(budget.statusCode).toBe(400);
    expect(budget.responseBody).toContain('budget_exceeded');

    const limited = await generate({ rpm_limit: 1, max_budget: 10 });
    const ok = await generateText({ model: provider(limited)('demo'), prompt: 'one', maxRetries: 0 });
    const rate = (await generateText({ model: provider(limited)('demo'), prompt: 'two', maxRetries: 0 }).catch((e: unknown) => e)) as APICallError;
    expect(rate.statusCode).toBe(429);

    const guarded = (await generateText({ model: provider()('gpt-4o-mini'), prompt: `say ${BANNED}`, maxRetries: 0 }).catch((e: unknown) => e)) as APICallError;
    expect(guarded.statusCode).toBe(400);
    expect(guarded.responseBody).toContain('Keyword banned');
    expect((await upstream.stats()).requests).toBe(0);

    await gateway.app.get(SpendLedgerService).flush();
    const rows = (await gateway.app.get(DataSource).query('SELECT call_type, status, spend FROM tollgate_spend_logs WHERE request_id = $1', [ok.response.id])) as {
      call_type: string;
      status: string;
      spend: number;
    }[];
    expect(rows).toEqual([{ call_type: 'aresponses', status: 'success', spend: expect.any(Number) }]);
    expect(rows[0].spend).toBeGreaterThan(0);
  });
});
