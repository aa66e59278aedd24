import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

export interface RecordedProviderRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Raw body bytes (multipart uploads, signed bodies). */
  raw: Buffer;
  /** The body parsed as JSON, when it is JSON. */
  body: Record<string, unknown> | null;
}

export interface ProviderExchange {
  request: RecordedProviderRequest;
  res: ServerResponse;
}

/** Answers one request, or returns false when the path is not this provider's. */
export type ProviderHandler = (exchange: ProviderExchange) => boolean | Promise<boolean>;

/** Takes a websocket upgrade (a realtime endpoint), or returns false when the path is not this provider's. */
export type UpgradeHandler = (request: IncomingMessage, socket: Duplex, head: Buffer) => boolean;

export interface MockProviderServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  requests: RecordedProviderRequest[];
  close(): Promise<void>;
}

/**
 * A loopback HTTP server speaking one or more providers' wire formats (each handler in its own file). Records
 * every request so tests can check what the gateway really sent: headers, translated bodies, signatures.
 */
export async function startMockProviderServer(handlers: ProviderHandler[], upgrades: UpgradeHandler[] = []): Promise<MockProviderServer> {
  const requests: RecordedProviderRequest[] = [];
  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `mock failure: ${String(error)}` } });
      else res.destroy();
    });
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const parts: Buffer[] = [];
    for await (const part of req) parts.push(part as Buffer);
    const raw = Buffer.concat(parts);
    let body: Record<string, unknown> | null;
    try {
      body = raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : null;
    } catch {
      body = null;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
    const request: RecordedProviderRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers, raw, body };
    requests.push(request);
    for (const handler of handlers) if (await handler({ request, res })) return;
    sendJson(res, 404, { error: { message: `mock: no route for ${request.method} ${request.path}` } });
  }
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    for (const upgrade of upgrades) if (upgrade(req, socket, head)) return;
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** Writes stream pieces with a pause between them, so the gateway sees them arrive apart as from a real provider. */
export async function writeSlowly(res: ServerResponse, pieces: (string | Buffer)[], pauseMs = 2): Promise<void> {
  for (const piece of pieces) {
    if (res.destroyed) return;
    res.write(piece);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  res.end();
}

/** The mocks' tokenizer: about four characters a token, as for English text. */
export function tokensOf(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

export function words(text: string): string[] {
  return text.match(/\S+\s*/g) ?? [text];
}
