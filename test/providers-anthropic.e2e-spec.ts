import type OpenAI from 'openai';
import { APIError } from 'openai';
import { DataSource } from 'typeorm';
import { SpendLedgerService } from '../src/spend/spend-ledger.service';
import { startGateway } from './support/gateway-harness';
import { ANTHROPIC_TEST_KEY, anthropicMock } from './support/mock-providers/anthropic.mock';
import { useProviderGateway } from './support/provider-gateway';

const MASTER_KEY = 'sk-e2e-master';

const WEATHER_TOOL: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { input: { type: 'string' } }, required: ['input'] } },
};

describe('Anthropic adapter (e2e, openai SDK → gateway → Anthropic-speaking mock)', () => {
  const env = useProviderGateway([anthropicMock], MASTER_KEY, async (mock) => {
    const entry = (name: string, model: string, key = 'os.environ/E2E_ANTHROPIC_KEY'): string =>
      `  - model_name: ${name}\n    litellm_params: { model: anthropic/${model}, api_base: ${mock.url}, api_key: ${key} }\n`;
    const yaml = `general_settings:\n  master_key: ${MASTER_KEY}\nmodel_list:\n${entry('claude', 'claude-3-5-sonnet-20240620')}${entry('claude-too-long', 'claude-too-long')}${entry('claude-overloaded', 'claude-overloaded')}${entry('claude-stream-error', 'claude-stream-error')}${entry('claude-wrong-key', 'claude-3-haiku-20240307', 'sk-ant-wrong-key-0000000000')}`;
    return startGateway(yaml, { env: { E2E_ANTHROPIC_KEY: ANTHROPIC_TEST_KEY } });
  });

  it('should translate a chat call to the Messages API and the answer back, priced from the catalog', async () => {
    const { data, response } = await env.client.chat.completions
      .create({
        model: 'claude',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hello Claude' },
        ],
        max_tokens: 200,
        stop: ['never-there'],
      })
      .withResponse();

    expect(data.choices[0].message.content).toBe('Claude echo: Hello Claude (system: Be brief.)');
    expect(data.choices[0].finish_reason).toBe('stop');
    expect(data.id).toBe(response.headers.get('x-litellm-call-id'));
    expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(data.usage?.total_tokens).toBe((data.usage?.prompt_tokens ?? 0) + (data.usage?.completion_tokens ?? 0));
    expect(Number(response.headers.get('x-litellm-response-cost'))).toBeGreaterThan(0);
    expect(response.headers.get('llm_provider-anthropic-ratelimit-requests-remaining')).toBe('99');

    const [sent] = env.mock.requests;
    expect(sent.headers['x-api-key']).toBe(ANTHROPIC_TEST_KEY);
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body).toEqual({
      model: 'claude-3-5-sonnet-20240620',
      system: [{ type: 'text', text: 'Be brief.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello Claude' }] }],
      max_tokens: 200,
      stop_sequences: ['never-there'],
    });
  });

  it('should send images as image blocks', async () => {
    const data = await env.client.chat.completions.create({
      model: 'claude',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
      ],
    });
    expect(data.choices[0].message.content).toContain('[1 image(s)]');
    const content = (env.mock.requests[0].body?.messages as { content: unknown[] }[])[0].content;
    expect(content[1]).toEqual({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } });
    expect(env.mock.requests[0].body?.max_tokens).toBe(4096);
  });

  it('should stream through the openai client, with the finish reason and usage at the end', async () => {
    const stream = await env.client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'stream me some words please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    const text = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('');
    expect(text).toBe('Claude echo: stream me some words please');
    expect(chunks.filter((chunk) => chunk.choices[0]?.delta?.content).length).toBeGreaterThan(3);
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks.find((chunk) => chunk.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe('stop');
    const usage = chunks[chunks.length - 1].usage;
    expect(usage?.prompt_tokens).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(env.mock.requests[0].body?.stream).toBe(true);

    // The stream is charged from Anthropic's own counts, and the row keeps Anthropic's message id.
    await env.gateway.app.get(SpendLedgerService).flush();
    const rows = (await env.gateway.app.get(DataSource).query('SELECT * FROM tollgate_spend_logs WHERE request_id = $1', [chunks[0].id])) as Record<string, unknown>[];
    expect(rows).toHaveLength(1);
    expect(rows[0].prompt_tokens).toBe(usage?.prompt_tokens);
    expect(rows[0].completion_tokens).toBe(usage?.completion_tokens);
    expect(Number(rows[0].spend)).toBeGreaterThan(0);
    expect(JSON.stringify(rows[0])).toContain('msg_mock');
  });

  it('should round-trip a tool call: tool_use out, tool_result back in', async () => {
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const first = await env.client.chat.completions.create({ model: 'claude', messages, tools: [WEATHER_TOOL], tool_choice: 'required' });
    const call = first.choices[0].message.tool_calls?.[0];
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    expect(call?.type).toBe('function');
    if (call?.type !== 'function') throw new Error('expected a function call');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ input: 'Weather in Paris?' });
    expect(env.mock.requests[0].body?.tools).toEqual([{ name: 'get_weather', description: 'Weather for a city', input_schema: WEATHER_TOOL.function.parameters }]);
    expect(env.mock.requests[0].body?.tool_choice).toEqual({ type: 'any' });

    messages.push(first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: 'Sunny, 21°C' });
    const second = await env.client.chat.completions.create({ model: 'claude', messages, tools: [WEATHER_TOOL] });
    expect(second.choices[0].message.content).toBe('The tool said: Sunny, 21°C');
    const sentBack = env.mock.requests[1].body?.messages as { role: string; content: { type: string }[] }[];
    expect(sentBack.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
    expect(sentBack[1].content.map((block) => block.type)).toEqual(['text', 'tool_use']);
    expect(sentBack[2].content[0]).toEqual({ type: 'tool_result', tool_use_id: call.id, content: 'Sunny, 21°C' });
  });

  it('should stream a tool call as OpenAI tool_call deltas the SDK can assemble', async () => {
    const stream = env.client.chat.completions.stream({ model: 'claude', messages: [{ role: 'user', content: 'Weather in Oslo?' }], tools: [WEATHER_TOOL] });
    const final = await stream.finalChatCompletion();
    const call = final.choices[0].message.tool_calls?.[0];
    expect(final.choices[0].finish_reason).toBe('tool_calls');
    if (call?.type !== 'function') throw new Error('expected a function call');
    expect(call.function.name).toBe('get_weather');
    expect(JSON.parse(call.function.arguments)).toEqual({ input: 'Weather in Oslo?' });
    expect(call.id).toMatch(/^toolu_mock/);
  });

  it('should answer response_format json_schema with JSON content through a forced tool', async () => {
    const data = await env.client.chat.completions.create({
      model: 'claude',
      messages: [{ role: 'user', content: 'json please' }],
      response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object', properties: { input: { type: 'string' } } } } },
    });
    expect(JSON.parse(data.choices[0].message.content ?? '')).toEqual({ input: 'json please' });
    expect(data.choices[0].message.tool_calls).toBeUndefined();
    expect(data.choices[0].finish_reason).toBe('stop');
    expect(env.mock.requests[0].body?.tool_choice).toEqual({ type: 'tool', name: 'json_tool_call' });
  });

  it('should answer /completions through the Messages API', async () => {
    const data = await env.client.completions.create({ model: 'claude', prompt: 'Complete me', max_tokens: 20 });
    expect(data.object).toBe('text_completion');
    expect(data.choices[0].text).toBe('Claude echo: Complete me');
  });

  it('should map a prompt over the context window to ContextWindowExceededError (400)', async () => {
    const error = await env.client.chat.completions.create({ model: 'claude-too-long', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(400);
    expect((error as APIError).message).toContain('litellm.ContextWindowExceededError: AnthropicException - prompt is too long');
  });

  it('should map overloaded (529) to a rate limit and a wrong key to 401 without echoing it', async () => {
    const overloaded = (await env.client.chat.completions.create({ model: 'claude-overloaded', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as APIError;
    expect(overloaded.status).toBe(429);
    expect(overloaded.message).toContain('litellm.RateLimitError: AnthropicException - Overloaded');
    const denied = (await env.client.chat.completions.create({ model: 'claude-wrong-key', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as APIError;
    expect(denied.status).toBe(401);
    expect(denied.message).toContain('AuthenticationError');
    expect(JSON.stringify(denied.error)).not.toContain('sk-ant-wrong-key');
  });

  it('should end a stream with an error event when Anthropic sends one mid-stream', async () => {
    const response = await fetch(`${env.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-stream-error', messages: [{ role: 'user', content: 'hi there' }], stream: true }),
    });
    const text = await response.text();
    expect(text).toContain('Claude');
    expect(text).toContain('RateLimitError: AnthropicException - Overloaded');
    expect(text).not.toContain('[DONE]');
  });
});
