import { ANTHROPIC_EVENTS, completionTextOf, messagesEventType, relayEvent, type StreamOutcome, withCompletionText } from './stream-events';

const ID = 'chatcmpl-tollgate-1';
const outcome = (): StreamOutcome => ({ usage: null, unparsed: [] });

describe(relayEvent.name, () => {
  it('should rewrite the id of an ordinary chunk without changing anything else', () => {
    const data = '{"id":"chatcmpl-up","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"hi \\"usage\\""}}]}';
    const sent = relayEvent(data, ID, false, outcome()) as string;
    expect(JSON.parse(sent)).toEqual({ ...JSON.parse(data), id: ID });
  });

  it('should drop "usage":null for clients that did not ask for usage and keep it for those that did', () => {
    const data = '{"id":"x","object":"chat.completion.chunk","choices":[],"usage":null}';
    expect(JSON.parse(relayEvent(data, ID, false, outcome()) as string)).toEqual({ id: ID, object: 'chat.completion.chunk', choices: [] });
    expect(JSON.parse(relayEvent(data, ID, true, outcome()) as string)).toEqual({ id: ID, object: 'chat.completion.chunk', choices: [], usage: null });
  });

  it('should capture usage and send the usage-only chunk only when asked', () => {
    const data = '{"id":"x","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}';
    const quiet = outcome();
    expect(relayEvent(data, ID, false, quiet)).toBeUndefined();
    expect(quiet.usage).toEqual({ prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 });
    expect(JSON.parse(relayEvent(data, ID, true, outcome()) as string).usage.total_tokens).toBe(7);
  });

  it('should parse chunks whose id is not first and still rewrite it', () => {
    const sent = relayEvent('{"object":"chat.completion.chunk","id":"x","choices":[]}', ID, false, outcome()) as string;
    expect(JSON.parse(sent).id).toBe(ID);
  });

  it('should keep events until usage arrives, so a usage-less stream can be counted', () => {
    const state = outcome();
    relayEvent('{"id":"x","choices":[{"delta":{"content":"Hello"}}]}', ID, false, state);
    relayEvent('{"id":"x","choices":[{"delta":{"content":" world"}}]}', ID, false, state);
    expect(completionTextOf(state.unparsed)).toBe('Hello world');
    relayEvent('{"id":"x","choices":[],"usage":{"total_tokens":2}}', ID, false, state);
    expect(state.unparsed).toEqual([]);
  });
});

describe(withCompletionText.name, () => {
  it('should replace the text of a chat chunk and of a completion chunk, and leave other chunks alone', () => {
    const chat = '{"id":"c","choices":[{"index":0,"delta":{"role":"assistant","content":"<PERSON_1>"},"finish_reason":null}]}';
    expect(JSON.parse(withCompletionText(chat, 'Jane Doe')).choices[0].delta).toEqual({ role: 'assistant', content: 'Jane Doe' });
    const completion = '{"id":"c","choices":[{"index":0,"text":"<EMAIL>","finish_reason":null}]}';
    expect(JSON.parse(withCompletionText(completion, 'a@b.c')).choices[0].text).toBe('a@b.c');
    expect(withCompletionText('{"id":"c","choices":[]}', 'x')).toBe('{"id":"c","choices":[]}');
  });
});

describe('ANTHROPIC_EVENTS', () => {
  const MSG_ID = 'msg_tollgate-1';

  it('should rewrite the message id, keep the provider’s, and take the prompt’s usage with its cache figures from message_start', () => {
    const state = outcome();
    const start =
      '{"type":"message_start","message":{"id":"msg_up","type":"message","role":"assistant","content":[],"usage":{"input_tokens":10,"cache_read_input_tokens":20,"cache_creation_input_tokens":5,"output_tokens":1}}}';
    const sent = JSON.parse(ANTHROPIC_EVENTS.relay(start, MSG_ID, false, state) as string) as { message: { id: string } };
    expect(sent.message.id).toBe(MSG_ID);
    expect(state.providerResponseId).toBe('msg_up');
    expect(state.promptUsage).toMatchObject({ prompt_tokens: 35, completion_tokens: 0, prompt_tokens_details: { cached_tokens: 20 }, cache_creation_input_tokens: 5 });
    expect(state.usage).toBeNull();
  });

  it('should pass text deltas as they are, keep them until usage arrives, and read their text', () => {
    const state = outcome();
    const delta = '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}';
    expect(ANTHROPIC_EVENTS.relay(delta, MSG_ID, false, state)).toBe(delta);
    ANTHROPIC_EVENTS.relay('{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"a\\""}}', MSG_ID, false, state);
    expect(ANTHROPIC_EVENTS.textOf(state.unparsed)).toBe('Hello');
  });

  it('should complete the usage from message_delta, keeping the start’s cache figures when the delta leaves them out', () => {
    const state = outcome();
    ANTHROPIC_EVENTS.relay(
      '{"type":"message_start","message":{"id":"m","usage":{"input_tokens":10,"cache_read_input_tokens":20,"cache_creation_input_tokens":5,"output_tokens":1}}}',
      MSG_ID,
      false,
      state,
    );
    ANTHROPIC_EVENTS.relay('{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}}', MSG_ID, false, state);
    ANTHROPIC_EVENTS.relay('{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":42}}', MSG_ID, false, state);
    expect(state.usage).toMatchObject({ prompt_tokens: 35, completion_tokens: 42, total_tokens: 77, prompt_tokens_details: { cached_tokens: 20 }, cache_creation_input_tokens: 5 });
    expect(state.unparsed).toEqual([]);
    // A delta with the whole usage (newer streams, translated ones) wins.
    const translated = outcome();
    ANTHROPIC_EVENTS.relay(
      '{"type":"message_delta","delta":{},"usage":{"input_tokens":7,"output_tokens":3,"cache_read_input_tokens":0,"cache_creation_input_tokens":0}}',
      MSG_ID,
      false,
      translated,
    );
    expect(translated.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 3 });
  });

  it('should name each event for its SSE event: line, with the type first', () => {
    expect(messagesEventType('{"type":"ping"}')).toBe('ping');
    expect(messagesEventType('{"index":0,"type":"content_block_stop"}')).toBe('content_block_stop');
    const relayed = ANTHROPIC_EVENTS.relay('{"index":0,"type":"content_block_stop"}', MSG_ID, false, outcome()) as string;
    expect(relayed.startsWith('{"type":"content_block_stop"')).toBe(true);
  });
});
