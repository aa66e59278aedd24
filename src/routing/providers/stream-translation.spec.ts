import { ChunkBuilder, ndjsonFrames, sseJsonFrames } from './stream-translation';

async function* pieces(...texts: (string | Buffer)[]): AsyncGenerator<Buffer> {
  for (const text of texts) yield Buffer.isBuffer(text) ? text : Buffer.from(text);
}

async function collect<F>(frames: AsyncIterable<F[]>): Promise<F[][]> {
  const out: F[][] = [];
  for await (const batch of frames) out.push(batch);
  return out;
}

describe('stream frame readers', () => {
  it('should read NDJSON lines split across reads, several per read, and a last line without a newline', async () => {
    const batches = await collect(ndjsonFrames<{ n: number }>(pieces('{"n":1}\n{"n"', ':2}\n\n{"n":3}\n{"n":4}')));
    expect(batches).toEqual([[{ n: 1 }], [{ n: 2 }, { n: 3 }], [{ n: 4 }]]);
  });

  it('should keep a UTF-8 character split between reads whole', async () => {
    const bytes = Buffer.from('{"t":"é☀"}\n');
    const batches = await collect(ndjsonFrames<{ t: string }>(pieces(bytes.subarray(0, 7), bytes.subarray(7))));
    expect(batches.flat()).toEqual([{ t: 'é☀' }]);
  });

  it('should fail on a line that is not JSON rather than skip it', async () => {
    await expect(collect(ndjsonFrames(pieces('{"ok":1}\nnot json\n')))).rejects.toThrow(SyntaxError);
  });

  it('should parse SSE data payloads as JSON, ignoring event names and comments', async () => {
    const batches = await collect(sseJsonFrames<{ type: string }>(pieces('event: a\ndata: {"type":"a"}\n\n: keep-alive\n\nevent: b\ndata: {"type":"b"}\n\n')));
    expect(batches.flat()).toEqual([{ type: 'a' }, { type: 'b' }]);
  });
});

describe('ChunkBuilder', () => {
  it('should give the first chunk the assistant role, keep one id, and end with a usage chunk without choices', () => {
    const chunks = new ChunkBuilder('model-x', 'provider-id');
    const first = chunks.delta({ content: 'a' }) as { id: string; choices: { delta: Record<string, unknown> }[] };
    const second = chunks.delta({ content: 'b' }) as { choices: { delta: Record<string, unknown> }[] };
    const usage = chunks.usage({ prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 }) as { id: string; choices: unknown[]; usage: unknown };
    expect(first.id).toBe('provider-id');
    expect(first.choices[0].delta).toEqual({ role: 'assistant', content: 'a' });
    expect(second.choices[0].delta).toEqual({ content: 'b' });
    expect(usage.choices).toEqual([]);
    expect(usage.id).toBe('provider-id');
  });
});
