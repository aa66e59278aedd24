import OpenAI, { type APIError, AzureOpenAI } from 'openai';
import { DataSource } from 'typeorm';
import { PricingService } from '../src/catalog/pricing.service';
import { SpendLedgerService } from '../src/spend/spend-ledger.service';
import { ResponsesRetentionService } from '../src/responses/responses-retention.service';
import { apiClient } from './support/api-client';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { ANTHROPIC_TEST_KEY, anthropicMock } from './support/mock-providers/anthropic.mock';
import { startMockProviderServer, type MockProviderServer } from './support/mock-providers/mock-provider-server';
import { startMockUpstreamProcess, type MockUpstreamProcess, type RecordedRequest } from './support/mock-upstream.process';

const MASTER_KEY = 'sk-responses-master';
const UPSTREAM_KEY = 'sk-responses-upstream-0001';
const BANNED = 'forbidden-responses-word';
const PRICES = 'input_cost_per_token: 0.000001, output_cost_per_token: 0.000002';

const WEATHER_TOOL: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Weather for a city',
  parameters: { type: 'object', properties: { input: { type: 'string' } }, required: ['input'], additionalProperties: false },
  strict: true,
};

/** A response's text: streamed final responses carry no `output_text` convenience field, so it is read from `output`. */
function textOf(response: OpenAI.Responses.Response): string {
  return response.output
    .flatMap((item) => (item.type === 'message' ? item.content : []))
    .map((part) => (part.type === 'output_text' ? part.text : ''))
    .join('');
}

interface SpendRow {
  request_id: string;
  call_type: string;
  status: string;
  spend: number;
  prompt_tokens: number;
  completion_tokens: number;
  model_group: string;
  provider_response_id: string | null;
  custom_llm_provider: string | null;
}

describe('Responses API (e2e, openai SDK → gateway → OpenAI/Azure mock natively, Anthropic mock and mock/ translated)', () => {
  let upstream: MockUpstreamProcess;
  let anthropic: MockProviderServer;
  let gateway: TestGateway;
  let client: OpenAI;
  const api = apiClient(() => gateway.url, MASTER_KEY);

  beforeAll(async () => {
    upstream = await startMockUpstreamProcess(['--require-api-key', UPSTREAM_KEY, '--chunks', '6']);
    anthropic = await startMockProviderServer([anthropicMock]);
    const yaml = `general_settings:
  master_key: ${MASTER_KEY}
model_list:
  - model_name: gpt-4o-mini
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstream.baseUrl}, api_key: os.environ/E2E_UPSTREAM_KEY }
    model_info: { id: openai-responses-1 }
  - model_name: azure-gpt
    litellm_params: { model: azure/my-azure-deployment, api_base: ${upstream.url}, api_key: os.environ/E2E_UPSTREAM_KEY, api_version: "2024-10-21", ${PRICES} }
  - model_name: claude
    litellm_params: { model: anthropic/claude-3-5-sonnet-20240620, api_base: ${anthropic.url}, api_key: os.environ/E2E_ANTHROPIC_KEY, ${PRICES} }
  - model_name: demo
    litellm_params: { model: mock/demo, ${PRICES} }
guardrails:
  - guardrail_name: responses-keywords
    litellm_params: { guardrail: banned_keywords, mode: pre_call, default_on: true, banned_keywords_list: ["${BANNED}"] }
`;
    gateway = await startGateway(yaml, { env: { E2E_UPSTREAM_KEY: UPSTREAM_KEY, E2E_ANTHROPIC_KEY: ANTHROPIC_TEST_KEY } });
    client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
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

  const lastUpstream = async (): Promise<RecordedRequest> => (await upstream.requests()).at(-1) as RecordedRequest;
  const generate = async (body: Record<string, unknown>): Promise<string> => {
    const response = await api.post<{ key: string }>('/key/generate', body);
    expect(response.status).toBe(200);
    return response.body.key;
  };
  const clientFor = (key: string): OpenAI => new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  const spendRows = async (ids: string[]): Promise<SpendRow[]> => {
    await gateway.app.get(SpendLedgerService).flush();
    return (await gateway.app
      .get(DataSource)
      .query(
        'SELECT request_id, call_type, status, spend, prompt_tokens, completion_tokens, model_group, provider_response_id, custom_llm_provider FROM tollgate_spend_logs WHERE request_id = ANY($1)',
        [ids],
      )) as SpendRow[];
  };

  describe('native (OpenAI upstream)', () => {
    it('should create a response as JSON: Tollgate’s id, the upstream’s answer and usage, one priced spend row', async () => {
      const { data, response } = await client.responses
        .create({ model: 'gpt-4o-mini', input: 'Hello from the responses suite', instructions: 'Be brief.', metadata: { purpose: 'e2e' } })
        .withResponse();

      expect(data.id).toMatch(/^resp_[0-9a-f-]{36}$/);
      expect(data.id).toBe(response.headers.get('x-litellm-call-id'));
      expect(data.object).toBe('response');
      expect(data.status).toBe('completed');
      expect(data.output_text).toBe('Mock reply to: Hello from the responses suite');
      expect(data.instructions).toBe('Be brief.');
      expect(data.usage?.input_tokens).toBeGreaterThan(0);
      expect(data.usage?.output_tokens).toBe(16);
      expect(response.headers.get('x-litellm-model-id')).toBe('openai-responses-1');
      expect(Number(response.headers.get('x-litellm-response-cost'))).toBeGreaterThan(0);

      const sent = await lastUpstream();
      expect(sent.path).toBe('/v1/responses');
      expect(sent.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
      expect(sent.body).toEqual({ model: 'gpt-4o-mini', input: 'Hello from the responses suite', instructions: 'Be brief.' });
      expect(JSON.stringify(sent)).not.toContain(MASTER_KEY);

      const [row] = await spendRows([data.id]);
      expect(row).toMatchObject({
        call_type: 'aresponses',
        status: 'success',
        model_group: 'gpt-4o-mini',
        provider_response_id: expect.stringMatching(/^resp_mock_/),
        custom_llm_provider: 'openai',
      });
      expect(row.prompt_tokens).toBe(data.usage?.input_tokens);
      expect(row.completion_tokens).toBe(16);
      // Cached input tokens are priced at the catalog's cache-read price.
      const cached = data.usage?.input_tokens_details.cached_tokens ?? 0;
      expect(cached).toBeGreaterThan(0);
      const price = gateway.app.get(PricingService).lookup('gpt-4o-mini')!;
      expect(price.cacheReadInputTokenCost).toBeLessThan(price.inputCostPerToken);
      expect(row.spend).toBeCloseTo((row.prompt_tokens - cached) * price.inputCostPerToken + cached * price.cacheReadInputTokenCost! + 16 * price.outputCostPerToken, 15);
    });

    it('should stream the typed event sequence with `event:` lines, no [DONE], usage in response.completed', async () => {
      const raw = await fetch(`${gateway.url}/v1/responses`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', input: 'stream please', stream: true }),
      });
      expect(raw.headers.get('content-type')).toContain('text/event-stream');
      const callId = raw.headers.get('x-litellm-call-id');
      const text = await raw.text();
      expect(text).not.toContain('[DONE]');
      const frames = text.split('\n\n').filter((frame) => frame.trim() !== '');
      const events = frames.map((frame) => {
        const [eventLine, dataLine] = frame.split('\n');
        const data = JSON.parse(dataLine.slice('data: '.length)) as { type: string; sequence_number: number; response?: { id: string; usage: unknown } };
        expect(eventLine).toBe(`event: ${data.type}`);
        return data;
      });
      expect(events.map((event) => event.type)).toEqual([
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        ...Array(6).fill('response.output_text.delta'),
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.completed',
      ]);
      expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, i) => i));
      expect(events[0].response?.id).toBe(callId);
      expect(events.at(-1)?.response?.id).toBe(callId);
      expect(events.at(-1)?.response?.usage).toMatchObject({ input_tokens: expect.any(Number), output_tokens: 16 });
      const sent = await lastUpstream();
      expect(sent.body).toEqual({ model: 'gpt-4o-mini', input: 'stream please', stream: true });

      const [row] = await spendRows([callId as string]);
      expect(row).toMatchObject({ call_type: 'aresponses', status: 'success', completion_tokens: 16 });
    });

    it('should stream through the SDK’s responses.stream() and create({ stream: true })', async () => {
      const stream = client.responses.stream({ model: 'gpt-4o-mini', input: 'helper stream' });
      const deltas: string[] = [];
      stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
      const final = await stream.finalResponse();
      expect(deltas.join('')).toBe('Mock reply to: helper stream');
      expect(textOf(final)).toBe('Mock reply to: helper stream');
      expect(final.id).toMatch(/^resp_/);

      const events = await client.responses.create({ model: 'gpt-4o-mini', input: 'iterated stream', stream: true });
      let completed: OpenAI.Responses.Response | undefined;
      let text = '';
      for await (const event of events) {
        if (event.type === 'response.output_text.delta') text += event.delta;
        if (event.type === 'response.completed') completed = event.response;
      }
      expect(text).toBe('Mock reply to: iterated stream');
      expect(completed?.usage?.total_tokens).toBeGreaterThan(0);
      // Stored before the final event was sent: retrievable at once.
      expect((await client.responses.retrieve(completed!.id)).output_text).toBe(text);
    });

    it('should retrieve, list the input items of, and delete a stored response', async () => {
      const created = await client.responses.create({
        model: 'gpt-4o-mini',
        input: [
          { role: 'user', content: 'keep me' },
          { role: 'user', content: [{ type: 'input_text', text: 'and me' }] },
        ],
      });
      const retrieved = await client.responses.retrieve(created.id);
      expect(retrieved).toEqual(created);

      const items = [];
      for await (const item of client.responses.inputItems.list(created.id, { order: 'asc' })) items.push(item);
      expect(items).toHaveLength(2);
      expect(items[0]).toMatchObject({ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'keep me' }], id: expect.stringMatching(/^msg_/) });
      expect(items[1]).toMatchObject({ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'and me' }] });
      const firstPage = await client.responses.inputItems.list(created.id, { limit: 1 });
      expect(firstPage.data.map((item) => item.id)).toEqual([items[1].id]);
      expect(firstPage.has_more).toBe(true);

      const deleted = await client.responses.delete(created.id).withResponse();
      expect(deleted.response.status).toBe(200);
      const gone = (await client.responses.retrieve(created.id).catch((e: unknown) => e)) as APIError;
      expect(gone).toBeInstanceOf(OpenAI.NotFoundError);
      expect(gone.error).toMatchObject({ type: 'invalid_request_error', code: '404' });
      expect(((await client.responses.delete(created.id).catch((e: unknown) => e)) as APIError).status).toBe(404);

      const rows = await spendRows([deleted.response.headers.get('x-litellm-call-id') as string]);
      expect(rows).toEqual([expect.objectContaining({ call_type: 'adelete_responses', status: 'success', custom_llm_provider: 'tollgate' })]);
    });

    it('should continue with previous_response_id: the stored turns go upstream, the answer names its predecessor', async () => {
      const first = await client.responses.create({ model: 'gpt-4o-mini', input: 'My name is Ada.', instructions: 'Only for the first turn.' });
      const second = await client.responses.create({ model: 'gpt-4o-mini', input: 'What is my name?', previous_response_id: first.id });
      expect(second.previous_response_id).toBe(first.id);
      const sent = await lastUpstream();
      expect(sent.body?.previous_response_id).toBeUndefined();
      expect(sent.body?.instructions).toBeUndefined();
      expect(sent.body?.input).toEqual([{ type: 'message', role: 'user', content: 'My name is Ada.' }, first.output[0], { role: 'user', content: 'What is my name?' }]);

      // Streamed, three turns deep.
      const stream = client.responses.stream({ model: 'gpt-4o-mini', input: 'And again?', previous_response_id: second.id });
      const third = await stream.finalResponse();
      expect(third.previous_response_id).toBe(second.id);
      expect(((await lastUpstream()).body?.input as unknown[]).length).toBe(5);
      expect((await client.responses.retrieve(third.id)).previous_response_id).toBe(second.id);
    });

    it('should not store a response created with store: false', async () => {
      const created = await client.responses.create({ model: 'gpt-4o-mini', input: 'forget me', store: false });
      expect((created as unknown as { store: boolean }).store).toBe(false);
      expect(((await client.responses.retrieve(created.id).catch((e: unknown) => e)) as APIError).status).toBe(404);
      const error = (await client.responses.create({ model: 'gpt-4o-mini', input: 'x', previous_response_id: created.id }).catch((e: unknown) => e)) as APIError;
      expect(error.status).toBe(404);
      expect(error.error).toMatchObject({ param: 'previous_response_id' });
    });

    it('should let a key see and continue only its own responses', async () => {
      const alice = clientFor(await generate({ key_alias: 'alice' }));
      const bob = clientFor(await generate({ key_alias: 'bob' }));
      const mine = await alice.responses.create({ model: 'gpt-4o-mini', input: 'secret of alice' });
      expect((await alice.responses.retrieve(mine.id)).id).toBe(mine.id);

      for (const attempt of [
        () => bob.responses.retrieve(mine.id),
        () => bob.responses.inputItems.list(mine.id),
        () => bob.responses.delete(mine.id),
        () => bob.responses.create({ model: 'gpt-4o-mini', input: 'continue', previous_response_id: mine.id }),
        () => client.responses.retrieve(mine.id),
      ]) {
        const error = (await attempt().catch((e: unknown) => e)) as APIError;
        expect(error.status).toBe(404);
        expect(JSON.stringify(error.error)).not.toContain('secret of alice');
      }
      const referenced = (await bob.responses.create({ model: 'gpt-4o-mini', input: [{ type: 'item_reference', id: mine.output[0].id! }] }).catch((e: unknown) => e)) as APIError;
      expect(referenced.status).toBe(400);
      // Still there for its owner.
      expect((await alice.responses.retrieve(mine.id)).output_text).toContain('secret of alice');
    });

    it('should call function tools and continue with the tool’s output', async () => {
      const first = await client.responses.create({ model: 'gpt-4o-mini', input: 'Weather in Paris?', tools: [WEATHER_TOOL] });
      const call = first.output.find((item) => item.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;
      expect(call).toMatchObject({ name: 'get_weather', arguments: JSON.stringify({ input: 'Weather in Paris?' }) });
      const second = await client.responses.create({
        model: 'gpt-4o-mini',
        previous_response_id: first.id,
        input: [{ type: 'function_call_output', call_id: call.call_id, output: 'sunny, 21°C' }],
        tools: [WEATHER_TOOL],
      });
      expect(second.output_text).toBe('The tool said: sunny, 21°C');

      // Streamed: function_call items with argument deltas.
      const types: string[] = [];
      let args = '';
      for await (const event of await client.responses.create({ model: 'gpt-4o-mini', input: 'Weather in Rome?', tools: [WEATHER_TOOL], stream: true })) {
        types.push(event.type);
        if (event.type === 'response.function_call_arguments.delta') args += event.delta;
      }
      expect(types).toEqual(
        expect.arrayContaining(['response.output_item.added', 'response.function_call_arguments.delta', 'response.function_call_arguments.done', 'response.completed']),
      );
      expect(JSON.parse(args)).toEqual({ input: 'Weather in Rome?' });
    });

    it('should pass structured output, reasoning and built-in tools through to the upstream as they are', async () => {
      const schema = { type: 'object', properties: { city: { type: 'string' }, celsius: { type: 'number' } }, required: ['city', 'celsius'], additionalProperties: false };
      const structured = await client.responses.create({
        model: 'gpt-4o-mini',
        input: 'Weather as JSON',
        text: { format: { type: 'json_schema', name: 'weather', schema, strict: true } },
        reasoning: { effort: 'low' },
        tools: [{ type: 'web_search_preview' }],
      });
      expect(JSON.parse(structured.output_text)).toEqual({ city: 'mock', celsius: 1 });
      expect(structured.usage?.output_tokens_details.reasoning_tokens).toBe(4);
      const sent = await lastUpstream();
      expect(sent.body?.text).toEqual({ format: { type: 'json_schema', name: 'weather', schema, strict: true } });
      expect(sent.body?.reasoning).toEqual({ effort: 'low' });
      expect(sent.body?.tools).toEqual([{ type: 'web_search_preview' }]);
    });

    it('should serve AzureOpenAI clients through /openai/responses on the resource’s Responses endpoint', async () => {
      const azure = new AzureOpenAI({ apiKey: MASTER_KEY, endpoint: gateway.url, apiVersion: '2025-04-01-preview', maxRetries: 0 });
      const data = await azure.responses.create({ model: 'azure-gpt', input: 'hi azure' });
      expect(data.output_text).toBe('Mock reply to: hi azure');
      const sent = await lastUpstream();
      // The deployment's 2024-10-21 predates the Responses API: the first version that has it is used.
      expect(sent.path).toBe('/openai/responses?api-version=2025-04-01-preview');
      expect(sent.headers['api-key']).toBe(UPSTREAM_KEY);
      expect(sent.body?.model).toBe('my-azure-deployment');
      expect((await azure.responses.retrieve(data.id)).id).toBe(data.id);
    });
  });

  describe('translated (Anthropic and the built-in mock provider through chat completions)', () => {
    it('should answer a Responses request from a chat-only provider, JSON and streamed', async () => {
      const data = await client.responses.create({ model: 'claude', input: 'Hello Claude', instructions: 'Be brief.', max_output_tokens: 200 });
      expect(data.output_text).toBe('Claude echo: Hello Claude (system: Be brief.)');
      expect(data.model).toBe('claude');
      expect(data.usage?.input_tokens).toBeGreaterThan(0);
      const [sent] = anthropic.requests;
      expect(sent.body).toMatchObject({
        system: [{ type: 'text', text: 'Be brief.' }],
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello Claude' }] }],
        max_tokens: 200,
      });

      const stream = client.responses.stream({ model: 'claude', input: 'Stream to me', max_output_tokens: 100 });
      const deltas: string[] = [];
      stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
      const final = await stream.finalResponse();
      expect(deltas.length).toBeGreaterThan(1);
      expect(deltas.join('')).toBe('Claude echo: Stream to me');
      expect(textOf(final)).toBe('Claude echo: Stream to me');
      expect(final.usage?.output_tokens).toBeGreaterThan(0);
      const rows = await spendRows([data.id, final.id]);
      expect(rows.map((row) => [row.call_type, row.status, row.custom_llm_provider])).toEqual([
        ['aresponses', 'success', 'anthropic'],
        ['aresponses', 'success', 'anthropic'],
      ]);
    });

    it('should translate function calls both ways and keep the conversation across turns', async () => {
      const first = await client.responses.create({ model: 'claude', input: 'Weather in Oslo?', tools: [WEATHER_TOOL], max_output_tokens: 100 });
      const call = first.output.find((item) => item.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall;
      expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', call_id: expect.stringMatching(/^toolu_mock/) });
      expect(JSON.parse(call.arguments)).toEqual({ input: 'Weather in Oslo?' });
      expect(first.output_text).toBe('Let me check.');

      const second = await client.responses.create({
        model: 'claude',
        previous_response_id: first.id,
        input: [{ type: 'function_call_output', call_id: call.call_id, output: 'snow' }],
        tools: [WEATHER_TOOL],
        max_output_tokens: 100,
      });
      expect(second.output_text).toBe('The tool said: snow');
      const sent = anthropic.requests.at(-1)!;
      expect((sent.body?.messages as { role: string }[]).map((message) => message.role)).toEqual(['user', 'assistant', 'user']);

      const streamed = client.responses.stream({ model: 'claude', input: 'Weather in Lima?', tools: [WEATHER_TOOL], max_output_tokens: 100 });
      const final = await streamed.finalResponse();
      expect(final.output.map((item) => item.type)).toEqual(['message', 'function_call']);
      expect(JSON.parse((final.output[1] as OpenAI.Responses.ResponseFunctionToolCall).arguments)).toEqual({ input: 'Weather in Lima?' });
    });

    it('should ask for structured output as chat’s response_format, and answer from the built-in mock provider', async () => {
      const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
      const structured = await client.responses.create({
        model: 'claude',
        input: 'Paris',
        text: { format: { type: 'json_schema', name: 'city', schema } },
        max_output_tokens: 100,
      });
      const sent = anthropic.requests.at(-1)!;
      expect(sent.body?.tool_choice).toMatchObject({ type: 'tool' });
      expect(JSON.parse(structured.output_text)).toEqual({ input: 'Paris' });

      const demo = await client.responses.stream({ model: 'demo', input: 'ping the mock' }).finalResponse();
      expect(textOf(demo)).toContain('You said: ping the mock');
      expect((await upstream.stats()).requests).toBe(0);
    });

    it('should refuse built-in tools and OpenAI-only items clearly, naming what serves the model', async () => {
      const error = (await client.responses.create({ model: 'claude', input: 'search the web', tools: [{ type: 'web_search_preview' }] }).catch((e: unknown) => e)) as APIError;
      expect(error.status).toBe(400);
      expect(error.message).toContain("Tool type 'web_search_preview' is a built-in tool of OpenAI's Responses API and needs an OpenAI or Azure OpenAI deployment");
      expect(error.message).toContain('model=claude is served by anthropic through chat completions');
      expect(anthropic.requests).toHaveLength(0);
      const item = (await client.responses
        .create({ model: 'demo', input: [{ type: 'computer_call_output', call_id: 'c1', output: { type: 'computer_screenshot', image_url: 'data:,' } } as never] })
        .catch((e: unknown) => e)) as APIError;
      expect(item.status).toBe(400);
      expect(item.message).toContain("Input items of type 'computer_call_output' need an OpenAI or Azure OpenAI deployment");
    });

    it('should continue a conversation started natively on a translated model (stored turns become chat messages)', async () => {
      const first = await client.responses.create({ model: 'gpt-4o-mini', input: 'Remember: blue.' });
      const second = await client.responses.create({ model: 'claude', input: 'Which colour?', previous_response_id: first.id, max_output_tokens: 50 });
      expect(second.output_text).toBe('Claude echo: Which colour?');
      const sent = anthropic.requests.at(-1)!;
      expect(sent.body?.messages).toEqual([
        { role: 'user', content: [{ type: 'text', text: 'Remember: blue.' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Mock reply to: Remember: blue.' }] },
        { role: 'user', content: [{ type: 'text', text: 'Which colour?' }] },
      ]);
    });
  });

  describe('governance, as on chat', () => {
    it('should refuse over budget (400 budget_exceeded) and over rpm (429), natively and translated', async () => {
      const broke = clientFor(await generate({ max_budget: 0 }));
      for (const model of ['gpt-4o-mini', 'claude']) {
        const error = (await broke.responses.create({ model, input: 'x' }).catch((e: unknown) => e)) as APIError;
        expect(error.status).toBe(400);
        expect(error.error).toMatchObject({ type: 'budget_exceeded', code: '400' });
        expect(error.message).toContain('Budget has been exceeded!');
      }
      const limited = clientFor(await generate({ rpm_limit: 1 }));
      expect((await limited.responses.create({ model: 'demo', input: 'one' })).status).toBe('completed');
      const error = (await limited.responses.create({ model: 'demo', input: 'two' }).catch((e: unknown) => e)) as APIError;
      expect(error.status).toBe(429);
      expect(error.headers?.get('retry-after')).toBeTruthy();
      const streamed = (await limited.responses.create({ model: 'demo', input: 'three', stream: true }).catch((e: unknown) => e)) as APIError;
      expect(streamed.status).toBe(429);
    });

    it('should run guardrails on the instructions and the input, before any upstream call', async () => {
      for (const body of [
        { model: 'gpt-4o-mini', input: `please say ${BANNED}` },
        { model: 'gpt-4o-mini', input: [{ role: 'user', content: [{ type: 'input_text', text: `a ${BANNED} b` }] }] },
        { model: 'claude', input: 'hi', instructions: `mention ${BANNED}` },
        { model: 'gpt-4o-mini', input: [{ type: 'function_call_output', call_id: 'c', output: BANNED }] },
      ] as OpenAI.Responses.ResponseCreateParamsNonStreaming[]) {
        const error = (await client.responses.create(body).catch((e: unknown) => e)) as APIError;
        expect(error.status).toBe(400);
        expect(error.message).toContain('Keyword banned');
      }
      expect((await upstream.stats()).requests).toBe(0);
      expect(anthropic.requests).toHaveLength(0);
    });

    it('should charge a key for its responses, reads included as zero-cost rows, and keep its counters equal to its rows', async () => {
      const key = await generate({ max_budget: 10 });
      const keyed = clientFor(key);
      const created = await keyed.responses.create({ model: 'gpt-4o-mini', input: 'count me' });
      const streamed = await keyed.responses.stream({ model: 'claude', input: 'count me too', max_output_tokens: 50 }).finalResponse();
      const read = await keyed.responses.retrieve(created.id).withResponse();
      const listed = await keyed.responses.inputItems.list(created.id).withResponse();
      const ids = [created.id, streamed.id, read.response.headers.get('x-litellm-call-id') as string, listed.response.headers.get('x-litellm-call-id') as string];
      const rows = await spendRows(ids);
      expect(rows.map((row) => row.call_type).sort()).toEqual(['aget_responses', 'alist_input_items', 'aresponses', 'aresponses']);
      const total = rows.reduce((sum, row) => sum + row.spend, 0);
      expect(rows.filter((row) => row.call_type !== 'aresponses').every((row) => row.spend === 0)).toBe(true);
      const info = (await api.get<{ info: { spend: number } }>(`/key/info?key=${key}`)).body.info;
      expect(info.spend).toBeCloseTo(total, 12);
    });
  });

  describe('bad input and retention', () => {
    it('should answer bad bodies with 400s naming the field', async () => {
      const post = async (body: unknown): Promise<{ status: number; param: string | null }> => {
        const response = await fetch(`${gateway.url}/v1/responses`, {
          method: 'POST',
          headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return { status: response.status, param: ((await response.json()) as { error: { param: string | null } }).error.param };
      };
      expect(await post({ input: 'x' })).toEqual({ status: 400, param: 'model' });
      expect(await post({ model: 'demo' })).toEqual({ status: 400, param: 'input' });
      expect(await post({ model: 'demo', input: 42 })).toEqual({ status: 400, param: 'input' });
      expect(await post({ model: 'demo', input: ['x'] })).toEqual({ status: 400, param: 'input[0]' });
      expect(await post({ model: 'demo', input: 'x', stream: 'yes' })).toEqual({ status: 400, param: 'stream' });
      expect(await post({ model: 'demo', input: 'x', background: true })).toEqual({ status: 400, param: 'background' });
      expect(await post({ model: 'demo', input: [{ type: 'item_reference', id: 'msg_nowhere' }] })).toEqual({ status: 400, param: 'input' });
      expect(await post({ model: 'demo', input: 'x', previous_response_id: 'resp_nowhere' })).toEqual({ status: 404, param: 'previous_response_id' });
      expect(await post({ model: 'nope', input: 'x' })).toMatchObject({ status: 400 });
      // A request never chooses where Tollgate connects (client-side credentials are off by default).
      expect(await post({ model: 'gpt-4o-mini', input: 'x', api_base: 'http://127.0.0.1:9/v1', api_key: 'sk-client' })).toMatchObject({ status: 400 });
      expect((await upstream.stats()).requests).toBe(0);
    });

    it('should hide and then delete responses older than the retention period', async () => {
      const created = await client.responses.create({ model: 'demo', input: 'short-lived' });
      const db = gateway.app.get(DataSource);
      await db.query(`UPDATE tollgate_responses SET expires_at = now() - interval '1 second' WHERE id = $1`, [created.id]);
      expect(((await client.responses.retrieve(created.id).catch((e: unknown) => e)) as APIError).status).toBe(404);
      expect(await gateway.app.get(ResponsesRetentionService).runOnce()).toBeGreaterThanOrEqual(1);
      expect(await db.query('SELECT id FROM tollgate_responses WHERE id = $1', [created.id])).toEqual([]);
      const [{ days }] = (await db.query(`SELECT round(extract(epoch FROM expires_at - created_at) / 86400) AS days FROM tollgate_responses ORDER BY created_at DESC LIMIT 1`)) as {
        days: string;
      }[];
      expect(Number(days)).toBe(30);
    });
  });
});
