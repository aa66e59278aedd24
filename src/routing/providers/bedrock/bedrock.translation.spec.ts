import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatCompletionRequest } from '../../openai.types';
import { expectGolden, readJsonFixture, translateRecordedStream } from '../../../../test/support/golden';
import { type AwsStreamFrame, awsEventStreamFrames, encodeAwsEventStreamFrame } from './aws-event-stream';
import { ConverseChunkTranslator, type ConverseResponse, ConverseStreamException, finishReasonOf, fromConverseResponse, toConverseRequest } from './bedrock.translation';

const FIXTURES = join(__dirname, 'fixtures');
const RECORDED_STREAM = join(FIXTURES, 'tool-use.converse-stream.eventstream');

/** The frames of the recorded stream, as Bedrock sends them for a text answer followed by a tool call. */
const RECORDED_FRAMES: AwsStreamFrame[] = [
  { messageType: 'event', eventType: 'messageStart', payload: { p: 'abcd', role: 'assistant' } },
  { messageType: 'event', eventType: 'contentBlockDelta', payload: { contentBlockIndex: 0, delta: { text: 'Checking ' }, p: 'abc' } },
  { messageType: 'event', eventType: 'contentBlockDelta', payload: { contentBlockIndex: 0, delta: { text: 'stock – ✓' }, p: 'ab' } },
  { messageType: 'event', eventType: 'contentBlockStop', payload: { contentBlockIndex: 0, p: 'a' } },
  { messageType: 'event', eventType: 'contentBlockStart', payload: { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'tooluse_Q1', name: 'get_stock' } }, p: 'abcdef' } },
  { messageType: 'event', eventType: 'contentBlockDelta', payload: { contentBlockIndex: 1, delta: { toolUse: { input: '{"item":' } }, p: 'a' } },
  { messageType: 'event', eventType: 'contentBlockDelta', payload: { contentBlockIndex: 1, delta: { toolUse: { input: '"bolts"}' } }, p: 'a' } },
  { messageType: 'event', eventType: 'contentBlockStop', payload: { contentBlockIndex: 1, p: 'abc' } },
  { messageType: 'event', eventType: 'messageStop', payload: { stopReason: 'tool_use', p: 'abcdefg' } },
  { messageType: 'event', eventType: 'metadata', payload: { usage: { inputTokens: 402, outputTokens: 55, totalTokens: 457 }, metrics: { latencyMs: 900 }, p: 'ab' } },
];

describe('Bedrock Converse translation (golden fixtures)', () => {
  beforeAll(() => {
    // The binary fixture is written once by the AWS SDK's own encoder and then kept as recorded bytes.
    if (!existsSync(RECORDED_STREAM)) writeFileSync(RECORDED_STREAM, Buffer.concat(RECORDED_FRAMES.map((frame) => Buffer.from(encodeAwsEventStreamFrame(frame)))));
  });

  it('should translate system, images, parallel tool calls and results, tool choice and inference config', () => {
    const request = readJsonFixture<ChatCompletionRequest>(FIXTURES, 'chat-tools.openai-request.json');
    expectGolden(FIXTURES, 'chat-tools.converse-request.json', toConverseRequest(request, {}));
  });

  it('should translate a Converse answer with reasoning, text, tool use and cached tokens', () => {
    expectGolden(
      FIXTURES,
      'tool-use.openai-response.json',
      fromConverseResponse(readJsonFixture<ConverseResponse>(FIXTURES, 'tool-use.converse-response.json'), 'anthropic.claude-3-haiku-20240307-v1:0', 'req-1'),
    );
  });

  it('should decode a recorded event stream split at any byte and translate it', async () => {
    const bytes = readFileSync(RECORDED_STREAM);
    const chunks = await translateRecordedStream(bytes, awsEventStreamFrames, new ConverseChunkTranslator('anthropic.claude-3-haiku-20240307-v1:0', 'req-2'), 41);
    expectGolden(FIXTURES, 'tool-use.openai-stream.json', chunks);
    const bytewise = await translateRecordedStream(bytes, awsEventStreamFrames, new ConverseChunkTranslator('anthropic.claude-3-haiku-20240307-v1:0', 'req-2'), bytes.length);
    expect(JSON.stringify(bytewise).replace(/"created":\d+/g, '')).toBe(JSON.stringify(chunks).replace(/"created":\d+/g, ''));
  });

  it('should refuse a corrupted frame (CRC) and a stream that ends inside a frame', async () => {
    const bytes = Buffer.from(readFileSync(RECORDED_STREAM));
    const corrupted = Buffer.from(bytes);
    corrupted[20] ^= 0xff;
    await expect(translateRecordedStream(corrupted, awsEventStreamFrames, new ConverseChunkTranslator('m'))).rejects.toThrow();
    await expect(translateRecordedStream(bytes.subarray(0, bytes.length - 3), awsEventStreamFrames, new ConverseChunkTranslator('m'))).rejects.toThrow('ended inside a message');
  });

  it('should raise exception frames with their HTTP status', () => {
    const translator = new ConverseChunkTranslator('m');
    const frame: AwsStreamFrame = { messageType: 'exception', eventType: 'throttlingException', payload: { message: 'slow down' } };
    expect(() => translator.next(frame)).toThrow(ConverseStreamException);
    try {
      translator.next(frame);
    } catch (error) {
      expect((error as ConverseStreamException).status).toBe(429);
    }
  });

  it('should refuse image links, which Bedrock cannot take and the gateway will not fetch', () => {
    const request: ChatCompletionRequest = { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }] };
    expect(() => toConverseRequest(request, {})).toThrow('base64 data URLs');
  });

  it('should map stop reasons', () => {
    expect(['end_turn', 'max_tokens', 'tool_use', 'guardrail_intervened', 'content_filtered', undefined].map(finishReasonOf)).toEqual([
      'stop',
      'length',
      'tool_calls',
      'content_filter',
      'content_filter',
      'stop',
    ]);
  });
});
