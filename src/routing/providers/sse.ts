/**
 * Splits a `text/event-stream` body into the JSON texts of its `data:` events, stopping at `[DONE]`. The
 * texts are not parsed here: the relay only rewrites the id and reads usage, which needs no full parse.
 * Events that arrived in one network read are yielded together (one array per read), which lets the
 * relay write them with one syscall instead of one per event. Tolerates CRLF, events split across
 * reads, comments and multi-line data.
 */
export async function* parseSse(body: AsyncIterable<Buffer | Uint8Array | string>): AsyncGenerator<string[]> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const piece of body) {
    buffer += typeof piece === 'string' ? piece : decoder.decode(piece, { stream: true });
    const batch: string[] = [];
    let done = false;
    let boundary = findBoundary(buffer);
    while (boundary) {
      const event = buffer.slice(0, boundary.index);
      buffer = buffer.slice(boundary.index + boundary.length);
      const data = dataOf(event);
      if (data === '[DONE]') {
        done = true;
        break;
      }
      if (data !== undefined) batch.push(data);
      boundary = findBoundary(buffer);
    }
    if (batch.length) yield batch;
    if (done) return;
  }
  const data = dataOf(buffer);
  if (data !== undefined && data !== '[DONE]') yield [data];
}

function findBoundary(buffer: string): { index: number; length: number } | undefined {
  const lf = buffer.indexOf('\n\n');
  const crlf = buffer.indexOf('\r\n\r\n');
  if (lf < 0 && crlf < 0) return undefined;
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { index: crlf, length: 4 };
  return { index: lf, length: 2 };
}

function dataOf(event: string): string | undefined {
  let data: string | undefined;
  for (const rawLine of event.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (!line.startsWith('data:')) continue;
    const value = line.slice(line[5] === ' ' ? 6 : 5);
    data = data === undefined ? value : `${data}\n${value}`;
  }
  return data?.trim() === '' ? undefined : data;
}
