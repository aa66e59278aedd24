import { encodeAwsEventStreamMessage } from '../bedrock/aws-event-stream';
import { fromTgiResponse, hfPromptOf, type SageMakerFrame, sagemakerFrames, TgiChunkTranslator, tgiParameters } from './sagemaker.translation';

async function* pieces(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

const part = (text: string): Buffer => Buffer.from(encodeAwsEventStreamMessage({ messageType: 'event', eventType: 'PayloadPart', body: Buffer.from(text) }));

async function framesOf(parts: Buffer[], readSize = 7): Promise<SageMakerFrame[]> {
  const frames: SageMakerFrame[] = [];
  for await (const batch of sagemakerFrames(pieces(Buffer.concat(parts), readSize))) frames.push(...batch);
  return frames;
}

describe('SageMaker translation', () => {
  it('should build prompts as LiteLLM does: own template, Llama-2 chat, else texts joined', () => {
    const messages = [
      { role: 'system', content: 'S' },
      { role: 'user', content: [{ type: 'text', text: 'U' }] },
    ];
    expect(hfPromptOf(messages, 'my-endpoint', {})).toBe('S U');
    expect(hfPromptOf(messages, 'meta-textgeneration-llama-2-7b-f', { hf_model_name: 'meta-llama/Llama-2-7b-chat-hf' })).toBe(
      '[INST] <<SYS>>\nS\n<</SYS>>\n [/INST]\n[INST] U [/INST]\n',
    );
    expect(
      hfPromptOf(messages, 'x', {
        roles: { system: { pre_message: '<s>', post_message: '</s>' }, user: { pre_message: 'Q: ' } },
        initial_prompt_value: '>>',
        final_prompt_value: '\nA:',
      }),
    ).toBe('>><s>S</s>Q: U\nA:');
  });

  it("should map parameters with TGI's guards", () => {
    expect(tgiParameters({ model: 'm', messages: [], temperature: 0, max_tokens: 0, n: 2, stop: 'END', top_p: 0.9 }, {})).toEqual({
      temperature: 0.01,
      max_new_tokens: 1,
      best_of: 2,
      do_sample: true,
      stop: ['END'],
      top_p: 0.9,
    });
    expect(tgiParameters({ model: 'm', messages: [], temperature: 0, max_completion_tokens: 9 }, { aws_sagemaker_allow_zero_temp: true })).toEqual({
      temperature: 0,
      max_new_tokens: 9,
    });
  });

  it('should read generations in each shape TGI answers with, counting tokens it does not report', () => {
    expect(fromTgiResponse([{ generated_text: 'hi there' }], 'prompt', 'e')).toMatchObject({
      choices: [{ message: { content: 'hi there' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 1 },
    });
    expect(fromTgiResponse({ generation: 'x', details: { finish_reason: 'length', generated_tokens: 7 } }, 'p', 'e')).toMatchObject({
      choices: [{ finish_reason: 'length' }],
      usage: { completion_tokens: 7 },
    });
    expect(fromTgiResponse({ generated_text: '<s>[INST] q [/INST] answer' }, '<s>[INST] q [/INST]', 'e').choices).toMatchObject([{ message: { content: ' answer' } }]);
  });

  it('should reassemble events split over parts and reads, several in one part, and report exceptions', async () => {
    const one = 'data:{"token":{"text":"a","special":false}}\n\n';
    const two = 'data: {"token":{"text":"b","special":false}}\n\ndata:{"token":{"text":"</s>","special":true},"details":{"finish_reason":"eos_token","generated_tokens":3}}\n\n';
    const exception = Buffer.from(encodeAwsEventStreamMessage({ messageType: 'exception', eventType: 'ModelStreamError', body: Buffer.from('{"Message":"boom"}') }));
    const frames = await framesOf([part(one.slice(0, 20)), part(one.slice(20) + two), exception]);
    expect(frames).toEqual([
      { kind: 'data', value: { token: { text: 'a', special: false } } },
      { kind: 'data', value: { token: { text: 'b', special: false } } },
      { kind: 'data', value: { token: { text: '</s>', special: true }, details: { finish_reason: 'eos_token', generated_tokens: 3 } } },
      { kind: 'exception', type: 'ModelStreamError', message: 'boom' },
    ]);
    const translator = new TgiChunkTranslator('e', 'prompt');
    const chunks = frames.slice(0, 3).flatMap((frame) => translator.next(frame));
    expect(chunks.map((chunk) => (chunk as { choices: { delta: { content?: string } }[] }).choices[0].delta.content)).toEqual(['a', 'b']);
    expect(translator.end()).toMatchObject([{ choices: [{ finish_reason: 'stop' }] }, { usage: { completion_tokens: 3 } }]);
    expect(() => translator.next(frames[3])).toThrow('ModelStreamError: boom');
  });

  it('should fail on a stream that ends inside an event', async () => {
    await expect(framesOf([part('data:{"token":')])).rejects.toThrow(SyntaxError);
  });
});
