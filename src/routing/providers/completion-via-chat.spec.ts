import { chatRequestFromCompletion, textChunkFromChatChunk, textCompletionFromChat } from './completion-via-chat';

describe('text completions on chat-only providers', () => {
  it('should send the prompt as the user turn with the shared sampling fields only', () => {
    expect(chatRequestFromCompletion({ model: 'm', prompt: ['one', 'two'], max_tokens: 5, temperature: 0.1, echo: true })).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'one\ntwo' }],
      max_tokens: 5,
      temperature: 0.1,
    });
  });

  it('should answer as text_completion, and map stream chunks dropping role-only ones', () => {
    const answer = textCompletionFromChat({
      id: 'x',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [{ index: 0, message: { content: 'hi' }, finish_reason: 'stop' }],
      usage: null,
    });
    expect(answer).toEqual({ id: 'x', object: 'text_completion', created: 1, model: 'm', choices: [{ index: 0, text: 'hi', logprobs: null, finish_reason: 'stop' }], usage: null });
    expect(textChunkFromChatChunk('{"id":"x","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}')).toBeUndefined();
    expect(JSON.parse(textChunkFromChatChunk('{"id":"x","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"yo"},"finish_reason":null}]}') ?? '')).toEqual({
      id: 'x',
      object: 'text_completion',
      created: 1,
      model: 'm',
      choices: [{ index: 0, text: 'yo', logprobs: null, finish_reason: null }],
    });
    const usage = JSON.parse(textChunkFromChatChunk('{"id":"x","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}') ?? '');
    expect(usage.usage.total_tokens).toBe(2);
  });
});
