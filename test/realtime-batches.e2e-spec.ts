import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { toFile } from 'openai';
import OpenAI from 'openai';
import { DataSource } from 'typeorm';
import WebSocket from 'ws';
import { SpendLedgerService } from '../src/spend/spend-ledger.service';
import { apiClient } from './support/api-client';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { startMockProviderServer, type MockProviderServer } from './support/mock-providers/mock-provider-server';
import { AZURE_MEDIA_TEST_KEY, BATCH_LINE_USAGE, OPENAI_MEDIA_TEST_KEY, openAiMediaMock } from './support/mock-providers/openai-media.mock';
import { openAiRealtimeMock, type RealtimeMock } from './support/mock-providers/openai-realtime.mock';

const MASTER_KEY = 'sk-e2e-rtb-master';
/** gpt-realtime prices: text in/out and audio in (the mock's usage has 60 text + 40 audio in, 50 text out). */
const REALTIME_PRICES = 'input_cost_per_token: 0.00001, output_cost_per_token: 0.00002, input_cost_per_audio_token: 0.0001';
const RESPONSE_COST = 60 * 0.00001 + 40 * 0.0001 + 50 * 0.00002;
/** Batch lines are priced at half these (no batch prices configured). */
const BATCH_PRICES = 'input_cost_per_token: 0.000002, output_cost_per_token: 0.000008';

interface RealtimeEvent {
  type: string;
  error?: { message: string; type: string; code: string | null };
  response?: { id: string; usage?: unknown };
  delta?: string;
}

interface Refusal {
  status: number;
  body: { error?: { message: string; type: string; code: string } };
}

interface SpendRow {
  request_id: string;
  call_type: string;
  spend: number;
  prompt_tokens: number;
  completion_tokens: number;
  model_group: string;
  key_id: string | null;
  team_id: string | null;
  provider_response_id: string | null;
}

/** A connected realtime client: every event it received, and a way to wait for the next of a type. */
class RealtimeClient {
  readonly events: RealtimeEvent[] = [];
  /** The 101's headers (`x-litellm-call-id` …). */
  headers: IncomingMessage['headers'] = {};
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: { type: string; resolve: (event: RealtimeEvent) => void }[] = [];

  constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const event = JSON.parse(String(data)) as RealtimeEvent;
      this.events.push(event);
      this.waiters = this.waiters.filter((waiter) => (waiter.type === event.type ? (waiter.resolve(event), false) : true));
    });
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  next(type: string): Promise<RealtimeEvent> {
    const seen = this.events.find((event) => event.type === type && !(event as { taken?: boolean }).taken);
    if (seen) {
      (seen as { taken?: boolean }).taken = true;
      return Promise.resolve(seen);
    }
    return new Promise((resolve) =>
      this.waiters.push({
        type,
        resolve: (event) => {
          (event as { taken?: boolean }).taken = true;
          resolve(event);
        },
      }),
    );
  }

  send(event: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(event));
  }

  close(): Promise<{ code: number; reason: string }> {
    this.socket.close();
    return this.closed;
  }
}

describe('Realtime websockets and the Batch API through the gateway (e2e, ws and the openai SDK)', () => {
  let mock: MockProviderServer;
  let realtime: RealtimeMock;
  let gateway: TestGateway;
  const api = apiClient(() => gateway.url, MASTER_KEY);

  beforeAll(async () => {
    realtime = openAiRealtimeMock();
    mock = await startMockProviderServer([openAiMediaMock()], [realtime.upgrade]);
    const yaml = `general_settings:
  master_key: ${MASTER_KEY}
model_list:
  - model_name: gpt-realtime
    litellm_params: { model: openai/gpt-4o-realtime-preview, api_base: ${mock.url}/v1, api_key: os.environ/E2E_OPENAI_KEY, ${REALTIME_PRICES} }
  - model_name: azure-realtime
    litellm_params: { model: azure/my-realtime, api_base: ${mock.url}, api_key: os.environ/E2E_AZURE_KEY, api_version: "2024-10-01-preview", ${REALTIME_PRICES} }
  - model_name: gpt-batch
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${mock.url}/v1, api_key: os.environ/E2E_OPENAI_KEY, ${BATCH_PRICES} }
  - model_name: azure-batch
    litellm_params: { model: azure/my-batch, api_base: ${mock.url}, api_key: os.environ/E2E_AZURE_KEY, api_version: "2024-10-21", ${BATCH_PRICES} }
`;
    gateway = await startGateway(yaml, { env: { E2E_OPENAI_KEY: OPENAI_MEDIA_TEST_KEY, E2E_AZURE_KEY: AZURE_MEDIA_TEST_KEY } });
  });

  afterAll(async () => {
    await gateway?.close();
    await mock?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  async function newKey(params: Record<string, unknown> = {}): Promise<{ key: string; id: string }> {
    const { status, body } = await api.post<{ key: string; token_id: string }>('/key/generate', params);
    expect(status).toBe(200);
    return { key: body.key, id: body.token_id };
  }

  /** What spend rows carry in `api_key`: the key's sha256, never the key. */
  function hashOf(key: string): string {
    return createHash('sha256').update(key).digest('hex');
  }

  async function rows(where: string, params: unknown[]): Promise<SpendRow[]> {
    await gateway.app.get(SpendLedgerService).flush();
    return (await gateway.app.get(DataSource).query(`SELECT * FROM tollgate_spend_logs WHERE ${where} ORDER BY start_time`, params)) as SpendRow[];
  }

  /** Opens `/v1/realtime?…` as a client would; resolves to the client, or rejects with the HTTP refusal. */
  function connect(query: string, options: { key?: string; header?: 'authorization' | 'api-key' | 'subprotocol'; path?: string } = {}): Promise<RealtimeClient> {
    const key = options.key ?? MASTER_KEY;
    const how = options.header ?? 'authorization';
    const headers: Record<string, string> = how === 'authorization' ? { authorization: `Bearer ${key}` } : how === 'api-key' ? { 'api-key': key } : {};
    const protocols = how === 'subprotocol' ? ['realtime', `openai-insecure-api-key.${key}`, 'openai-beta.realtime-v1'] : undefined;
    const url = `${gateway.url.replace('http', 'ws')}${options.path ?? '/v1/realtime'}?${query}`;
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, protocols, { headers });
      const client = new RealtimeClient(socket);
      socket.once('upgrade', (response: IncomingMessage) => (client.headers = response.headers));
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (_request, response: IncomingMessage) => {
        let text = '';
        response.on('data', (part: Buffer) => (text += part.toString()));
        response.on('end', () => {
          let body: Refusal['body'] = {};
          try {
            body = JSON.parse(text) as Refusal['body'];
          } catch {
            // An empty or non-JSON refusal: the status says it.
          }
          reject({ status: response.statusCode ?? 0, body } satisfies Refusal);
        });
      });
      socket.once('error', (error) => reject(error));
    });
  }

  async function refusal(promise: Promise<RealtimeClient>): Promise<Refusal> {
    try {
      const client = await promise;
      await client.close();
    } catch (error) {
      return error as Refusal;
    }
    throw new Error('the realtime connection was accepted');
  }

  describe('realtime', () => {
    it('should relay a session to OpenAI and write one realtime spend row per response.done', async () => {
      const { key } = await newKey({ models: ['gpt-realtime'] });
      const client = await connect('model=gpt-realtime', { key });
      expect((await client.next('session.created')).type).toBe('session.created');
      const upstream = realtime.connections.at(-1)!;
      expect(upstream.path).toBe('/v1/realtime?model=gpt-4o-realtime-preview');
      expect(upstream.headers.authorization).toBe(`Bearer ${OPENAI_MEDIA_TEST_KEY}`);
      expect(upstream.headers['openai-beta']).toBe('realtime=v1');

      client.send({ type: 'response.create' });
      const first = await client.next('response.done');
      client.send({ type: 'response.create' });
      const second = await client.next('response.done');
      expect(
        client.events
          .filter((event) => event.type === 'response.text.delta')
          .map((event) => event.delta)
          .join(''),
      ).toBe('Hello from realtimeHello from realtime');
      await client.close();

      const charged = await rows(`call_type = 'realtime' AND api_key = $1`, [hashOf(key)]);
      expect(charged.map((row) => row.provider_response_id)).toEqual([first.response!.id, second.response!.id]);
      for (const row of charged) {
        expect(row.prompt_tokens).toBe(100);
        expect(row.completion_tokens).toBe(50);
        expect(row.model_group).toBe('gpt-realtime');
        expect(Number(row.spend)).toBeCloseTo(RESPONSE_COST, 10);
      }
      // Each response's row is named after the session's call id, which the 101 carried.
      const callId = client.headers['x-litellm-call-id'] as string;
      expect(callId).toMatch(/^rt_/);
      expect(charged.map((row) => row.request_id)).toEqual([`${callId}_1`, `${callId}_2`]);
      const info = await api.get<{ info: { spend: number } }>(`/key/info?key=${encodeURIComponent(key)}`);
      expect(info.body.info.spend).toBeCloseTo(2 * RESPONSE_COST, 10);
    });

    it('should take the key from the api-key header and from the browser subprotocol, on /realtime too', async () => {
      const { key } = await newKey();
      const viaHeader = await connect('model=gpt-realtime', { key, header: 'api-key', path: '/realtime' });
      await viaHeader.next('session.created');
      await viaHeader.close();
      const viaProtocol = await connect('model=gpt-realtime', { key, header: 'subprotocol' });
      expect(viaProtocol.socket.protocol).toBe('realtime');
      await viaProtocol.next('session.created');
      // The key never travels upstream: the provider gets the deployment's own credentials.
      expect(JSON.stringify(realtime.connections.at(-1)!.headers)).not.toContain(key);
      await viaProtocol.close();
    });

    it('should serve Azure realtime deployments on /openai/realtime with api-key', async () => {
      const client = await connect('model=azure-realtime');
      await client.next('session.created');
      const upstream = realtime.connections.at(-1)!;
      expect(upstream.path).toBe('/openai/realtime?api-version=2024-10-01-preview&deployment=my-realtime');
      expect(upstream.headers['api-key']).toBe(AZURE_MEDIA_TEST_KEY);
      client.send({ type: 'response.create' });
      await client.next('response.done');
      await client.close();
    });

    it('should refuse a missing or bad key, a model the key may not use, an unknown model and a plain GET', async () => {
      const opened = realtime.connections.length;
      const missing = await refusal(
        new Promise<RealtimeClient>((resolve, reject) => {
          const socket = new WebSocket(`${gateway.url.replace('http', 'ws')}/v1/realtime?model=gpt-realtime`);
          socket.once('open', () => resolve(new RealtimeClient(socket)));
          socket.once('unexpected-response', (_request, response: IncomingMessage) => reject({ status: response.statusCode, body: {} }));
          socket.once('error', reject);
        }),
      );
      expect(missing.status).toBe(401);
      const bad = await refusal(connect('model=gpt-realtime', { key: 'sk-not-a-key' }));
      expect(bad.status).toBe(401);
      expect(bad.body.error?.type).toBe('auth_error');
      const badProtocol = await refusal(connect('model=gpt-realtime', { key: 'sk-not-a-key', header: 'subprotocol' }));
      expect(badProtocol.status).toBe(401);

      const { key } = await newKey({ models: ['gpt-realtime'] });
      const forbidden = await refusal(connect('model=azure-realtime', { key }));
      expect(forbidden.status).toBe(401);
      expect(forbidden.body.error?.message).toContain('azure-realtime');
      const unknown = await refusal(connect('model=no-such-model', { key: MASTER_KEY }));
      expect(unknown.status).toBe(400);
      expect(unknown.body.error?.message).toContain('Invalid model name passed in model=no-such-model');
      const noModel = await refusal(connect('', { key: MASTER_KEY }));
      expect(noModel.status).toBe(400);
      expect(realtime.connections.length).toBe(opened);

      const plain = await fetch(`${gateway.url}/v1/realtime?model=gpt-realtime`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
      expect(plain.status).toBe(426);
      expect(((await plain.json()) as Refusal['body']).error?.code).toBe('426');
    });

    it('should hold the key’s parallel slot for the life of the socket', async () => {
      const { key } = await newKey({ max_parallel_requests: 1 });
      const first = await connect('model=gpt-realtime', { key });
      await first.next('session.created');
      const second = await refusal(connect('model=gpt-realtime', { key }));
      expect(second.status).toBe(429);
      expect(second.body.error?.message).toContain('Max parallel request limit reached');
      await first.close();
      // The slot is given back when the socket closes (asynchronously on the server's side).
      let third: RealtimeClient | undefined;
      for (let attempt = 0; attempt < 50 && !third; attempt++) {
        third = await connect('model=gpt-realtime', { key }).catch(async () => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          return undefined;
        });
      }
      expect(third).toBeDefined();
      await third!.close();
    });

    it('should count a connect against the key’s rpm', async () => {
      const { key } = await newKey({ rpm_limit: 1 });
      const first = await connect('model=gpt-realtime', { key });
      await first.next('session.created');
      await first.close();
      const second = await refusal(connect('model=gpt-realtime', { key }));
      expect(second.status).toBe(429);
      expect(second.body.error?.message).toContain('Crossed RPM Limit');
    });

    it('should stop a session whose budget a response exhausted, with an error event, and refuse the next connect', async () => {
      const { key } = await newKey({ max_budget: RESPONSE_COST * 0.9 });
      const client = await connect('model=gpt-realtime', { key });
      await client.next('session.created');
      const responsesBefore = realtime.clientEvents.filter((type) => type === 'response.create').length;
      client.send({ type: 'response.create' });
      await client.next('response.done');
      const stop = await client.next('error');
      expect(stop.error?.type).toBe('budget_exceeded');
      const closed = await client.closed;
      expect(closed.code).toBe(1008);
      // Nothing more reached the provider.
      expect(realtime.clientEvents.filter((type) => type === 'response.create').length).toBe(responsesBefore + 1);

      const again = await refusal(connect('model=gpt-realtime', { key }));
      expect(again.status).toBe(400);
      expect(again.body.error?.type).toBe('budget_exceeded');
      const charged = await rows(`call_type = 'realtime' AND api_key = $1 AND spend > 0`, [hashOf(key)]);
      expect(charged).toHaveLength(1);
    });

    it('should refuse a response.create once the budget is spent elsewhere, without forwarding it', async () => {
      const { key } = await newKey({ max_budget: RESPONSE_COST * 1.5 });
      const a = await connect('model=gpt-realtime', { key });
      const b = await connect('model=gpt-realtime', { key });
      await a.next('session.created');
      await b.next('session.created');
      a.send({ type: 'response.create' });
      await a.next('response.done');
      a.send({ type: 'response.create' });
      await a.next('response.done');
      await a.closed;
      const before = realtime.clientEvents.length;
      b.send({ type: 'response.create' });
      const refused = await b.next('error');
      expect(refused.error?.type).toBe('budget_exceeded');
      expect((await b.closed).code).toBe(1008);
      expect(realtime.clientEvents.length).toBe(before);
    });
  });

  describe('batches', () => {
    function clientFor(key: string): OpenAI {
      return new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    }

    const jsonl = (n: number): string =>
      Array.from({ length: n }, (_, i) =>
        JSON.stringify({
          custom_id: `req-${i}`,
          method: 'POST',
          url: '/v1/chat/completions',
          body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `question ${i}` }] },
        }),
      ).join('\n');

    async function upload(client: OpenAI, lines: number, model = 'gpt-batch'): Promise<string> {
      const file = await client.files.create({ file: await toFile(Buffer.from(jsonl(lines)), 'batch.jsonl'), purpose: 'batch' }, { query: { model } } as never);
      return file.id;
    }

    it('should create, list, retrieve and charge a completed batch once, at half price, to the key that created it', async () => {
      const team = await api.post<{ team_id: string }>('/team/new', { team_alias: 'batch-team' });
      const { key } = await newKey({ team_id: team.body.team_id });
      const client = clientFor(key);
      const fileId = await upload(client, 3);
      const created = await client.batches.create({ input_file_id: fileId, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { job: 'nightly' } });
      expect(created.status).toBe('validating');
      const sent = mock.requests.find((request) => request.path === '/v1/batches' && request.method === 'POST')!;
      expect(sent.body).toEqual({ input_file_id: fileId, endpoint: '/v1/chat/completions', completion_window: '24h', metadata: { job: 'nightly' } });

      const listed = await client.batches.list({ limit: 10 });
      expect(listed.data.map((batch) => batch.id)).toEqual([created.id]);
      expect((await client.batches.retrieve(created.id)).status).toBe('in_progress');
      expect(await rows(`call_type = 'batch' AND request_id = $1`, [created.id])).toHaveLength(0);

      // Concurrent retrieves of the completed batch: its spend lands once.
      const retrieved = await Promise.all(Array.from({ length: 4 }, () => client.batches.retrieve(created.id)));
      expect(retrieved.map((batch) => batch.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
      await client.batches.retrieve(created.id);
      const charged = await rows(`call_type = 'batch'`, []);
      const mine = charged.filter((row) => row.request_id === created.id);
      expect(mine).toHaveLength(1);
      const expected = 3 * (BATCH_LINE_USAGE.prompt_tokens * 0.000001 + BATCH_LINE_USAGE.completion_tokens * 0.000004);
      expect(Number(mine[0].spend)).toBeCloseTo(expected, 10);
      expect(mine[0].prompt_tokens).toBe(300);
      expect(mine[0].completion_tokens).toBe(120);
      expect((mine[0] as SpendRow & { api_key: string }).api_key).toBe(hashOf(key));
      expect(mine[0].team_id).toBe(team.body.team_id);
      const info = await api.get<{ info: { spend: number } }>(`/key/info?key=${encodeURIComponent(key)}`);
      expect(info.body.info.spend).toBeCloseTo(expected, 10);
      const teamInfo = await api.get<{ team_info: { spend: number } }>(`/team/info?team_id=${team.body.team_id}`);
      expect(teamInfo.body.team_info.spend).toBeCloseTo(expected, 10);
    });

    it('should keep a key’s batches and files from every other key (404), and list only its own', async () => {
      const owner = clientFor((await newKey()).key);
      const other = clientFor((await newKey()).key);
      const fileId = await upload(owner, 1);
      const batch = await owner.batches.create({ input_file_id: fileId, endpoint: '/v1/chat/completions', completion_window: '24h' });

      const notFound = async (call: Promise<unknown>): Promise<number> => {
        try {
          await call;
        } catch (error) {
          return (error as { status: number }).status;
        }
        return 200;
      };
      expect(await notFound(other.batches.retrieve(batch.id))).toBe(404);
      expect(await notFound(other.batches.cancel(batch.id))).toBe(404);
      expect(await notFound(other.files.retrieve(fileId))).toBe(404);
      expect(await notFound(other.files.content(fileId))).toBe(404);
      expect(await notFound(other.files.delete(fileId))).toBe(404);
      expect(await notFound(other.batches.create({ input_file_id: fileId, endpoint: '/v1/chat/completions', completion_window: '24h' }))).toBe(404);
      expect((await other.batches.list()).data).toEqual([]);
      expect((await other.files.list({ query: { model: 'gpt-batch' } } as never)).data).toEqual([]);
      expect((await owner.batches.list()).data.map((b) => b.id)).toEqual([batch.id]);
      expect((await owner.files.retrieve(fileId)).id).toBe(fileId);

      const cancelled = await owner.batches.cancel(batch.id);
      expect(cancelled.status).toBe('cancelling');
      expect((await owner.batches.retrieve(batch.id)).status).toBe('cancelled');
      expect(await notFound(owner.batches.retrieve('batch_does_not_exist'))).toBe(404);
    });

    it('should run batches on Azure deployments (resource-level /openai/batches), chosen by target_model_names or custom_llm_provider', async () => {
      const client = clientFor((await newKey()).key);
      const fileId = await upload(client, 2, 'azure-batch');
      expect(mock.requests.at(-1)!.path).toBe('/openai/files?api-version=2024-10-21');
      const batch = await client.batches.create({ input_file_id: fileId, endpoint: '/v1/chat/completions', completion_window: '24h', target_model_names: 'azure-batch' } as never);
      const sent = mock.requests.at(-1)!;
      expect(sent.path).toBe('/openai/batches?api-version=2024-10-21');
      expect(sent.headers['api-key']).toBe(AZURE_MEDIA_TEST_KEY);
      expect(sent.body).toEqual({ input_file_id: fileId, endpoint: '/v1/chat/completions', completion_window: '24h' });
      await client.batches.retrieve(batch.id);
      expect(mock.requests.at(-1)!.path).toBe(`/openai/batches/${batch.id}?api-version=2024-10-21`);
      expect((await client.batches.retrieve(batch.id)).status).toBe('completed');
      const [row] = await rows(`call_type = 'batch' AND request_id = $1`, [batch.id]);
      expect(row.model_group).toBe('azure-batch');
      expect(Number(row.spend)).toBeCloseTo(2 * (100 * 0.000001 + 40 * 0.000004), 10);

      const viaProvider = await fetch(`${gateway.url}/batches`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ input_file_id: await upload(clientFor(MASTER_KEY), 1), endpoint: '/v1/chat/completions', completion_window: '24h', custom_llm_provider: 'azure' }),
      });
      expect(viaProvider.status).toBe(200);
      // The first Azure deployment configured (here the realtime one, with its own api_version).
      expect(mock.requests.at(-1)!.path).toBe('/openai/batches?api-version=2024-10-01-preview');
    });

    it('should refuse a batch without its required fields, and requests without a valid key', async () => {
      const client = clientFor(MASTER_KEY);
      const missing = await fetch(`${gateway.url}/v1/batches`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ endpoint: '/v1/chat/completions', completion_window: '24h' }),
      });
      expect(missing.status).toBe(400);
      expect(((await missing.json()) as Refusal['body']).error?.message).toBe("Missing required parameter: 'input_file_id'.");
      const anonymous = await fetch(`${gateway.url}/v1/batches`);
      expect(anonymous.status).toBe(401);
      const bad = await fetch(`${gateway.url}/v1/batches`, { headers: { authorization: 'Bearer sk-nope' } });
      expect(bad.status).toBe(401);
      expect(Array.isArray((await client.batches.list()).data)).toBe(true);
    });
  });
});
