import type OpenAI from 'openai';
import type { APIError } from 'openai';
import { startGateway } from './support/gateway-harness';
import { COHERE_TEST_KEY, cohereMock } from './support/mock-providers/cohere.mock';
import { useProviderGateway } from './support/provider-gateway';

const MASTER_KEY = 'sk-e2e-master';

const TOOL: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: { name: 'find_invoice', description: 'Finds an invoice', parameters: { type: 'object', properties: { input: { type: 'string' } } } },
};

describe('Cohere adapter (e2e, openai SDK → gateway → Cohere v2-speaking mock)', () => {
  const env = useProviderGateway([cohereMock], MASTER_KEY, async (mock) => {
    const entry = (name: string, model: string, info = ''): string =>
      `  - model_name: ${name}\n    litellm_params: { model: ${model}, api_base: ${mock.url}, api_key: os.environ/E2E_COHERE_KEY }\n${info}`;
    const yaml = `general_settings:\n  master_key: ${MASTER_KEY}\nmodel_list:\n${entry('command-r', 'cohere_chat/command-r')}${entry('command-too-long', 'cohere/command-too-long')}${entry('cohere-embed', 'cohere/embed-english-v3.0', '    model_info: { mode: embedding }\n')}`;
    return startGateway(yaml, { env: { E2E_COHERE_KEY: COHERE_TEST_KEY } });
  });

  it('should chat through /v2/chat with billed units as usage', async () => {
    const { data, response } = await env.client.chat.completions
      .create({
        model: 'command-r',
        messages: [
          { role: 'system', content: 'Formal.' },
          { role: 'user', content: 'Hello Cohere' },
        ],
        top_p: 0.5,
        max_tokens: 30,
      })
      .withResponse();
    expect(data.choices[0].message.content).toBe('Cohere echo: Hello Cohere');
    expect(data.usage?.prompt_tokens).not.toBe(999);
    expect(Number(response.headers.get('x-litellm-response-cost'))).toBeGreaterThan(0);
    const [sent] = env.mock.requests;
    expect(sent.path).toBe('/v2/chat');
    expect(sent.headers.authorization).toBe(`Bearer ${COHERE_TEST_KEY}`);
    expect(sent.body).toEqual({
      model: 'command-r',
      messages: [
        { role: 'system', content: 'Formal.' },
        { role: 'user', content: 'Hello Cohere' },
      ],
      stream: false,
      p: 0.5,
      max_tokens: 30,
    });
  });

  it('should stream v2 events to the openai client', async () => {
    const stream = await env.client.chat.completions.create({
      model: 'command-r',
      messages: [{ role: 'user', content: 'several streamed words here' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('')).toBe('Cohere echo: several streamed words here');
    expect(chunks[chunks.length - 1].usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('should round-trip a tool call, streamed and not', async () => {
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Invoice 7?' }];
    const first = await env.client.chat.completions.create({ model: 'command-r', messages, tools: [TOOL] });
    const call = first.choices[0].message.tool_calls?.[0];
    if (call?.type !== 'function') throw new Error('expected a function call');
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    expect(JSON.parse(call.function.arguments)).toEqual({ input: 'Invoice 7?' });
    messages.push(first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: 'paid' });
    const second = await env.client.chat.completions.create({ model: 'command-r', messages, tools: [TOOL] });
    expect(second.choices[0].message.content).toBe('Cohere saw the tool result: paid');

    const streamed = await env.client.chat.completions.stream({ model: 'command-r', messages: [{ role: 'user', content: 'Invoice 8?' }], tools: [TOOL] }).finalChatCompletion();
    const streamedCall = streamed.choices[0].message.tool_calls?.[0];
    if (streamedCall?.type !== 'function') throw new Error('expected a function call');
    expect(JSON.parse(streamedCall.function.arguments)).toEqual({ input: 'Invoice 8?' });
    expect(streamed.choices[0].finish_reason).toBe('tool_calls');
  });

  it('should embed through /v2/embed with an input type', async () => {
    const data = await env.client.embeddings.create({ model: 'cohere-embed', input: ['doc one', 'doc two!'] });
    expect(data.data).toHaveLength(2);
    expect(data.usage.prompt_tokens).toBe(4);
    expect(env.mock.requests[0].body?.input_type).toBe('search_document');
  });

  it('should map a prompt over the limit to ContextWindowExceededError', async () => {
    const error = (await env.client.chat.completions.create({ model: 'command-too-long', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as APIError;
    expect(error.status).toBe(400);
    expect(error.message).toContain('litellm.ContextWindowExceededError: CohereException - too many');
  });
});
