import { join } from 'node:path';
import type { ChatCompletionRequest } from '../../openai.types';
import { sseJsonFrames } from '../stream-translation';
import { expectGolden, readFixture, readJsonFixture, translateRecordedStream } from '../../../../test/support/golden';
import { cleanSchema, finishReasonOf, fromGeminiResponse, GeminiChunkTranslator, type GeminiResponse, toGeminiRequest } from './gemini.translation';

const FIXTURES = join(__dirname, 'fixtures');

describe('Gemini translation (golden fixtures)', () => {
  it('should translate system, media, parallel calls and their responses, tools with cleaned schemas and JSON mode', () => {
    const request = readJsonFixture<ChatCompletionRequest>(FIXTURES, 'chat-tools.openai-request.json');
    expectGolden(FIXTURES, 'chat-tools.gemini-request.json', toGeminiRequest(request, {}));
  });

  it('should translate an answer with thoughts, text and a function call', () => {
    expectGolden(FIXTURES, 'tool-call.openai-response.json', fromGeminiResponse(readJsonFixture<GeminiResponse>(FIXTURES, 'tool-call.gemini-response.json'), 'gemini-1.5-flash'));
  });

  it('should translate a recorded SSE stream with CRLF event boundaries', async () => {
    const bytes = Buffer.from(readFixture(FIXTURES, 'text-and-call.gemini-stream.sse'));
    expectGolden(FIXTURES, 'text-and-call.openai-stream.json', await translateRecordedStream(bytes, sseJsonFrames<GeminiResponse>, new GeminiChunkTranslator('gemini-1.5-flash')));
  });

  it('should refuse a tool result that answers no earlier call (Gemini needs the function name)', () => {
    const request: ChatCompletionRequest = {
      model: 'm',
      messages: [
        { role: 'user', content: 'x' },
        { role: 'tool', tool_call_id: 'nope', content: 'y' },
      ],
    };
    expect(() => toGeminiRequest(request, {})).toThrow('tool_call_id');
  });

  it('should strip schema keywords Gemini refuses at every depth, keeping property names that look like them', () => {
    expect(
      cleanSchema({ type: 'object', additionalProperties: false, properties: { strict: { type: 'boolean' }, inner: { type: 'object', additionalProperties: true } } }),
    ).toEqual({
      type: 'object',
      properties: { strict: { type: 'boolean' }, inner: { type: 'object' } },
    });
  });

  it('should map finish reasons', () => {
    expect(['STOP', 'MAX_TOKENS', 'SAFETY', 'RECITATION', undefined].map((reason) => finishReasonOf(reason, false))).toEqual([
      'stop',
      'length',
      'content_filter',
      'content_filter',
      'stop',
    ]);
    expect(finishReasonOf('STOP', true)).toBe('tool_calls');
  });

  it('should answer a blocked prompt with an empty content_filter choice', () => {
    const answer = fromGeminiResponse({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 5 } }, 'gemini') as unknown as {
      choices: { finish_reason: string }[];
    };
    expect(answer.choices[0].finish_reason).toBe('content_filter');
  });
});
