import { randomUUID } from 'node:crypto';
import type { Usage } from '../openai.types';
import { parseSse } from './sse';

/** Turns a provider's stream frames into OpenAI `chat.completion.chunk` objects. Stateful: one per stream. */
export interface ChunkTranslator<F> {
  /** The chunks one provider frame becomes (often one, sometimes none). */
  next(frame: F): object[];
  /** Chunks that close the stream once the provider's stream has ended: the finish reason, then usage. */
  end(): object[];
}

export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function: { name?: string; arguments: string };
}

export interface ChunkDelta {
  role?: 'assistant';
  content?: string | null;
  reasoning_content?: string;
  tool_calls?: ToolCallDelta[];
}

/**
 * Builds the chunks of one stream with a shared id, `created` and model. The id is the provider's when it has one
 * (the gateway rewrites it to its call id and keeps the provider's on the spend row).
 */
export class ChunkBuilder {
  id: string;
  readonly created = Math.floor(Date.now() / 1000);
  private roleSent = false;

  constructor(
    public model: string,
    id?: string,
  ) {
    this.id = id ?? `chatcmpl-${randomUUID()}`;
  }

  /** A content/tool delta; the first chunk of the stream carries `role: assistant` as OpenAI's does. */
  delta(delta: ChunkDelta, finishReason: string | null = null): object {
    const withRole = this.roleSent ? delta : { role: 'assistant' as const, ...delta };
    this.roleSent = true;
    return this.chunk([{ index: 0, delta: withRole, finish_reason: finishReason, logprobs: null }]);
  }

  finish(finishReason: string): object {
    return this.delta({}, finishReason);
  }

  /** OpenAI's usage chunk: no choices, the usage of the whole call. */
  usage(usage: Usage): object {
    return { ...this.chunk([]), usage };
  }

  private chunk(choices: object[]): object {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices };
  }
}

export function usageOf(promptTokens: number, completionTokens: number, extra: Record<string, unknown> = {}): Usage {
  const prompt = nonNegative(promptTokens);
  const completion = nonNegative(completionTokens);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion, ...extra };
}

function nonNegative(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

/** SSE `data:` payloads parsed as JSON (Anthropic, Gemini with `alt=sse`, Cohere). */
export async function* sseJsonFrames<F>(body: AsyncIterable<Buffer>): AsyncGenerator<F[]> {
  for await (const batch of parseSse(body)) yield batch.map((data) => JSON.parse(data) as F);
}

/** Newline-delimited JSON (Ollama): one object per line, lines may be split across reads. */
export async function* ndjsonFrames<F>(body: AsyncIterable<Buffer>): AsyncGenerator<F[]> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const piece of body) {
    buffer += decoder.decode(piece, { stream: true });
    const frames: F[] = [];
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line) frames.push(JSON.parse(line) as F);
      newline = buffer.indexOf('\n');
    }
    if (frames.length) yield frames;
  }
  const rest = (buffer + decoder.decode()).trim();
  if (rest) yield [JSON.parse(rest) as F];
}
