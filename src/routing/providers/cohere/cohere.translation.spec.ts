import { join } from 'node:path';
import type { ChatCompletionRequest } from '../../openai.types';
import { sseJsonFrames } from '../stream-translation';
import { expectGolden, readFixture, readJsonFixture, translateRecordedStream } from '../../../../test/support/golden';
import {
  type CohereChatResponse,
  CohereChunkTranslator,
  CohereStreamError,
  type CohereStreamEvent,
  fromCohereChatResponse,
  fromCohereRerankResponse,
  toCohereChatRequest,
  toCohereRerankRequest,
} from './cohere.translation';

const FIXTURES = join(__dirname, 'fixtures');

describe('Cohere translation (golden fixtures)', () => {
  it('should translate a request with an image, a tool call and its result, tools and sampling', () => {
    expectGolden(
      FIXTURES,
      'chat-tools.cohere-request.json',
      toCohereChatRequest(readJsonFixture<ChatCompletionRequest>(FIXTURES, 'chat-tools.openai-request.json'), 'command-r', {}, false),
    );
  });

  it('should translate a tool-call answer, charging billed units', () => {
    expectGolden(FIXTURES, 'tool-call.openai-response.json', fromCohereChatResponse(readJsonFixture<CohereChatResponse>(FIXTURES, 'tool-call.cohere-response.json'), 'command-r'));
  });

  it('should translate a recorded v2 stream', async () => {
    const bytes = Buffer.from(readFixture(FIXTURES, 'text.cohere-stream.sse'));
    expectGolden(FIXTURES, 'text.openai-stream.json', await translateRecordedStream(bytes, sseJsonFrames<CohereStreamEvent>, new CohereChunkTranslator('command-r')));
  });

  it('should raise a stream that ends with finish_reason ERROR', () => {
    expect(() => new CohereChunkTranslator('m').next({ type: 'message-end', delta: { finish_reason: 'ERROR', error: 'model crashed' } })).toThrow(CohereStreamError);
  });

  it('should send rerank documents as text and give them back when asked', () => {
    const request = { model: 'rerank', query: 'q', documents: ['a', { text: 'b' }], top_n: 1, return_documents: true };
    expect(toCohereRerankRequest(request, 'rerank-english-v3.0')).toEqual({ model: 'rerank-english-v3.0', query: 'q', documents: ['a', 'b'], top_n: 1 });
    expect(fromCohereRerankResponse({ id: 'r', results: [{ index: 1, relevance_score: 0.9 }], meta: { billed_units: { search_units: 1 } } }, request)).toEqual({
      id: 'r',
      results: [{ index: 1, relevance_score: 0.9, document: { text: 'b' } }],
      meta: { billed_units: { search_units: 1 } },
    });
  });
});
