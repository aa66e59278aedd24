import { parseSse } from './sse';

async function collect(pieces: string[]): Promise<unknown[]> {
  const out: unknown[] = [];
  async function* source() {
    for (const piece of pieces) yield Buffer.from(piece);
  }
  for await (const event of parseSse(source())) out.push(event);
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

  it('should handle multi-byte characters split between chunks', async () => {
    const bytes = Buffer.from('data: {"c":"héllo"}\n\n');
    const events: unknown[] = [];
    async function* source() {
      yield bytes.subarray(0, 13);
      yield bytes.subarray(13);
    }
    for await (const event of parseSse(source())) events.push(event);
    expect(events).toEqual([{ c: 'héllo' }]);
  });
});
