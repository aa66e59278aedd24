import { chatRequestFromMessages, MessagesEventsFromChunks, messageFromChatCompletion } from './messages-via-chat';
import { bedrockBetas, messagesUpstreamBody, usageFromMessages, withSystemTurnsFolded } from './anthropic-messages';

describe(chatRequestFromMessages.name, () => {
  it('should translate system, turns, images, documents, tool calls and results, tools and choices to chat', () => {
    const chat = chatRequestFromMessages({
      model: 'm',
      max_tokens: 100,
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      stop_sequences: ['END'],
      metadata: { user_id: 'u1' },
      stream: true,
      tools: [
        { name: 'lookup', description: 'Look up', input_schema: { type: 'object' } },
        { type: 'web_search_20250305', name: 'web_search' },
      ],
      tool_choice: { type: 'tool', name: 'lookup', disable_parallel_tool_use: true },
      thinking: { type: 'enabled', budget_tokens: 1000 },
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Look' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAA' } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'hmm', signature: 's' },
            { type: 'text', text: 'Calling.' },
            { type: 'tool_use', id: 't1', name: 'lookup', input: { q: 'x' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'and?' },
            { type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'found' }] },
            { type: 'tool_result', tool_use_id: 't2', content: 'bad', is_error: true },
          ],
        },
        { role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'PDF' }, title: 'a.pdf' }] },
      ],
    });
    expect(chat).toEqual({
      model: 'm',
      max_tokens: 100,
      stop: ['END'],
      user: 'u1',
      stream: true,
      tools: [{ type: 'function', function: { name: 'lookup', description: 'Look up', parameters: { type: 'object' } } }],
      tool_choice: { type: 'function', function: { name: 'lookup' } },
      parallel_tool_calls: false,
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Look' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAA' } },
          ],
        },
        { role: 'assistant', content: 'Calling.', tool_calls: [{ id: 't1', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } }] },
        { role: 'tool', tool_call_id: 't1', content: 'found' },
        { role: 'tool', tool_call_id: 't2', content: 'Error: bad' },
        { role: 'user', content: 'and?' },
        { role: 'user', content: [{ type: 'file', file: { file_data: 'data:application/pdf;base64,PDF', filename: 'a.pdf' } }] },
      ],
    });
  });
});

describe(messageFromChatCompletion.name, () => {
  it('should translate a chat completion with reasoning and tool calls, cached tokens out of input_tokens', () => {
    const message = messageFromChatCompletion({
      id: 'chatcmpl-1',
      object: 'chat.completion',
      model: 'gpt',
      choices: [
        {
          index: 0,
          finish_reason: 'tool_calls',
          message: { role: 'assistant', content: null, reasoning_content: 'think', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
        },
      ],
      usage: { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110, prompt_tokens_details: { cached_tokens: 60 } },
    });
    expect(message).toEqual({
      id: 'chatcmpl-1',
      type: 'message',
      role: 'assistant',
      model: 'gpt',
      content: [
        { type: 'thinking', thinking: 'think', signature: '' },
        { type: 'tool_use', id: 'c1', name: 'f', input: { a: 1 } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 40, output_tokens: 10, cache_read_input_tokens: 60, cache_creation_input_tokens: 0 },
    });
  });
});

describe(MessagesEventsFromChunks.name, () => {
  it('should turn chat chunks into Anthropic events: one block per run of text or tool call, usage at the end', () => {
    const translator = new MessagesEventsFromChunks('gpt');
    const chunk = (delta: object, finish: string | null = null) => ({ id: 'c', model: 'gpt', choices: [{ index: 0, delta, finish_reason: finish }] });
    const events = [
      ...translator.next(chunk({ role: 'assistant', content: 'Hi' })),
      ...translator.next(chunk({ content: ' there' })),
      ...translator.next(chunk({ tool_calls: [{ index: 0, id: 'call_1', function: { name: 'f', arguments: '{"a"' } }] })),
      ...translator.next(chunk({ tool_calls: [{ index: 0, function: { arguments: ':1}' } }] })),
      ...translator.next(chunk({}, 'tool_calls')),
      ...translator.next({ id: 'c', choices: [], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } }),
      ...translator.end(),
    ] as { type: string; index?: number; delta?: Record<string, unknown>; content_block?: Record<string, unknown>; usage?: object }[];
    expect(events.map((event) => event.type)).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[6]).toEqual({ type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'call_1', name: 'f', input: {} } });
    expect(events[8]).toEqual({ type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: ':1}' } });
    expect(events[10]).toEqual({
      type: 'message_delta',
      delta: { stop_reason: 'tool_use', stop_sequence: null },
      usage: { input_tokens: 9, output_tokens: 4, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    });
  });
});

describe('native Messages bodies', () => {
  it('should strip what only Tollgate reads and keep Anthropic’s fields as they came', () => {
    const body = messagesUpstreamBody(
      {
        model: 'm',
        messages: [],
        tags: ['t'],
        litellm_metadata: {},
        user: 'u',
        fallbacks: ['x'],
        metadata: { user_id: 'u1', tags: ['a'] },
        thinking: { type: 'adaptive' },
        stream: false,
      },
      true,
    );
    expect(body).toEqual({ model: 'm', messages: [], metadata: { user_id: 'u1' }, thinking: { type: 'adaptive' }, max_tokens: 4096, stream: true });
  });

  it('should keep only the betas Bedrock takes, under Bedrock’s names', () => {
    expect(bedrockBetas(['claude-code-20250219', 'interleaved-thinking-2025-05-14', 'advanced-tool-use-2025-11-20', 'effort-2025-11-24'])).toEqual([
      'interleaved-thinking-2025-05-14',
      'tool-search-tool-2025-10-19',
    ]);
  });

  it('should fold system turns into the system prompt for a provider without the beta', () => {
    expect(
      withSystemTurnsFolded({
        system: 'A',
        messages: [
          { role: 'user', content: 'x' },
          { role: 'system', content: 'B' },
        ],
      }),
    ).toEqual({
      system: [
        { type: 'text', text: 'A' },
        { type: 'text', text: 'B' },
      ],
      messages: [{ role: 'user', content: 'x' }],
    });
  });

  it('should count cache reads and writes as prompt tokens', () => {
    expect(usageFromMessages({ input_tokens: 10, output_tokens: 2, cache_read_input_tokens: 30, cache_creation_input_tokens: 5 })).toMatchObject({
      prompt_tokens: 45,
      completion_tokens: 2,
      total_tokens: 47,
      prompt_tokens_details: { cached_tokens: 30 },
      cache_creation_input_tokens: 5,
    });
  });
});
