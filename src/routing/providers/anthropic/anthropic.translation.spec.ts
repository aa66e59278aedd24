import { join } from 'node:path';
import type { ChatCompletionRequest } from '../../openai.types';
import { sseJsonFrames } from '../stream-translation';
import { expectGolden, readFixture, readJsonFixture, translateRecordedStream } from '../../../../test/support/golden';
import {
  AnthropicChunkTranslator,
  type AnthropicResponse,
  AnthropicStreamError,
  type AnthropicStreamEvent,
  finishReasonOf,
  fromAnthropicResponse,
  JSON_MODE_TOOL,
  toAnthropicRequest,
} from './anthropic.translation';

const FIXTURES = join(__dirname, 'fixtures');

describe('Anthropic translation (golden fixtures)', () => {
  it('should translate a request with system, images, parallel tool calls and results, tools and sampling', () => {
    const request = readJsonFixture<ChatCompletionRequest>(FIXTURES, 'chat-tools.openai-request.json');
    expectGolden(FIXTURES, 'chat-tools.anthropic-request.json', toAnthropicRequest(request, 'claude-3-5-sonnet-20240620', {}, true));
  });

  it('should translate a tool_use response with thinking and cache usage', () => {
    const response = readJsonFixture<AnthropicResponse>(FIXTURES, 'tool-use.anthropic-response.json');
    expectGolden(FIXTURES, 'tool-use.openai-response.json', fromAnthropicResponse(response));
  });

  it('should translate a recorded stream, even split at arbitrary byte boundaries', async () => {
    const bytes = Buffer.from(readFixture(FIXTURES, 'tool-use.anthropic-stream.sse'));
    const chunks = await translateRecordedStream(bytes, sseJsonFrames<AnthropicStreamEvent>, new AnthropicChunkTranslator('claude'));
    expectGolden(FIXTURES, 'tool-use.openai-stream.json', chunks);
    const again = await translateRecordedStream(bytes, sseJsonFrames<AnthropicStreamEvent>, new AnthropicChunkTranslator('claude'), 50);
    expect(JSON.stringify(again).replace(/"created":\d+/g, '')).toBe(JSON.stringify(chunks).replace(/"created":\d+/g, ''));
  });

  it('should default max_tokens and take it from the deployment when the request has none', () => {
    const request: ChatCompletionRequest = { model: 'm', messages: [{ role: 'user', content: 'hi' }] };
    expect(toAnthropicRequest(request, 'claude', {}, false).max_tokens).toBe(4096);
    expect(toAnthropicRequest(request, 'claude', { max_tokens: 77 }, false).max_tokens).toBe(77);
  });

  it('should merge consecutive turns of one role so they alternate', () => {
    const body = toAnthropicRequest(
      {
        model: 'm',
        messages: [
          { role: 'user', content: 'a' },
          { role: 'user', content: 'b' },
          { role: 'assistant', content: 'c' },
        ],
      },
      'claude',
      {},
      false,
    );
    expect(body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'a' },
          { type: 'text', text: 'b' },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'c' }] },
    ]);
  });

  it('should refuse tool-call arguments that are not JSON instead of sending them mangled', () => {
    const request: ChatCompletionRequest = {
      model: 'm',
      messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 't', type: 'function', function: { name: 'f', arguments: '{oops' } }] }],
    };
    expect(() => toAnthropicRequest(request, 'claude', {}, false)).toThrow('arguments must be a JSON object');
  });

  it('should ask for JSON through a forced tool and answer with its input as content, streamed too', async () => {
    const request: ChatCompletionRequest = {
      model: 'm',
      messages: [{ role: 'user', content: 'Give me a city' }],
      response_format: { type: 'json_schema', json_schema: { name: 'city', schema: { type: 'object', properties: { city: { type: 'string' } } } } },
    };
    const body = toAnthropicRequest(request, 'claude', {}, false);
    expect(body.tools).toEqual([
      { name: JSON_MODE_TOOL, description: 'Answer with JSON matching this schema.', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
    ]);
    expect(body.tool_choice).toEqual({ type: 'tool', name: JSON_MODE_TOOL });
    const answer = fromAnthropicResponse(
      { id: 'msg', model: 'claude', content: [{ type: 'tool_use', id: 't', name: JSON_MODE_TOOL, input: { city: 'Paris' } }], stop_reason: 'tool_use', usage: {} },
      true,
    ) as unknown as { choices: { message: { content: string; tool_calls?: unknown }; finish_reason: string }[] };
    expect(answer.choices[0].message).toEqual({ role: 'assistant', content: '{"city":"Paris"}' });
    expect(answer.choices[0].finish_reason).toBe('stop');
    const translator = new AnthropicChunkTranslator('claude', true);
    const chunks = [
      ...translator.next({ type: 'message_start', message: { id: 'm', usage: {} } }),
      ...translator.next({ type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 't', name: JSON_MODE_TOOL, input: {} } }),
      ...translator.next({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{"city":' } }),
      ...translator.next({ type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '"Rome"}' } }),
      ...translator.next({ type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 5 } }),
      ...translator.end(),
    ] as { choices: { delta?: { content?: string; tool_calls?: unknown }; finish_reason: string | null }[] }[];
    expect(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('')).toBe('{"city":"Rome"}');
    expect(chunks.some((chunk) => chunk.choices[0]?.delta?.tool_calls)).toBe(false);
    expect(chunks[chunks.length - 2].choices[0].finish_reason).toBe('stop');
  });

  it('should map stop reasons', () => {
    expect(['end_turn', 'stop_sequence', 'max_tokens', 'tool_use', 'refusal', null].map(finishReasonOf)).toEqual([
      'stop',
      'stop',
      'length',
      'tool_calls',
      'content_filter',
      'stop',
    ]);
  });

  it('should raise an error event with the status Anthropic gives that error type', () => {
    const translator = new AnthropicChunkTranslator('claude');
    expect(() => translator.next({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } })).toThrow(AnthropicStreamError);
    try {
      translator.next({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } });
    } catch (error) {
      expect((error as AnthropicStreamError).status).toBe(429);
    }
  });
});
