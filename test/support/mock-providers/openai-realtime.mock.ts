import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { UpgradeHandler } from './mock-provider-server';
import { AZURE_MEDIA_TEST_KEY, OPENAI_MEDIA_TEST_KEY } from './openai-media.mock';

/** What every mocked response reports in `response.done`: text and audio input, text output. */
export const REALTIME_USAGE = Object.freeze({
  total_tokens: 150,
  input_tokens: 100,
  output_tokens: 50,
  input_token_details: { cached_tokens: 0, text_tokens: 60, audio_tokens: 40 },
  output_token_details: { text_tokens: 50, audio_tokens: 0 },
});

export interface RealtimeMock {
  readonly upgrade: UpgradeHandler;
  /** What the mock saw: each accepted connection (path, headers) and each client event type, in order. */
  readonly connections: { path: string; headers: Record<string, string | string[] | undefined> }[];
  readonly clientEvents: string[];
  /** Sockets open right now. */
  open(): number;
}

const OPENAI_PATH = /^\/v1\/realtime\?model=([^&]+)$/;
const AZURE_PATH = /^\/openai\/realtime\?api-version=[\w-]+&deployment=([^&]+)$/;

/**
 * OpenAI's realtime websocket (`/v1/realtime?model=…` with `Authorization: Bearer` and `OpenAI-Beta: realtime=v1`)
 * and Azure's (`/openai/realtime?api-version=…&deployment=…` with `api-key`). A refused key gets an HTTP 401 before
 * any upgrade. It greets with `session.created`; `response.create` gets `response.created`, text deltas and a
 * `response.done` with REALTIME_USAGE; `session.update` gets `session.updated`.
 */
export function openAiRealtimeMock(): RealtimeMock {
  const server = new WebSocketServer({ noServer: true });
  const connections: RealtimeMock['connections'] = [];
  const clientEvents: string[] = [];
  const refuse = (socket: Duplex, status: number, message: string): true => {
    const body = JSON.stringify({ error: { message, type: 'invalid_request_error', code: null, param: null } });
    socket.end(`HTTP/1.1 ${status} Refused\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    return true;
  };
  const upgrade: UpgradeHandler = (request: IncomingMessage, socket, head) => {
    const path = request.url ?? '';
    const openAi = OPENAI_PATH.exec(path);
    const azure = AZURE_PATH.exec(path);
    if (!openAi && !azure) return false;
    if (openAi && (request.headers.authorization !== `Bearer ${OPENAI_MEDIA_TEST_KEY}` || request.headers['openai-beta'] !== 'realtime=v1'))
      return refuse(socket, 401, 'Incorrect API key provided.');
    if (azure && request.headers['api-key'] !== AZURE_MEDIA_TEST_KEY) return refuse(socket, 401, 'Access denied due to invalid subscription key.');
    const model = decodeURIComponent((openAi ?? azure)![1]);
    connections.push({ path, headers: { ...request.headers } });
    server.handleUpgrade(request, socket, head, (ws) => converse(ws, model, clientEvents));
    return true;
  };
  return { upgrade, connections, clientEvents, open: () => server.clients.size };
}

function converse(ws: WebSocket, model: string, clientEvents: string[]): void {
  const send = (event: Record<string, unknown>): void => ws.send(JSON.stringify({ event_id: `event_${randomUUID().slice(0, 8)}`, ...event }));
  const session = { id: `sess_${randomUUID().slice(0, 8)}`, object: 'realtime.session', model, modalities: ['text', 'audio'] };
  send({ type: 'session.created', session });
  ws.on('message', (data) => {
    let event: { type?: string; session?: Record<string, unknown> };
    try {
      event = JSON.parse(String(data)) as typeof event;
    } catch {
      send({ type: 'error', error: { type: 'invalid_request_error', message: 'Invalid JSON' } });
      return;
    }
    clientEvents.push(event.type ?? '');
    if (event.type === 'session.update') send({ type: 'session.updated', session: { ...session, ...event.session } });
    if (event.type !== 'response.create') return;
    const id = `resp_${randomUUID().slice(0, 8)}`;
    const item = `item_${randomUUID().slice(0, 8)}`;
    send({ type: 'response.created', response: { id, object: 'realtime.response', status: 'in_progress', output: [], usage: null } });
    for (const delta of ['Hello', ' from', ' realtime']) send({ type: 'response.text.delta', response_id: id, item_id: item, output_index: 0, content_index: 0, delta });
    send({ type: 'response.text.done', response_id: id, item_id: item, output_index: 0, content_index: 0, text: 'Hello from realtime' });
    send({
      type: 'response.done',
      response: {
        id,
        object: 'realtime.response',
        status: 'completed',
        output: [{ id: item, type: 'message', role: 'assistant', content: [{ type: 'text', text: 'Hello from realtime' }] }],
        usage: REALTIME_USAGE,
      },
    });
  });
}
