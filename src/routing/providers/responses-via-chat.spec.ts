import type { Deployment } from '../deployment';
import type { CompletionObject } from '../openai.types';
import {
  chatRequestFromResponses,
  EMPTY_RESPONSES_CONTEXT,
  nativeResponsesRequest,
  responseFromChat,
  ResponsesEventsFromChat,
  usageFromResponses,
  type ResponsesContext,
} from './responses-via-chat';

const deployment = (id: string, provider: Deployment['provider'] = 'anthropic'): Deployment =>
  ({ id, modelName: 'claude', provider, upstreamModel: 'claude-x', timeoutMs: 1000, streamTimeoutMs: 1000, mode: 'chat', params: {} }) as unknown as Deployment;
const CLAUDE = deployment('d-claude');
const GPT = deployment('d-gpt', 'openai');

const history: ResponsesContext = {
  history: [
    {
      deploymentId: 'd-gpt',
      input: [{ type: 'message', role: 'user', content: 'first' }],
      output: [
        { id: 'rs_1', type: 'reasoning', summary: [] },
        { id: 'rs_2', type: 'reasoning', summary: [], encrypted_content: 'enc' },
        { id: 'msg_1', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'hello', annotations: [] }] },
        { id: 'ws_1', type: 'web_search_call', status: 'completed' },
      ],
    },
  ],
  references: new Map(),
};

describe(chatRequestFromResponses.name, () => {
  it('should turn instructions, stored turns and items into chat messages, merging function calls into one assistant turn', () => {
    const chat = chatRequestFromResponses(
      {
        model: 'claude',
        instructions: 'Be brief.',
        input: [
          { role: 'developer', content: 'dev note' },
          {
            type: 'message',
            role: 'user',
            content: [
              { type: 'input_text', text: 'look' },
              { type: 'input_image', image_url: 'https://x/y.png', detail: 'high' },
            ],
          },
          { type: 'reasoning', id: 'rs_9', summary: [] },
          { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{"a":1}' },
          { type: 'function_call', call_id: 'c2', name: 'g', arguments: '{}' },
          { type: 'function_call_output', call_id: 'c1', output: 'one' },
          { type: 'function_call_output', call_id: 'c2', output: [{ type: 'input_text', text: 'two' }] },
        ],
      },
      history,
      CLAUDE,
      false,
    );
    expect(chat.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'hello' },
      { role: 'system', content: 'dev note' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'look' },
          { type: 'image_url', image_url: { url: 'https://x/y.png', detail: 'high' } },
        ],
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
          { id: 'c2', type: 'function', function: { name: 'g', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'one' },
      { role: 'tool', tool_call_id: 'c2', content: 'two' },
    ]);
  });

  it('should map function tools, tool_choice, text.format, max_output_tokens, reasoning effort and streaming', () => {
    const chat = chatRequestFromResponses(
      {
        model: 'claude',
        input: 'hi',
        tools: [{ type: 'function', name: 'f', description: 'd', parameters: { type: 'object' }, strict: true }],
        tool_choice: { type: 'function', name: 'f' },
        parallel_tool_calls: false,
        text: { format: { type: 'json_schema', name: 'out', schema: { type: 'object' }, strict: true } },
        max_output_tokens: 50,
        reasoning: { effort: 'low' },
        temperature: 0.2,
      },
      EMPTY_RESPONSES_CONTEXT,
      CLAUDE,
      true,
    );
    expect(chat).toEqual({
      model: 'claude',
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ type: 'function', function: { name: 'f', description: 'd', parameters: { type: 'object' }, strict: true } }],
      tool_choice: { type: 'function', function: { name: 'f' } },
      parallel_tool_calls: false,
      response_format: { type: 'json_schema', json_schema: { name: 'out', schema: { type: 'object' }, strict: true } },
      max_tokens: 50,
      reasoning_effort: 'low',
      temperature: 0.2,
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('should resolve item references and refuse built-in tools and OpenAI-only items, naming what serves the model', () => {
    const references = new Map([['msg_ref', { item: { type: 'message', role: 'assistant', content: 'earlier' }, deploymentId: null }]]);
    expect(chatRequestFromResponses({ model: 'claude', input: [{ type: 'item_reference', id: 'msg_ref' }] }, { history: [], references }, CLAUDE, false).messages).toEqual([
      { role: 'assistant', content: 'earlier' },
    ]);
    expect(() => chatRequestFromResponses({ model: 'claude', input: 'x', tools: [{ type: 'web_search' }] }, EMPTY_RESPONSES_CONTEXT, CLAUDE, false)).toThrow(
      "Tool type 'web_search' is a built-in tool of OpenAI's Responses API and needs an OpenAI or Azure OpenAI deployment; model=claude is served by anthropic through chat completions.",
    );
    expect(() => chatRequestFromResponses({ model: 'claude', input: [{ type: 'file_search_call', id: 'x' }] }, EMPTY_RESPONSES_CONTEXT, CLAUDE, false)).toThrow(
      "Input items of type 'file_search_call'",
    );
    expect(() => chatRequestFromResponses({ model: 'claude', input: [{ type: 'item_reference', id: 'nope' }] }, EMPTY_RESPONSES_CONTEXT, CLAUDE, false)).toThrow(
      "Item with id 'nope' not found.",
    );
  });
});

describe(nativeResponsesRequest.name, () => {
  it('should send the request untouched when it continues nothing', () => {
    const body = { model: 'gpt', input: 'hi', store: true };
    expect(nativeResponsesRequest(body, EMPTY_RESPONSES_CONTEXT, GPT)).toEqual(body);
  });

  it('should replay stored turns as they are on the deployment that produced them', () => {
    const request = nativeResponsesRequest({ model: 'gpt', input: 'next', previous_response_id: 'resp_1' }, history, GPT);
    expect(request.previous_response_id).toBeUndefined();
    expect(request.input).toEqual([...history.history[0].input, ...history.history[0].output, { role: 'user', content: 'next' }]);
  });

  it('should replay them elsewhere without foreign ids, keeping only reasoning that carries its encrypted content', () => {
    const request = nativeResponsesRequest({ model: 'gpt', input: [{ role: 'user', content: 'next' }] }, history, deployment('d-other', 'azure'));
    expect(request.input).toEqual([
      { type: 'message', role: 'user', content: 'first' },
      { type: 'reasoning', summary: [], encrypted_content: 'enc' },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'hello', annotations: [] }] },
      { role: 'user', content: 'next' },
    ]);
  });

  it('should keep an item reference for the deployment that owns the id and inline the item for any other', () => {
    const references = new Map([['msg_1', { item: { id: 'msg_1', type: 'message', role: 'assistant', content: [] }, deploymentId: 'd-gpt' }]]);
    const body = { model: 'gpt', input: [{ type: 'item_reference', id: 'msg_1' }] };
    expect(nativeResponsesRequest(body, { history: [], references }, GPT).input).toEqual([{ type: 'item_reference', id: 'msg_1' }]);
    expect(nativeResponsesRequest(body, { history: [], references }, deployment('d-other', 'openai')).input).toEqual([{ type: 'message', role: 'assistant', content: [] }]);
  });
});

describe(responseFromChat.name, () => {
  it('should render a chat reply with tool calls and a length stop as an incomplete Response with its usage', () => {
    const chat = {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1700000000,
      choices: [
        {
          message: { role: 'assistant', content: 'partial', reasoning_content: 'hmm', tool_calls: [{ id: 'call_1', function: { name: 'f', arguments: '{}' } }] },
          finish_reason: 'length',
        },
      ],
      usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, prompt_tokens_details: { cached_tokens: 4 } },
    } as CompletionObject;
    const response = responseFromChat(chat, { model: 'claude', instructions: 'x', previous_response_id: 'resp_0', store: false });
    expect(response).toMatchObject({
      id: 'chatcmpl-1',
      object: 'response',
      created_at: 1700000000,
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      model: 'claude',
      instructions: 'x',
      previous_response_id: 'resp_0',
      store: false,
      usage: { input_tokens: 10, input_tokens_details: { cached_tokens: 4 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 15 },
    });
    expect((response.output as { type: string }[]).map((item) => item.type)).toEqual(['reasoning', 'message', 'function_call']);
    expect(response.output).toContainEqual(expect.objectContaining({ type: 'function_call', call_id: 'call_1', name: 'f', arguments: '{}', status: 'completed' }));
  });
});

describe(ResponsesEventsFromChat.name, () => {
  async function events(chunks: object[]): Promise<Record<string, unknown>[]> {
    async function* source(): AsyncGenerator<string[]> {
      for (const chunk of chunks) yield [JSON.stringify(chunk)];
    }
    const out: Record<string, unknown>[] = [];
    for await (const batch of new ResponsesEventsFromChat({ model: 'claude' }).events(source())) for (const data of batch) out.push(JSON.parse(data) as Record<string, unknown>);
    return out;
  }
  const chunk = (delta: object, finish: string | null = null): object => ({
    id: 'up-1',
    object: 'chat.completion.chunk',
    created: 1,
    choices: [{ index: 0, delta, finish_reason: finish }],
  });

  it('should emit the Responses event sequence for reasoning, text and a tool call, ending with the whole response and usage', async () => {
    const seen = await events([
      chunk({ role: 'assistant', reasoning_content: 'think' }),
      chunk({ content: 'Hel' }),
      chunk({ content: 'lo' }),
      chunk({ tool_calls: [{ index: 0, id: 'call_1', function: { name: 'f', arguments: '{"a"' } }] }),
      chunk({ tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }),
      chunk({}, 'tool_calls'),
      { id: 'up-1', object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 } },
    ]);
    expect(seen.map((event) => event.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_summary_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(seen.map((event) => event.sequence_number)).toEqual(seen.map((_, i) => i));
    const done = seen.at(-1)!.response as { id: string; status: string; output: Record<string, unknown>[]; usage: unknown };
    expect(done.id).toBe('up-1');
    expect(done.status).toBe('completed');
    expect(done.output.map((item) => item.type)).toEqual(['reasoning', 'message', 'function_call']);
    expect(done.output[1]).toMatchObject({ status: 'completed', content: [{ type: 'output_text', text: 'Hello' }] });
    expect(done.output[2]).toMatchObject({ call_id: 'call_1', name: 'f', arguments: '{"a":1}', status: 'completed' });
    expect(usageFromResponses(done.usage)).toEqual({
      prompt_tokens: 3,
      completion_tokens: 4,
      total_tokens: 7,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
  });

  it('should still open and close the response when the provider streamed nothing', async () => {
    expect((await events([])).map((event) => event.type)).toEqual(['response.created', 'response.in_progress', 'response.completed']);
  });
});
