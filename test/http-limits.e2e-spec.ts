import { connect, type Socket } from 'node:net';
import OpenAI, { APIError } from 'openai';
import { startBuiltGateway, type BuiltGateway } from './support/built-gateway';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { startMockUpstreamProcess, type MockUpstreamProcess } from './support/mock-upstream.process';

const MASTER_KEY = 'sk-limits-master';
const MEBIBYTE = 1024 * 1024;
const UPLOAD_BYTES = 100 * MEBIBYTE;
const PIECE = Buffer.alloc(64 * 1024, 'x');
/** The issue's bound: twice the 1 MB limit, plus 16 MB for what a process allocates anyway. */
const MAX_RSS_GROWTH_MB = 2 * 1 + 16;

/**
 * `max_request_size_mb` holds however the body comes: Fastify counts bytes as they arrive, so a 100 MB body
 * is refused at 1 MB whether it declares its length, lies about it or is chunked, and the gateway's memory
 * does not grow with it. Run on the built gateway in its own process, over raw sockets, so the RSS is the
 * gateway's alone and the test sees exactly what goes over the wire.
 */
describe('Request size limit (e2e, built gateway in a child process)', () => {
  let gateway: BuiltGateway;

  beforeAll(async () => {
    gateway = await startBuiltGateway(
      `general_settings:\n  master_key: ${MASTER_KEY}\n  max_request_size_mb: 1\nmodel_list:\n  - model_name: demo\n    litellm_params: { model: mock/demo }\n`,
    );
    // Warm up the refusal path, so the baselines below do not include first-use allocations.
    await upload(gateway.port, head({ 'content-length': String(2 * MEBIBYTE) }), bodyOf(2 * MEBIBYTE));
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('should refuse a 100 MB body at once by its Content-Length, and cut the connection a few MB later', async () => {
    const { result, growthMb } = await measured(gateway, () => upload(gateway.port, head({ 'content-length': String(UPLOAD_BYTES) }), bodyOf(UPLOAD_BYTES)));

    expect(result.response?.status).toBe(400);
    expect(result.response?.body).toBe(
      '{"error":{"message":"Request size is too large. Request size is 100.0 MB. Max size is 1 MB","type":"bad_request_error","param":"content-length","code":"400"}}',
    );
    // Answered from the header, before the body (the rest is what the socket buffers took meanwhile).
    expect(result.sentWhenAnswered).toBeLessThan(UPLOAD_BYTES / 10);
    // A few MB more are read and discarded so the client can read its 400 (a lingering close), then the
    // connection is cut: the other ~90 MB are never read.
    expect(result.closedByServer).toBe(true);
    expect(result.sent).toBeLessThan(UPLOAD_BYTES / 4);
    expect(growthMb).toBeLessThan(MAX_RSS_GROWTH_MB);
  });

  it('should refuse a chunked 100 MB body once 1 MB has arrived, and cut the connection a few MB later', async () => {
    const { result, growthMb } = await measured(gateway, () => upload(gateway.port, head({ 'transfer-encoding': 'chunked' }), chunked(bodyOf(UPLOAD_BYTES))));

    expect(result.response?.status).toBe(400);
    const error = (JSON.parse(result.response!.body) as { error: Record<string, unknown> }).error;
    // Without a Content-Length the size is known only as "over the limit" when the gateway stops counting.
    expect(error).toEqual({
      message: expect.stringMatching(/^Request size is too large\. Request size is [\d.]+ MB\. Max size is 1 MB$/),
      type: 'bad_request_error',
      param: 'content-length',
      code: '400',
    });
    expect(result.sentWhenAnswered).toBeGreaterThan(MEBIBYTE);
    expect(result.sentWhenAnswered).toBeLessThan(UPLOAD_BYTES / 10);
    expect(result.closedByServer).toBe(true);
    expect(result.sent).toBeLessThan(UPLOAD_BYTES / 4);
    expect(growthMb).toBeLessThan(MAX_RSS_GROWTH_MB);
  });

  it('should read a lying small Content-Length as that many bytes and close on the rest as a malformed request', async () => {
    // 64 bytes declared, then 100 MB more: Node's parser ends the body at 64 bytes and reads what follows as the
    // next request, which is not HTTP. The head, the declared bytes and the first of the rest go in one write,
    // so the parser meets the garbage before the truncated JSON is answered (else that 400 would come first).
    const declared = Buffer.from(`{"model":"demo","messages":[{"role":"user","content":"${'y'.repeat(10)}`);
    const start = Buffer.concat([head({ 'content-length': String(declared.length) }), declared, PIECE.subarray(0, 1024)]);
    const { result, growthMb } = await measured(gateway, () => upload(gateway.port, start, bodyOf(UPLOAD_BYTES)));

    expect(result.response?.status).toBe(400);
    expect(result.response?.headers.connection).toBe('close');
    expect(result.response?.headers['x-content-type-options']).toBe('nosniff');
    expect(result.response?.body).toBe('{"error":{"message":"Malformed HTTP request.","type":"invalid_request_error","param":null,"code":"400"}}');
    expect(result.responses).toBe(1);
    // The gateway stopped reading: the upload ends with the connection, at what the socket buffers held.
    expect(result.closedByServer).toBe(true);
    expect(result.sent).toBeLessThan(UPLOAD_BYTES / 2);
    expect(growthMb).toBeLessThan(MAX_RSS_GROWTH_MB);
  });

  it('should refuse a lying large Content-Length at once, and close quietly when the client gives up', async () => {
    const result = await upload(gateway.port, head({ 'content-length': String(200 * MEBIBYTE) }), bodyOf(1000), { endAfterBody: true });

    expect(result.response?.status).toBe(400);
    expect(JSON.parse(result.response!.body).error.message).toBe('Request size is too large. Request size is 200.0 MB. Max size is 1 MB');
    // The client's end mid-body gets no second (malformed request) answer.
    expect(result.responses).toBe(1);
    expect(result.closedByServer).toBe(true);
  });
});

describe('Request size limit with LiteLLM’s documented example (e2e)', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway(
      `general_settings:\n  master_key: ${MASTER_KEY}\n  max_request_size_mb: 0.000000001\nmodel_list:\n  - model_name: fake-openai-endpoint\n    litellm_params: { model: mock/fake }\n`,
    );
  });

  afterAll(async () => {
    await gateway?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  it('should answer the documented body byte for byte', async () => {
    // The docs' request was 118 bytes (0.0001125335693359375 MB); this one is padded to the same length.
    const compact = JSON.stringify({ model: 'fake-openai-endpoint', messages: [{ role: 'user', content: 'Hello, Claude!' }] });
    const body = compact.padEnd(118, ' ');
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body,
    });

    expect(response.status).toBe(400);
    expect(await response.text()).toBe(
      '{"error":{"message":"Request size is too large. Request size is 0.0001125335693359375 MB. Max size is 1e-09 MB","type":"bad_request_error","param":"content-length","code":"400"}}',
    );
  });
});

/**
 * `max_response_size_mb` is enforced while the upstream body is read: a JSON answer is refused without being
 * buffered past the limit, a stream ends with the error as its last event, and in both cases the upstream
 * request is aborted (the mock counts it).
 */
describe('Response size limit (e2e, openai SDK → gateway → mock upstream)', () => {
  const LIMIT_MB = 1;
  const BIG_BYTES = 16 * MEBIBYTE;
  let mock: MockUpstreamProcess;
  let gateway: TestGateway;
  let client: OpenAI;

  beforeAll(async () => {
    mock = await startMockUpstreamProcess();
    const deployment = (model: string): string => `{ model: openai/${model}, api_base: ${mock.baseUrl}, api_key: sk-upstream }`;
    gateway = await startGateway(
      `general_settings:\n  master_key: ${MASTER_KEY}\n  max_response_size_mb: ${LIMIT_MB}\nmodel_list:\n` +
        `  - model_name: big\n    litellm_params: ${deployment(`big-${BIG_BYTES}`)}\n` +
        `  - model_name: fits\n    litellm_params: ${deployment('big-500000')}\n` +
        `  - model_name: embedding\n    litellm_params: ${deployment('text-embedding-3-small')}\n    model_info: { mode: embedding }\n`,
    );
    client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
  });

  afterAll(async () => {
    await gateway?.close();
    await mock?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  beforeEach(() => mock.reset());

  it('should pass a response under the limit', async () => {
    const reply = await client.chat.completions.create({ model: 'fits', messages: [{ role: 'user', content: 'x' }] });
    expect(reply.choices[0].message.content).toHaveLength(500_000);
  });

  it('should refuse a larger JSON response with a 400 and abort the upstream call', async () => {
    const error = (await client.chat.completions.create({ model: 'big', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as APIError;

    expect(error).toBeInstanceOf(APIError);
    expect(error.status).toBe(400);
    expect(error.error).toEqual({
      // The mock sends no Content-Length, so the size is what had been read when the limit was crossed.
      message: expect.stringMatching(/^Response size is too large\. Response size is 1\.\d+ MB\. Max size is 1 MB$/),
      type: 'bad_request_error',
      param: 'content-length',
      code: '400',
    });
    await waitFor(async () => (await mock.stats()).aborted === 1);
  });

  it('should end a larger stream with the error as its last event, which the SDK throws', async () => {
    const stream = await client.chat.completions.create({ model: 'big', messages: [{ role: 'user', content: 'x' }], stream: true });
    let received = 0;
    const error = await (async () => {
      for await (const chunk of stream) received += chunk.choices[0]?.delta?.content?.length ?? 0;
    })().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).error).toEqual({
      message: expect.stringMatching(/^Response size is too large\. Response size is 1\.\d+ MB\. Max size is 1 MB$/),
      type: 'bad_request_error',
      param: 'content-length',
      code: '400',
    });
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThanOrEqual(LIMIT_MB * MEBIBYTE);
    await waitFor(async () => (await mock.stats()).aborted === 1);
    expect((await mock.stats()).completedStreams).toBe(0);
  });

  it('should close the SSE body with one error event and no [DONE]', async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'big', messages: [{ role: 'user', content: 'x' }], stream: true }),
    });
    expect(response.status).toBe(200);
    const events = (await response.text()).split('\n\n').filter((event) => event !== '');

    expect(events.at(-1)).toMatch(/^data: \{"error":\{"message":"Response size is too large\. [^"]+","type":"bad_request_error","param":"content-length","code":"400"\}\}$/);
    expect(events.filter((event) => event.includes('"error"'))).toHaveLength(1);
    expect(events).not.toContain('data: [DONE]');
  });

  it('should refuse a larger embeddings response by its declared Content-Length', async () => {
    // ~2 MB of JSON with a Content-Length: refused before a byte of the body is read.
    await mock.configure({ embedDim: 100_000 });
    try {
      const error = (await client.embeddings.create({ model: 'embedding', input: 'x', encoding_format: 'float' }).catch((e: unknown) => e)) as APIError;
      expect(error).toBeInstanceOf(APIError);
      expect(error.status).toBe(400);
      expect(error.message).toMatch(/Response size is too large\. Response size is \d\.\d+ MB\. Max size is 1 MB$/);
    } finally {
      await mock.configure({ embedDim: 8 });
    }
  });
});

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface UploadResult {
  /** The first response on the wire. */
  response?: RawResponse;
  /** How many status lines came back. */
  responses: number;
  /** Body bytes written when the upload stopped. */
  sent: number;
  /** Body bytes written when the response arrived. */
  sentWhenAnswered: number;
  closedByServer: boolean;
}

function head(headers: Record<string, string>): Buffer {
  const lines = Object.entries({ host: 'localhost', authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json', ...headers })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return Buffer.from(`POST /v1/chat/completions HTTP/1.1\r\n${lines}\r\n`);
}

/** `total` bytes in 64 KB pieces, all the same buffer: nothing the size of the body exists in this process. */
function* bodyOf(total: number): Generator<Buffer> {
  for (let sent = 0; sent < total; sent += PIECE.length) yield total - sent >= PIECE.length ? PIECE : PIECE.subarray(0, total - sent);
}

function* chunked(pieces: Iterable<Buffer>): Generator<Buffer> {
  for (const piece of pieces) {
    yield Buffer.from(`${piece.length.toString(16)}\r\n`);
    yield piece;
    yield Buffer.from('\r\n');
  }
  yield Buffer.from('0\r\n\r\n');
}

/**
 * Writes `start`, then the body with backpressure until it is all sent or the server closes, collecting what
 * comes back. Resolves once the socket is closed, or the upload is done and the first response is complete.
 */
function upload(port: number, start: Buffer, body: Iterable<Buffer>, options: { endAfterBody?: boolean } = {}): Promise<UploadResult> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let sent = 0;
    let sentWhenAnswered = -1;
    let uploaded = false;
    let closedByServer = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no end after 30 s (sent ${sent}, received ${received.length} bytes)`));
    }, 30_000);
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      const text = received.toString('latin1');
      resolve({ response: parseFirstResponse(text), responses: text.match(/^HTTP\/1\.1 \d{3}/gm)?.length ?? 0, sent, sentWhenAnswered, closedByServer });
    };
    const settleIfDone = (): void => {
      if (uploaded && !options.endAfterBody && parseFirstResponse(received.toString('latin1'))) {
        socket.destroy();
        finish();
      }
    };
    socket.on('data', (data: Buffer) => {
      if (sentWhenAnswered < 0) sentWhenAnswered = sent;
      received = Buffer.concat([received, data]);
      settleIfDone();
    });
    socket.on('end', () => (closedByServer = true));
    socket.on('error', () => (closedByServer = true));
    socket.on('close', finish);
    const sendBody = async (): Promise<void> => {
      socket.write(start);
      for (const piece of body) {
        if (socket.destroyed || socket.writableEnded) break;
        if (!socket.write(piece)) await new Promise<void>((done) => drainOrClose(socket, done));
        sent += piece.length;
        // Read while writing, as fetch and curl do: loopback takes megabytes without blocking, and a client that
        // only reads when its writes block may find its answer gone with the connection.
        await new Promise((resolve) => setImmediate(resolve));
      }
      uploaded = true;
      if (options.endAfterBody && !socket.destroyed) socket.end();
      settleIfDone();
    };
    socket.once('connect', () => void sendBody().catch(reject));
  });
}

function drainOrClose(socket: Socket, done: () => void): void {
  const stop = (): void => {
    socket.off('drain', stop);
    socket.off('close', stop);
    done();
  };
  socket.on('drain', stop);
  socket.on('close', stop);
}

function parseFirstResponse(text: string): RawResponse | undefined {
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) return undefined;
  const [statusLine, ...lines] = text.slice(0, headEnd).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length']);
  if (text.length < headEnd + 4 + length) return undefined;
  return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(headEnd + 4, headEnd + 4 + length) };
}

/** Runs `work` while sampling the child's RSS every 25 ms; the growth is the peak over the baseline. */
async function measured<T>(gateway: BuiltGateway, work: () => Promise<T>): Promise<{ result: T; growthMb: number }> {
  const baseline = gateway.rssMb();
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, gateway.rssMb())), 25);
  try {
    const result = await work();
    peak = Math.max(peak, gateway.rssMb());
    // Reported so the figures can be compared over time (Jest shows console output of the suite).
    console.info(`RSS baseline ${baseline.toFixed(1)} MB, peak growth ${(peak - baseline).toFixed(1)} MB`);
    return { result, growthMb: peak - baseline };
  } finally {
    clearInterval(sampler);
  }
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('condition not met in time');
}
