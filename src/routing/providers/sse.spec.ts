import { parseSse } from './sse';

async function collect(pieces: string[]): Promise<unknown[]> {
  const out: unknown[] = [];
  async function* source() {
    for (const piece of pieces) yield Buffer.from(piece);
  }
  for await (const batch of parseSse(source())) out.push(...batch.map((data) => JSON.parse(data) as unknown));
  return out;
}

describe(parseSse.name, () => {
  it('should yield each data event and stop at [DONE]', async () => {
    const events = await collect(['data: {"id":"a"}\n\n', 'data: {"id":"b"}\n\ndata: [DONE]\n\ndata: {"id":"late"}\n\n']);
    expect(events).toEqual([{ id: 'a' }, { id: 'b' }]);
  });

  it('should join events split across network chunks and CRLF framing', async () => {
    const events = await collect(['data: {"id":', '"a"}\r\n', '\r\n: comment\n\ndata:{"id":"b"}\n\n']);
    expect(events).toEqual([{ id: 'a' }, { id: 'b' }]);
  });

  it('should group events that arrived in one read', async () => {
    const batches: unknown[][] = [];
    async function* source() {
      yield Buffer.from('data: {"n":1}\n\ndata: {"n":2}\n\ndata: {"n"');
      yield Buffer.from(':3}\n\ndata: [DONE]\n\n');
    }
    for await (const batch of parseSse(source())) batches.push(batch.map((data) => JSON.parse(data) as unknown));
    expect(batches).toEqual([[{ n: 1 }, { n: 2 }], [{ n: 3 }]]);
  });

  it('should handle multi-byte characters split between chunks', async () => {
    const bytes = Buffer.from('data: {"c":"héllo"}\n\n');
    const events: unknown[] = [];
    async function* source() {
      yield bytes.subarray(0, 13);
      yield bytes.subarray(13);
    }
    for await (const batch of parseSse(source())) events.push(...batch.map((data) => JSON.parse(data) as unknown));
    expect(events).toEqual([{ c: 'héllo' }]);
  });
});
