import { chatChunkFromTextChunk, chatFromTextCompletion } from '../completion-via-chat';
import { completionRequestFromChat } from './text-completion-openai.adapter';

describe('text-completion-openai translation', () => {
  it('should send a single user turn as the bare prompt with the shared sampling fields', () => {
    expect(completionRequestFromChat({ model: 'instruct', messages: [{ role: 'user', content: 'Say hi' }], max_completion_tokens: 9, temperature: 0, tools: [] })).toEqual({
      model: 'instruct',
      prompt: 'Say hi',
      temperature: 0,
      max_tokens: 9,
    });
  });

  it('should write a conversation as a labelled transcript ending on the assistant', () => {
    const request = completionRequestFromChat({
      model: 'instruct',
      messages: [
        { role: 'system', content: 'Be kind.' },
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello' },
        { role: 'user', content: [{ type: 'text', text: 'Bye' }] },
      ],
    });
    expect(request.prompt).toBe('System: Be kind.\nUser: Hi\nAssistant: Hello\nUser: Bye\nAssistant:');
  });

  it('should turn text completions and their chunks into chat ones', () => {
    const chat = chatFromTextCompletion({
      id: 'cmpl-1',
      object: 'text_completion',
      created: 1,
      model: 'm',
      choices: [{ index: 0, text: 'Hi!', finish_reason: 'stop' }],
      usage: { prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 },
    });
    expect(chat).toEqual({
      id: 'cmpl-1',
      object: 'chat.completion',
      created: 1,
      model: 'm',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Hi!' }, finish_reason: 'stop', logprobs: null }],
      usage: { prompt_tokens: 2, completion_tokens: 1, total_tokens: 3 },
    });
    expect(JSON.parse(chatChunkFromTextChunk('{"id":"c","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"He","finish_reason":null}]}'))).toEqual({
      id: 'c',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'm',
      choices: [{ index: 0, delta: { content: 'He' }, finish_reason: null, logprobs: null }],
    });
  });
});
