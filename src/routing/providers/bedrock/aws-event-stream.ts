import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

/** One decoded `application/vnd.amazon.eventstream` message with its JSON payload. */
export interface AwsStreamFrame {
  /** `event`, `exception` or `error`. */
  messageType: string;
  /** `:event-type` for events (`contentBlockDelta`…), `:exception-type` for exceptions. */
  eventType: string;
  payload: Record<string, unknown>;
}

const codec = new EventStreamCodec(toUtf8, fromUtf8);
/** The prelude: total length (4 bytes), headers length (4), prelude CRC (4). */
const PRELUDE_BYTES = 12;

/**
 * Splits an AWS event stream into messages and decodes them (the codec checks both CRCs, so a corrupted frame
 * fails loudly instead of yielding garbage). Messages may span reads, and one read may hold several.
 */
export async function* awsEventStreamFrames(body: AsyncIterable<Buffer>): AsyncGenerator<AwsStreamFrame[]> {
  let buffer: Buffer = Buffer.alloc(0);
  for await (const piece of body) {
    buffer = buffer.length ? Buffer.concat([buffer, piece]) : piece;
    const frames: AwsStreamFrame[] = [];
    while (buffer.length >= PRELUDE_BYTES) {
      const total = buffer.readUInt32BE(0);
      if (total < PRELUDE_BYTES + 4) throw new SyntaxError(`event stream message of impossible length ${total}`);
      if (buffer.length < total) break;
      frames.push(decodeFrame(buffer.subarray(0, total)));
      buffer = buffer.subarray(total);
    }
    if (frames.length) yield frames;
  }
  if (buffer.length) throw new SyntaxError('event stream ended inside a message');
}

function decodeFrame(bytes: Uint8Array): AwsStreamFrame {
  const message = codec.decode(bytes);
  const header = (name: string): string => {
    const value = message.headers[name]?.value;
    return typeof value === 'string' ? value : '';
  };
  const messageType = header(':message-type') || 'event';
  const text = toUtf8(message.body);
  return {
    messageType,
    eventType: messageType === 'exception' ? header(':exception-type') : messageType === 'error' ? header(':error-code') : header(':event-type'),
    payload: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

/** Encodes a frame as AWS does; used by tests and the mock to speak the format. */
export function encodeAwsEventStreamFrame(frame: AwsStreamFrame): Uint8Array {
  const typeHeader = frame.messageType === 'exception' ? ':exception-type' : ':event-type';
  return codec.encode({
    headers: {
      ':message-type': { type: 'string', value: frame.messageType },
      [typeHeader]: { type: 'string', value: frame.eventType },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    body: fromUtf8(JSON.stringify(frame.payload)),
  });
}

/** One decoded event-stream message with its payload as bytes (SageMaker's `PayloadPart` carries raw model output). */
export interface AwsStreamMessage {
  messageType: string;
  eventType: string;
  body: Uint8Array;
}

/** Like awsEventStreamFrames, but leaves each message's payload undecoded. */
export async function* awsEventStreamMessages(body: AsyncIterable<Buffer>): AsyncGenerator<AwsStreamMessage[]> {
  let buffer: Buffer = Buffer.alloc(0);
  for await (const piece of body) {
    buffer = buffer.length ? Buffer.concat([buffer, piece]) : piece;
    const messages: AwsStreamMessage[] = [];
    while (buffer.length >= PRELUDE_BYTES) {
      const total = buffer.readUInt32BE(0);
      if (total < PRELUDE_BYTES + 4) throw new SyntaxError(`event stream message of impossible length ${total}`);
      if (buffer.length < total) break;
      const message = codec.decode(buffer.subarray(0, total));
      buffer = buffer.subarray(total);
      const header = (name: string): string => {
        const value = message.headers[name]?.value;
        return typeof value === 'string' ? value : '';
      };
      const messageType = header(':message-type') || 'event';
      const eventType = messageType === 'exception' ? header(':exception-type') : messageType === 'error' ? header(':error-code') : header(':event-type');
      messages.push({ messageType, eventType, body: message.body });
    }
    if (messages.length) yield messages;
  }
  if (buffer.length) throw new SyntaxError('event stream ended inside a message');
}

/** Encodes a message with a raw payload, as AWS does; used by tests and mocks. */
export function encodeAwsEventStreamMessage(message: AwsStreamMessage): Uint8Array {
  const typeHeader = message.messageType === 'exception' ? ':exception-type' : ':event-type';
  return codec.encode({
    headers: {
      ':message-type': { type: 'string', value: message.messageType },
      [typeHeader]: { type: 'string', value: message.eventType },
      ':content-type': { type: 'string', value: message.messageType === 'exception' ? 'application/json' : 'application/octet-stream' },
    },
    body: message.body,
  });
}
