import { join } from 'node:path';
import type { ChatCompletionRequest } from '../../openai.types';
import { ndjsonFrames } from '../stream-translation';
import { expectGolden, readFixture, readJsonFixture, translateRecordedStream } from '../../../../test/support/golden';
import {
  fromOllamaEmbeddings,
  fromOllamaResponse,
  OllamaChunkTranslator,
  type OllamaResponse,
  OllamaStreamError,
  toOllamaChatRequest,
  toOllamaGenerateRequest,
} from './ollama.translation';

const FIXTURES = join(__dirname, 'fixtures');

describe('Ollama translation (golden fixtures)', () => {
  const request = readJsonFixture<ChatCompletionRequest>(FIXTURES, 'chat-tools.openai-request.json');

  it('should translate a chat request with images, tool calls, tool results and options for /api/chat', () => {
    expectGolden(FIXTURES, 'chat-tools.ollama-chat-request.json', toOllamaChatRequest(request, 'llama3', { num_ctx: 8192, keep_alive: '5m' }, false));
  });

  it('should translate a conversation for /api/generate, refusing tools it cannot carry', () => {
    const { tools: _tools, ...withoutTools } = request;
    const withoutToolTurns = {
      ...withoutTools,
      messages: [request.messages[0], request.messages[1], { role: 'assistant', content: 'It is a door.' }, { role: 'user', content: 'Thanks' }],
    };
    expectGolden(FIXTURES, 'conversation.ollama-generate-request.json', toOllamaGenerateRequest(withoutToolTurns, 'llama3', {}, true));
    expect(() => toOllamaGenerateRequest(request, 'llama3', {}, false)).toThrow('ollama_chat/');
  });

  it('should translate a /api/chat tool-call answer', () => {
    expectGolden(FIXTURES, 'chat-tool-call.openai-response.json', fromOllamaResponse(readJsonFixture<OllamaResponse>(FIXTURES, 'chat-tool-call.ollama-response.json'), 'llama3'));
  });

  it('should translate recorded NDJSON streams of /api/generate and /api/chat', async () => {
    const generate = await translateRecordedStream(
      Buffer.from(readFixture(FIXTURES, 'generate.ollama-stream.ndjson')),
      ndjsonFrames<OllamaResponse>,
      new OllamaChunkTranslator('llama3'),
    );
    expectGolden(FIXTURES, 'generate.openai-stream.json', generate);
    const chat = await translateRecordedStream(
      Buffer.from(readFixture(FIXTURES, 'chat-tools.ollama-stream.ndjson')),
      ndjsonFrames<OllamaResponse>,
      new OllamaChunkTranslator('llama3.1'),
      3,
    );
    expectGolden(FIXTURES, 'chat-tools.openai-stream.json', chat);
  });

  it('should keep multi-byte characters whole when a read splits them', async () => {
    const bytes = Buffer.from(readFixture(FIXTURES, 'generate.ollama-stream.ndjson'));
    const chunks = (await translateRecordedStream(bytes, ndjsonFrames<OllamaResponse>, new OllamaChunkTranslator('llama3'), 97)) as {
      choices: { delta?: { content?: string } }[];
    }[];
    expect(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('')).toBe('The sky is blue ☀️');
  });

  it('should raise an error line as a stream error', () => {
    expect(() => new OllamaChunkTranslator('m').next({ error: 'boom' })).toThrow(OllamaStreamError);
  });

  it('should translate /api/embed answers with their token count', () => {
    const { json, usage } = fromOllamaEmbeddings(
      {
        embeddings: [
          [0.1, 0.2],
          [0.3, 0.4],
        ],
        prompt_eval_count: 6,
      },
      'ollama/nomic-embed-text',
    );
    expect(JSON.parse(json)).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [0.1, 0.2] },
        { object: 'embedding', index: 1, embedding: [0.3, 0.4] },
      ],
      model: 'ollama/nomic-embed-text',
      usage: { prompt_tokens: 6, total_tokens: 6 },
    });
    expect(usage.total_tokens).toBe(6);
  });
});
