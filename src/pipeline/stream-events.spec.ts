import { completionTextOf, relayEvent, type StreamOutcome, withCompletionText } from './stream-events';

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
