import Anthropic, { type APIError } from '@anthropic-ai/sdk';
import { DataSource } from 'typeorm';
import { SpendLedgerService } from '../src/spend/spend-ledger.service';
import { apiClient } from './support/api-client';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { ANTHROPIC_TEST_KEY, anthropicMock } from './support/mock-providers/anthropic.mock';
import { BEDROCK_TEST_CREDENTIALS, BEDROCK_TEST_REGION, bedrockMock } from './support/mock-providers/bedrock.mock';
import { startMockProviderServer, type MockProviderServer, type RecordedProviderRequest } from './support/mock-providers/mock-provider-server';
import { startMockUpstreamProcess, type MockUpstreamProcess } from './support/mock-upstream.process';

const MASTER_KEY = 'sk-messages-master';
const UPSTREAM_KEY = 'sk-messages-upstream';
const BANNED = 'forbidden-messages-word';
const BEDROCK_MODEL = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
/** The translated model's prices (the OpenAI-style mock's model has none in the catalog). */
const GPT_INPUT = 0.000001;
const GPT_OUTPUT = 0.000002;
/** claude-3-5-sonnet-20240620 in the catalog: $3 / $15 per million, cache writes $3.75, cache reads $0.30. */
const CLAUDE = { input: 3e-6, output: 15e-6, cacheWrite: 3.75e-6, cacheRead: 0.3e-6 };

const WEATHER_TOOL: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Weather for a city',
  input_schema: { type: 'object', properties: { input: { type: 'string' } }, required: ['input'] },
};

interface SpendRow {
  request_id: string;
  call_type: string;
  spend: number;
  prompt_tokens: number;
  completion_tokens: number;
  model_group: string;
  end_user: string | null;
  request_tags: string[];
  provider_response_id: string | null;
  status: string;
}

describe('Anthropic Messages API (e2e, @anthropic-ai/sdk → gateway → Anthropic, Bedrock and OpenAI-style mocks)', () => {
  let gateway: TestGateway;
  let mock: MockProviderServer;
  let upstream: MockUpstreamProcess;
  let client: Anthropic;
  const api = apiClient(() => gateway.url, MASTER_KEY);

  beforeAll(async () => {
    mock = await startMockProviderServer([anthropicMock, bedrockMock]);
    upstream = await startMockUpstreamProcess(['--require-api-key', UPSTREAM_KEY, '--chunks', '4']);
    const anthropic = (name: string, model: string): string =>
      `  - model_name: ${name}\n    litellm_params: { model: anthropic/${model}, api_base: ${mock.url}, api_key: os.environ/E2E_ANTHROPIC_KEY }\n`;
    const gpt = (name: string, model: string): string =>
      `  - model_name: ${name}\n    litellm_params: { model: openai/${model}, api_base: ${upstream.baseUrl}, api_key: os.environ/E2E_UPSTREAM_KEY, input_cost_per_token: ${GPT_INPUT}, output_cost_per_token: ${GPT_OUTPUT} }\n`;
    const yaml = `general_settings:
  master_key: ${MASTER_KEY}
  litellm_key_header_name: X-Tollgate-Key
model_list:
${anthropic('claude', 'claude-3-5-sonnet-20240620')}${anthropic('claude-stream-error', 'claude-stream-error')}${anthropic('claude-overloaded', 'claude-overloaded')}  - model_name: bedrock-claude
    litellm_params: { model: bedrock/${BEDROCK_MODEL}, api_base: ${mock.url}, aws_access_key_id: os.environ/E2E_AWS_KEY_ID, aws_secret_access_key: os.environ/E2E_AWS_SECRET, aws_region_name: ${BEDROCK_TEST_REGION} }
${gpt('gpt', 'call-tools')}${gpt('gpt-plain', 'gpt-4o-mini')}litellm_settings:
  callbacks: ["hide_secrets"]
guardrails:
  - guardrail_name: messages-keywords
    litellm_params: { guardrail: banned_keywords, mode: pre_call, default_on: true, banned_keywords_list: ["${BANNED}"] }
`;
    gateway = await startGateway(yaml, {
      env: {
        E2E_ANTHROPIC_KEY: ANTHROPIC_TEST_KEY,
        E2E_UPSTREAM_KEY: UPSTREAM_KEY,
        E2E_AWS_KEY_ID: BEDROCK_TEST_CREDENTIALS.accessKeyId,
        E2E_AWS_SECRET: BEDROCK_TEST_CREDENTIALS.secretAccessKey,
      },
    });
    client = new Anthropic({ apiKey: MASTER_KEY, baseURL: gateway.url, maxRetries: 0 });
  }, 120_000);

  afterAll(async () => {
    await gateway?.close();
    await mock?.close();
    await upstream?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  beforeEach(() => {
    mock.requests.length = 0;
  });

  const lastSent = (): RecordedProviderRequest => mock.requests[mock.requests.length - 1];

  async function rowOf(requestId: string): Promise<SpendRow> {
    let row: SpendRow | undefined;
    for (let attempt = 0; attempt < 50 && !row; attempt++) {
      await gateway.app.get(SpendLedgerService).flush();
      [row] = (await gateway.app.get(DataSource).query('SELECT * FROM tollgate_spend_logs WHERE request_id = $1', [requestId])) as SpendRow[];
      if (!row) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!row) throw new Error(`no spend row for ${requestId}`);
    return row;
  }

  const generate = async (body: Record<string, unknown>): Promise<string> => {
    const response = await api.post<{ key: string }>('/key/generate', body);
    expect(response.status).toBe(200);
    return response.body.key;
  };

  const raw = (path: string, body: unknown, headers: Record<string, string>): Promise<Response> =>
    fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  describe('native on Anthropic', () => {
    it('should answer messages.create as Anthropic does, forward version and betas, and strip what only Tollgate reads', async () => {
      const { data, response } = await client.beta.messages
        .create(
          {
            model: 'claude',
            max_tokens: 200,
            system: 'Be brief.',
            messages: [{ role: 'user', content: 'Hello Claude' }],
            metadata: { user_id: 'end-user-7' },
            betas: ['interleaved-thinking-2025-05-14', 'claude-code-20250219'],
            // LiteLLM's request fields: spend tags and metadata, never sent to Anthropic.
            ...({ tags: ['top-level-tag'], litellm_metadata: { tags: ['meta-tag'], spend_logs_metadata: { team: 'x' } } } as object),
          },
          { headers: { 'anthropic-version': '2023-06-01' } },
        )
        .withResponse();

      expect(data.type).toBe('message');
      expect(data.content).toEqual([{ type: 'text', text: 'Claude echo: Hello Claude (system: Be brief.)' }]);
      expect(data.stop_reason).toBe('end_turn');
      expect(data.id).toBe(response.headers.get('x-litellm-call-id'));
      expect(data.id).toMatch(/^msg_/);
      expect(data.usage.input_tokens).toBeGreaterThan(0);
      expect(Number(response.headers.get('x-litellm-response-cost'))).toBeGreaterThan(0);

      const sent = lastSent();
      expect(sent.path).toBe('/v1/messages');
      expect(sent.headers['x-api-key']).toBe(ANTHROPIC_TEST_KEY);
      expect(sent.headers['anthropic-version']).toBe('2023-06-01');
      expect(sent.headers['anthropic-beta']).toBe('interleaved-thinking-2025-05-14,claude-code-20250219');
      expect(sent.body).toEqual({
        model: 'claude-3-5-sonnet-20240620',
        max_tokens: 200,
        system: 'Be brief.',
        messages: [{ role: 'user', content: 'Hello Claude' }],
        metadata: { user_id: 'end-user-7' },
      });

      const row = await rowOf(data.id);
      expect(row).toMatchObject({ call_type: 'anthropic_messages', model_group: 'claude', end_user: 'end-user-7', status: 'success' });
      expect(row.request_tags).toEqual(['meta-tag', 'top-level-tag']);
      expect(row.provider_response_id).toMatch(/^msg_mock/);
      expect(row.spend).toBeCloseTo(data.usage.input_tokens * CLAUDE.input + data.usage.output_tokens * CLAUDE.output, 12);
    });

    it('should stream with messages.stream in Anthropic events, charged from message_start and message_delta usage', async () => {
      const stream = client.messages.stream({ model: 'claude', max_tokens: 100, messages: [{ role: 'user', content: 'stream me some words please' }] });
      const types: string[] = [];
      stream.on('streamEvent', (event) => types.push(event.type));
      const final = await stream.finalMessage();
      const text = final.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
      expect(text).toBe('Claude echo: stream me some words please');
      expect(types[0]).toBe('message_start');
      expect(types.filter((type) => type === 'content_block_delta').length).toBeGreaterThan(3);
      expect(types.slice(-2)).toEqual(['message_delta', 'message_stop']);
      const callId = (await stream.withResponse()).response.headers.get('x-litellm-call-id');
      expect(final.id).toBe(callId);
      expect(lastSent().body?.stream).toBe(true);

      const row = await rowOf(final.id);
      expect(row.prompt_tokens).toBe(final.usage.input_tokens);
      expect(row.completion_tokens).toBe(final.usage.output_tokens);
      expect(row.spend).toBeCloseTo(final.usage.input_tokens * CLAUDE.input + final.usage.output_tokens * CLAUDE.output, 12);
      expect(row.provider_response_id).toMatch(/^msg_mock/);
    });

    it('should frame the stream as event:/data: pairs, ending with message_stop and no [DONE]', async () => {
      const response = await raw('/v1/messages', { model: 'claude', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi there' }] }, { 'x-api-key': MASTER_KEY });
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const text = await response.text();
      const blocks = text.split('\n\n').filter((block) => block !== '');
      for (const block of blocks) {
        const [eventLine, dataLine] = block.split('\n');
        expect(eventLine).toMatch(/^event: [a-z_]+$/);
        expect(JSON.parse(dataLine.slice('data: '.length)).type).toBe(eventLine.slice('event: '.length));
      }
      expect(blocks[1]).toBe('event: ping\ndata: {"type":"ping"}');
      expect(blocks.at(-1)).toBe('event: message_stop\ndata: {"type":"message_stop"}');
      expect(text).not.toContain('[DONE]');
    });

    it('should round-trip tools with thinking on: tool_use out, the thinking block and tool_result back in as they were', async () => {
      const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather in Paris?' }];
      const thinking = { type: 'enabled' as const, budget_tokens: 1024 };
      const first = await client.messages.create({ model: 'claude', max_tokens: 2048, thinking, tools: [WEATHER_TOOL], messages });
      expect(first.stop_reason).toBe('tool_use');
      expect(first.content.map((block) => block.type)).toEqual(['thinking', 'text', 'tool_use']);
      const call = first.content.find((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use')!;
      expect(call.input).toEqual({ input: 'Weather in Paris?' });

      messages.push({ role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'Sunny, 21°C' }] });
      const second = await client.messages.create({ model: 'claude', max_tokens: 2048, thinking, tools: [WEATHER_TOOL], messages });
      expect(second.content.find((block) => block.type === 'text')).toEqual({ type: 'text', text: 'The tool said: Sunny, 21°C' });
      // The mock refuses a tool_use turn whose thinking block (with its signature) was dropped.
      const replayed = (lastSent().body?.messages as { content: { type: string; signature?: string }[] }[])[1].content;
      expect(replayed[0]).toMatchObject({ type: 'thinking', signature: 'sig_mock_thinking' });
    });

    it('should stream a tool call the SDK assembles', async () => {
      const final = await client.messages
        .stream({ model: 'claude', max_tokens: 100, tools: [WEATHER_TOOL], messages: [{ role: 'user', content: 'Weather in Oslo?' }] })
        .finalMessage();
      const call = final.content.find((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use');
      expect(final.stop_reason).toBe('tool_use');
      expect(call?.input).toEqual({ input: 'Weather in Oslo?' });
    });

    it('should pass images and documents through untouched', async () => {
      const data = await client.messages.create({
        model: 'claude',
        max_tokens: 50,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is this?' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            ],
          },
        ],
      });
      expect(data.content[0]).toEqual({ type: 'text', text: 'Claude echo: What is this? [1 image(s)]' });
      expect((lastSent().body?.messages as { content: unknown[] }[])[0].content[1]).toEqual({
        type: 'image',
        source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' },
      });
    });

    it('should report cache writes then cache reads, and price each at its own rate', async () => {
      const system: Anthropic.TextBlockParam[] = [
        { type: 'text', text: `You are a careful assistant. ${'Long shared context. '.repeat(60)}`, cache_control: { type: 'ephemeral' } },
      ];
      const ask = () => client.messages.create({ model: 'claude', max_tokens: 50, system, messages: [{ role: 'user', content: `cache test ${Math.random()}` }] });
      const first = await ask();
      expect(first.usage.cache_creation_input_tokens).toBeGreaterThan(100);
      expect(first.usage.cache_read_input_tokens).toBe(0);
      const second = await ask();
      expect(second.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
      expect(second.usage.cache_creation_input_tokens).toBe(0);
      expect((lastSent().body?.system as { cache_control: unknown }[])[0].cache_control).toEqual({ type: 'ephemeral' });

      const price = (usage: Anthropic.Usage): number =>
        usage.input_tokens * CLAUDE.input +
        (usage.cache_creation_input_tokens ?? 0) * CLAUDE.cacheWrite +
        (usage.cache_read_input_tokens ?? 0) * CLAUDE.cacheRead +
        usage.output_tokens * CLAUDE.output;
      const [written, read] = [await rowOf(first.id), await rowOf(second.id)];
      expect(written.spend).toBeCloseTo(price(first.usage), 12);
      expect(read.spend).toBeCloseTo(price(second.usage), 12);
      expect(written.prompt_tokens).toBe(first.usage.input_tokens + (first.usage.cache_creation_input_tokens ?? 0));
      expect(read.spend).toBeLessThan(written.spend);

      // Streams report the cache figures in message_start; the row is priced the same way.
      const streamed = await client.messages.stream({ model: 'claude', max_tokens: 50, system, messages: [{ role: 'user', content: 'cache stream' }] }).finalMessage();
      expect(streamed.usage.cache_read_input_tokens).toBe(first.usage.cache_creation_input_tokens);
      expect((await rowOf(streamed.id)).spend).toBeCloseTo(price(streamed.usage), 12);
    });

    it('should count tokens with Anthropic, sending only the fields count_tokens takes', async () => {
      const { data, response } = await client.messages
        .countTokens({ model: 'claude', system: 'Be brief.', tools: [WEATHER_TOOL], messages: [{ role: 'user', content: 'How many tokens is this?' }] })
        .withResponse();
      expect(data.input_tokens).toBeGreaterThan(10);
      const sent = lastSent();
      expect(sent.path).toBe('/v1/messages/count_tokens');
      expect(Object.keys(sent.body ?? {}).sort()).toEqual(['messages', 'model', 'system', 'tools']);
      const row = await rowOf(response.headers.get('x-litellm-call-id')!);
      expect(row).toMatchObject({ call_type: 'anthropic_count_tokens', spend: 0 });
    });

    it('should serve the same API under /anthropic/v1', async () => {
      const prefixed = new Anthropic({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/anthropic`, maxRetries: 0 });
      const data = await prefixed.messages.create({ model: 'claude', max_tokens: 20, messages: [{ role: 'user', content: 'prefixed' }] });
      expect(data.content[0]).toEqual({ type: 'text', text: 'Claude echo: prefixed' });
      expect((await prefixed.messages.countTokens({ model: 'claude', messages: [{ role: 'user', content: 'x' }] })).input_tokens).toBeGreaterThan(0);
    });

    it('should end a stream with an Anthropic error event when the provider fails mid-stream', async () => {
      const response = await raw(
        '/v1/messages',
        { model: 'claude-stream-error', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi there' }] },
        { 'x-api-key': MASTER_KEY },
      );
      const text = await response.text();
      expect(text).toContain('Claude');
      const last = text.trim().split('\n\n').at(-1)!;
      expect(last.split('\n')[0]).toBe('event: error');
      const error = JSON.parse(last.split('\n')[1].slice('data: '.length)) as { type: string; error: { type: string; message: string } };
      expect(error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
      expect(error.error.message).toContain('AnthropicException - Overloaded');
      const stream = client.messages.stream({ model: 'claude-stream-error', max_tokens: 50, messages: [{ role: 'user', content: 'again' }] });
      await expect(stream.finalMessage()).rejects.toThrow(/Overloaded/);
    });
  });

  describe('native on Claude on Bedrock (InvokeModel)', () => {
    it('should send the Anthropic body with Bedrock’s anthropic_version and only the betas Bedrock takes', async () => {
      const data = await client.beta.messages.create({
        model: 'bedrock-claude',
        max_tokens: 100,
        system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
        // Claude Code's mid-conversation system turn and effort setting, which Bedrock does not take.
        messages: [{ role: 'user', content: 'Hello Bedrock' }, { role: 'system', content: 'Today is Thursday.' } as unknown as Anthropic.Beta.BetaMessageParam],
        metadata: { user_id: 'u-1' },
        betas: ['interleaved-thinking-2025-05-14', 'claude-code-20250219', 'fine-grained-tool-streaming-2025-05-14', 'mid-conversation-system-2026-04-07'],
        ...({ output_config: { effort: 'high' } } as object),
      });
      expect(data.content).toEqual([{ type: 'text', text: 'Claude echo: Hello Bedrock (system: Be brief. Today is Thursday.)' }]);
      expect(data.usage.cache_creation_input_tokens).toBeGreaterThan(0);
      const sent = lastSent();
      expect(sent.path).toBe(`/model/${encodeURIComponent(BEDROCK_MODEL)}/invoke`);
      expect(sent.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /);
      expect(sent.headers['anthropic-beta']).toBeUndefined();
      expect(sent.body).toEqual({
        anthropic_version: 'bedrock-2023-05-31',
        anthropic_beta: ['interleaved-thinking-2025-05-14'],
        max_tokens: 100,
        system: [
          { type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } },
          { type: 'text', text: 'Today is Thursday.' },
        ],
        messages: [{ role: 'user', content: 'Hello Bedrock' }],
      });
      const row = await rowOf(data.id);
      expect(row).toMatchObject({ call_type: 'anthropic_messages', model_group: 'bedrock-claude' });
      expect(row.spend).toBeGreaterThan(0);
      expect(row.provider_response_id).toMatch(/^msg_bdrk_/);
    });

    it('should stream Anthropic events out of the AWS event stream', async () => {
      const final = await client.messages
        .stream({ model: 'bedrock-claude', max_tokens: 100, tools: [WEATHER_TOOL], messages: [{ role: 'user', content: 'Weather in Rome?' }] })
        .finalMessage();
      expect(lastSent().path).toBe(`/model/${encodeURIComponent(BEDROCK_MODEL)}/invoke-with-response-stream`);
      const call = final.content.find((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use');
      expect(call?.input).toEqual({ input: 'Weather in Rome?' });
      const row = await rowOf(final.id);
      expect(row.prompt_tokens).toBe(final.usage.input_tokens);
      expect(row.completion_tokens).toBe(final.usage.output_tokens);
    });
  });

  describe('translated for an OpenAI-style provider', () => {
    it('should turn the request into chat and the chat reply into an Anthropic message', async () => {
      const data = await client.messages.create({
        model: 'gpt-plain',
        max_tokens: 64,
        system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }],
        messages: [
          { role: 'user', content: [{ type: 'text', text: 'Hello translated world' }] },
          { role: 'system', content: 'Mid-conversation note.' } as unknown as Anthropic.MessageParam,
        ],
        stop_sequences: ['never'],
        metadata: { user_id: 'translated-user' },
        ...({ temperature: 0.2 } as object),
      });
      expect(data).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'end_turn', content: [{ type: 'text', text: 'Mock reply to: Hello translated world' }] });
      expect(data.usage.input_tokens).toBeGreaterThan(0);
      expect(data.usage.output_tokens).toBe(16);
      const [sent] = (await upstream.requests()).slice(-1);
      expect(sent.body).toEqual({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'You are terse.' },
          { role: 'user', content: 'Hello translated world' },
          { role: 'system', content: 'Mid-conversation note.' },
        ],
        max_tokens: 64,
        temperature: 0.2,
        stop: ['never'],
        user: 'translated-user',
      });
      const row = await rowOf(data.id);
      expect(row.spend).toBeCloseTo(data.usage.input_tokens * GPT_INPUT + data.usage.output_tokens * GPT_OUTPUT, 15);
      expect(row.call_type).toBe('anthropic_messages');
    });

    it('should stream a chat stream as Anthropic events, usage in message_delta', async () => {
      const stream = client.messages.stream({ model: 'gpt-plain', max_tokens: 64, messages: [{ role: 'user', content: 'stream through chat please' }] });
      const types: string[] = [];
      stream.on('streamEvent', (event) => types.push(event.type));
      const final = await stream.finalMessage();
      expect(final.content).toEqual([{ type: 'text', text: 'Mock reply to: stream through chat please' }]);
      expect(types.slice(0, 2)).toEqual(['message_start', 'content_block_start']);
      expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
      expect(final.usage.input_tokens).toBeGreaterThan(0);
      expect(final.usage.output_tokens).toBe(16);
      const row = await rowOf(final.id);
      expect({ prompt: row.prompt_tokens, completion: row.completion_tokens }).toEqual({ prompt: final.usage.input_tokens, completion: 16 });
      expect(row.spend).toBeCloseTo(final.usage.input_tokens * GPT_INPUT + 16 * GPT_OUTPUT, 15);
    });

    it('should round-trip tools through chat tool calls, whole and streamed', async () => {
      const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather in Lisbon?' }];
      const first = await client.messages.create({ model: 'gpt', max_tokens: 64, tools: [WEATHER_TOOL], tool_choice: { type: 'any' }, messages });
      expect(first.stop_reason).toBe('tool_use');
      const call = first.content.find((block): block is Anthropic.ToolUseBlock => block.type === 'tool_use')!;
      expect(call).toMatchObject({ name: 'get_weather', input: { input: 'Weather in Lisbon?' } });
      let sent = (await upstream.requests()).at(-1)!.body as Record<string, unknown>;
      expect(sent.tools).toEqual([{ type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: WEATHER_TOOL.input_schema } }]);
      expect(sent.tool_choice).toBe('required');

      messages.push(
        { role: 'assistant', content: first.content },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: call.id, content: 'Rainy, 14°C' },
            { type: 'text', text: 'Thanks!' },
          ],
        },
      );
      const second = await client.messages.create({ model: 'gpt', max_tokens: 64, tools: [WEATHER_TOOL], messages });
      expect(second.content).toEqual([{ type: 'text', text: 'Mock reply to tool result: Rainy, 14°C' }]);
      sent = (await upstream.requests()).at(-1)!.body as Record<string, unknown>;
      expect(sent.messages).toEqual([
        { role: 'user', content: 'Weather in Lisbon?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: call.id, type: 'function', function: { name: 'get_weather', arguments: JSON.stringify({ input: 'Weather in Lisbon?' }) } }],
        },
        { role: 'tool', tool_call_id: call.id, content: 'Rainy, 14°C' },
        { role: 'user', content: 'Thanks!' },
      ]);

      const streamed = await client.messages
        .stream({ model: 'gpt', max_tokens: 64, tools: [WEATHER_TOOL], messages: [{ role: 'user', content: 'Weather in Porto?' }] })
        .finalMessage();
      expect(streamed.stop_reason).toBe('tool_use');
      expect(streamed.content.find((block) => block.type === 'tool_use')).toMatchObject({ name: 'get_weather', input: { input: 'Weather in Porto?' } });
    });

    it('should count tokens locally for a model whose provider cannot', async () => {
      const data = await client.messages.countTokens({ model: 'gpt-plain', messages: [{ role: 'user', content: 'count me locally please' }] });
      expect(data.input_tokens).toBeGreaterThan(5);
      expect(data.input_tokens).toBeLessThan(30);
    });
  });

  describe('keys, errors and the limits of chat, in Anthropic’s shape', () => {
    it('should take the key from x-api-key, Authorization: Bearer or x-litellm-api-key, and answer a wrong one with a 401 the SDK raises', async () => {
      const key = await generate({});
      const body = { model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'auth' }] };
      const variants: Record<string, string>[] = [
        { 'x-api-key': key },
        { authorization: `Bearer ${key}` },
        { 'x-litellm-api-key': `Bearer ${key}` },
        { 'x-litellm-api-key': key, authorization: 'Bearer some-provider-oauth-token' },
      ];
      for (const headers of variants) {
        expect({ headers, status: (await raw('/v1/messages', body, headers)).status }).toEqual({ headers, status: 200 });
      }
      const bearer = new Anthropic({ authToken: key, apiKey: null, baseURL: gateway.url, maxRetries: 0 });
      expect((await bearer.messages.create(body as Anthropic.MessageCreateParamsNonStreaming)).type).toBe('message');

      const wrong = new Anthropic({ apiKey: 'sk-not-a-key', baseURL: gateway.url, maxRetries: 0 });
      const error = await wrong.messages.create(body as Anthropic.MessageCreateParamsNonStreaming).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Anthropic.AuthenticationError);
      expect((error as APIError).error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
      const missing = await raw('/v1/messages', body, {});
      expect(missing.status).toBe(401);
      expect(await missing.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error', message: expect.stringContaining('No api key passed in') } });
    });

    it('should map every refusal to Anthropic’s error shape with Tollgate’s status', async () => {
      const cases: { name: string; response: Promise<Response>; status: number; type: string }[] = [
        { name: 'invalid JSON', response: raw('/v1/messages', '{"model":', { 'x-api-key': MASTER_KEY }), status: 400, type: 'invalid_request_error' },
        { name: 'no messages', response: raw('/v1/messages', { model: 'claude', max_tokens: 5 }, { 'x-api-key': MASTER_KEY }), status: 400, type: 'invalid_request_error' },
        {
          name: 'unknown model',
          response: raw('/v1/messages', { model: 'nope', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, { 'x-api-key': MASTER_KEY }),
          status: 400,
          type: 'invalid_request_error',
        },
        {
          name: 'bad tags',
          response: raw('/v1/messages', { model: 'claude', tags: 'a', messages: [{ role: 'user', content: 'x' }] }, { 'x-api-key': MASTER_KEY }),
          status: 400,
          type: 'invalid_request_error',
        },
        {
          name: 'provider overloaded (529)',
          response: raw('/v1/messages', { model: 'claude-overloaded', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, { 'x-api-key': MASTER_KEY }),
          status: 429,
          type: 'rate_limit_error',
        },
        {
          name: 'model not allowed for the key',
          response: generate({ models: ['gpt'] }).then((key) =>
            raw('/v1/messages', { model: 'claude', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }, { 'x-api-key': key }),
          ),
          status: 401,
          type: 'authentication_error',
        },
      ];
      for (const { name, response, status, type } of cases) {
        const answer = await response;
        const body = (await answer.json()) as { type: string; error: { type: string; message: string } };
        expect({ name, status: answer.status, shape: body.type, type: body.error?.type }).toEqual({ name, status, shape: 'error', type });
        expect(typeof body.error.message).toBe('string');
        expect(body).not.toHaveProperty('error.code');
      }
    });

    it('should refuse a key over budget with 400 budget_exceeded, in Anthropic’s shape, on both routes', async () => {
      const key = await generate({ max_budget: 0 });
      const broke = new Anthropic({ apiKey: key, baseURL: gateway.url, maxRetries: 0 });
      const error = (await broke.messages.create({ model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as APIError;
      expect(error).toBeInstanceOf(Anthropic.BadRequestError);
      expect(error.status).toBe(400);
      expect(error.error).toMatchObject({ type: 'error', error: { type: 'budget_exceeded', message: expect.stringContaining('Budget has been exceeded!') } });
      const counted = (await broke.messages.countTokens({ model: 'claude', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as APIError;
      expect(counted.status).toBe(400);
      expect(mock.requests).toHaveLength(0);
    });

    it('should apply the key’s rate limit: 429 rate_limit_error with retry-after', async () => {
      const key = await generate({ rpm_limit: 1 });
      const limited = new Anthropic({ apiKey: key, baseURL: gateway.url, maxRetries: 0 });
      await limited.messages.create({ model: 'gpt-plain', max_tokens: 10, messages: [{ role: 'user', content: 'one' }] });
      const error = (await limited.messages.create({ model: 'gpt-plain', max_tokens: 10, messages: [{ role: 'user', content: 'two' }] }).catch((e: unknown) => e)) as APIError;
      expect(error).toBeInstanceOf(Anthropic.RateLimitError);
      expect(Number(error.headers?.get('retry-after'))).toBeGreaterThan(0);
      expect(error.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    });

    it('should run guardrails on the messages’ text: a banned keyword refused, a secret redacted before the provider sees it', async () => {
      const error = (await client.messages
        .create({ model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'text', text: `please say ${BANNED}` }] }] })
        .catch((e: unknown) => e)) as APIError;
      expect(error).toBeInstanceOf(Anthropic.BadRequestError);
      expect(error.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
      expect(mock.requests).toHaveLength(0);

      const { response } = await client.messages
        .create({
          model: 'claude',
          max_tokens: 10,
          system: [{ type: 'text', text: 'deploy key openai_api_key=sk-1234998222', cache_control: { type: 'ephemeral' } }],
          messages: [{ role: 'user', content: "Hey, API_KEY = 'sk_1234567890abcdef'" }],
        })
        .withResponse();
      expect(response.headers.get('x-litellm-applied-guardrails')).toContain('hide_secrets');
      const sent = lastSent().body as { system: { text: string; cache_control: unknown }[]; messages: { content: string }[] };
      expect(sent.messages[0].content).toBe("Hey, API_KEY = '[REDACTED]'");
      expect(sent.system[0]).toEqual({ type: 'text', text: 'deploy key openai_api_key=[REDACTED]', cache_control: { type: 'ephemeral' } });

      // The translated path reaches the OpenAI-style provider redacted too.
      await client.messages.create({ model: 'gpt-plain', max_tokens: 10, messages: [{ role: 'user', content: "API_KEY = 'sk_1234567890abcdef'" }] });
      const upstreamBody = (await upstream.requests()).at(-1)!.body as { messages: { content: string }[] };
      expect(upstreamBody.messages[0].content).toBe("API_KEY = '[REDACTED]'");
    });

    it('should charge a stream the client leaves early for what was generated', async () => {
      const key = await generate({ max_budget: 10 });
      const controller = new AbortController();
      const response = await fetch(`${gateway.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({ model: 'claude', max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'a long story with many many words please go on and on' }] }),
        signal: controller.signal,
      });
      const callId = response.headers.get('x-litellm-call-id')!;
      const reader = response.body!.getReader();
      let received = '';
      while ((received.match(/content_block_delta/g) ?? []).length < 3) received += new TextDecoder().decode((await reader.read()).value);
      controller.abort();
      const row = await rowOf(callId);
      expect(row.status).toBe('failure');
      expect(row.prompt_tokens).toBeGreaterThan(0);
      expect(row.spend).toBeGreaterThan(0);
    });
  });

  describe('LiteLLM behaviours on the other routes', () => {
    it('should accept x-litellm-api-key on chat and on the management API', async () => {
      const key = await generate({ key_alias: 'litellm-header' });
      const chat = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-litellm-api-key': `Bearer ${key}` },
        body: JSON.stringify({ model: 'gpt-plain', messages: [{ role: 'user', content: 'hi' }], tags: ['chat-top-level'] }),
      });
      expect(chat.status).toBe(200);
      expect((await rowOf(chat.headers.get('x-litellm-call-id')!)).request_tags).toEqual(['chat-top-level']);
      const info = await fetch(`${gateway.url}/key/info`, { headers: { 'x-litellm-api-key': `Bearer ${key}` } });
      expect(info.status).toBe(200);
      const wrong = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-litellm-api-key': 'Bearer sk-wrong' },
        body: JSON.stringify({ model: 'gpt-plain', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(wrong.status).toBe(401);
      expect(((await wrong.json()) as { error: { type: string } }).error.type).toBe('auth_error');
    });

    it('should read general_settings.litellm_key_header_name first, over a provider key in x-api-key', async () => {
      const key = await generate({});
      const body = { model: 'claude', max_tokens: 10, messages: [{ role: 'user', content: 'custom header' }] };
      expect((await raw('/v1/messages', body, { 'x-tollgate-key': `Bearer ${key}`, 'x-api-key': 'sk-ant-someones-provider-key' })).status).toBe(200);
      expect((await raw('/v1/messages', body, { 'x-tollgate-key': key })).status).toBe(200);
      expect(lastSent().headers['x-api-key']).toBe(ANTHROPIC_TEST_KEY);
      expect(lastSent().headers['x-tollgate-key']).toBeUndefined();
      expect((await raw('/v1/messages', body, { 'x-tollgate-key': 'Bearer sk-wrong', 'x-api-key': key })).status).toBe(401);
    });
  });
});
