import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { SpendLedgerService } from '../src/spend/spend-ledger.service';
import { refusedSubpaths, SERVED_SUBPATHS } from './fixtures/security/pass-through-paths';
import { apiClient } from './support/api-client';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';

const MASTER_KEY = 'sk-pass-master';
const TARGET_SECRET = 'sk-target-secret-42';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

describe('Pass-through endpoints (e2e, a local target records what it receives)', () => {
  let target: Server;
  const received: Received[] = [];
  let gateway: TestGateway;
  const api = apiClient(() => gateway.url, MASTER_KEY);

  beforeAll(async () => {
    target = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
        response.setHeader('content-type', 'application/json');
        response.setHeader('x-target', 'yes');
        response.end(JSON.stringify({ model: 'gpt-4o', results: [{ index: 0, relevance_score: 0.9 }], usage: { prompt_tokens: 100, completion_tokens: 20 } }));
      });
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    gateway = await startGateway(
      `
general_settings:
  master_key: ${MASTER_KEY}
  pass_through_endpoints:
    - path: /v1/rerank
      target: ${origin}/v1/rerank
      headers:
        Authorization: "bearer os.environ/TARGET_SECRET"
        x-provider-tier: gold
      forward_headers: true
      auth: true
    - path: /public-echo
      target: ${origin}/echo
      include_subpath: true
    - path: /pt
      target: ${origin}/v1
      include_subpath: true
      auth: true
      headers:
        Authorization: "bearer os.environ/TARGET_SECRET"
    - path: /custom-key
      target: ${origin}/custom
      auth: true
      headers:
        litellm_user_api_key: x-my-key
model_list:
  - model_name: demo
    litellm_params: { model: mock/demo }
`,
      { env: { TARGET_SECRET } },
    );
  });

  afterAll(async () => {
    await gateway?.close();
    await new Promise((resolve) => target?.close(resolve));
    if (gateway) discardStorage(gateway.storage);
  });

  const rerank = (headers: Record<string, string>) =>
    fetch(`${gateway.url}/v1/rerank?top_n=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-trace-id': 'trace-7', ...headers },
      body: JSON.stringify({ model: 'rerank-english-v3.0', query: 'q', documents: ['a', 'b'] }),
    });

  it('should refuse a caller without a Tollgate key and never reach the target', async () => {
    const before = received.length;
    const response = await rerank({});
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain('No api key passed in');
    expect(received.length).toBe(before);
  });

  it('should forward a keyed call with server-side headers, never the caller key, and log its spend', async () => {
    const { body: generated } = await api.post<{ key: string; token: string }>('/key/generate', {});
    const response = await rerank({ authorization: `Bearer ${generated.key}` });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-target')).toBe('yes');
    const callId = response.headers.get('x-litellm-call-id');
    const sent = received[received.length - 1];
    expect(sent).toMatchObject({ method: 'POST', url: '/v1/rerank?top_n=1' });
    expect(JSON.parse(sent.body)).toEqual({ model: 'rerank-english-v3.0', query: 'q', documents: ['a', 'b'] });
    expect(sent.headers.authorization).toBe(`bearer ${TARGET_SECRET}`);
    expect(sent.headers['x-provider-tier']).toBe('gold');
    expect(sent.headers['x-trace-id']).toBe('trace-7');
    expect(JSON.stringify(sent.headers)).not.toContain(generated.key);

    await gateway.app.get(SpendLedgerService).flush();
    const [row] = (await gateway.app
      .get(DataSource)
      .query('SELECT call_type, api_key, spend, prompt_tokens, completion_tokens, model FROM tollgate_spend_logs WHERE request_id = $1', [callId])) as {
      call_type: string;
      api_key: string;
      spend: number;
      prompt_tokens: number;
      completion_tokens: number;
      model: string;
    }[];
    expect(row).toMatchObject({ call_type: 'pass_through_endpoint', api_key: generated.token, prompt_tokens: 100, completion_tokens: 20, model: 'gpt-4o' });
    // gpt-4o in the catalog: 2.5e-6 per input token, 1e-5 per output token.
    expect(row.spend).toBeCloseTo(100 * 2.5e-6 + 20 * 1e-5, 12);
  });

  it("should take the key from LiteLLM's x-litellm-api-key header and never forward that header either", async () => {
    const { body: generated } = await api.post<{ key: string }>('/key/generate', {});
    const response = await rerank({ 'x-litellm-api-key': `Bearer ${generated.key}` });
    expect(response.status).toBe(200);
    const sent = received[received.length - 1];
    expect(sent.headers['x-litellm-api-key']).toBeUndefined();
    expect(JSON.stringify(sent.headers)).not.toContain(generated.key);
  });

  it('should serve a public endpoint with its sub-paths on the configured origin only', async () => {
    const response = await fetch(`${gateway.url}/public-echo/a/b?x=1`);
    expect(response.status).toBe(200);
    expect(received[received.length - 1].url).toBe('/echo/a/b?x=1');
    const sneaky = await fetch(`${gateway.url}/public-echo/%2F%2Fevil.example%2Fx`);
    expect(sneaky.status).toBe(200);
    expect(received[received.length - 1].url.startsWith('/echo/')).toBe(true);
  });

  /** A request with its path exactly as written (`curl --path-as-is`): fetch() would normalise it first. */
  function sendAsIs(path: string, key: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const url = new URL(gateway.url);
      const outgoing = httpRequest(
        { host: url.hostname, port: url.port, method: 'POST', path, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } },
        (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        },
      );
      outgoing.on('error', reject);
      outgoing.end('{"model":"gpt-4o","messages":[]}');
    });
  }

  it('should refuse with 400 every sub-path of the path-confusion corpus, and the target sees no path outside /v1', async () => {
    const before = received.length;
    const corpus = refusedSubpaths();
    const notRefused: string[] = [];
    for (const subpath of corpus) {
      const response = await sendAsIs(`/pt${subpath}`, MASTER_KEY);
      const error = (JSON.parse(response.body) as { error?: { code?: string; type?: string } }).error;
      if (response.status !== 400 || error?.code !== '400') notRefused.push(`${subpath} → ${response.status}`);
    }
    expect(notRefused).toEqual([]);
    // Refused before any connection: the operator's credential went nowhere.
    expect(received.slice(before)).toEqual([]);
  });

  it('should forward the served sub-paths under the target path only, with the server-side credential', async () => {
    const before = received.length;
    for (const [sent, forwarded] of SERVED_SUBPATHS) {
      const response = await sendAsIs(`/pt${sent}`, MASTER_KEY);
      expect([sent, response.status]).toEqual([sent, 200]);
      expect(received[received.length - 1].url).toBe(forwarded);
    }
    const seen = received.slice(before);
    expect(seen).toHaveLength(SERVED_SUBPATHS.length);
    for (const request of seen) {
      expect(request.url).toMatch(/^\/v1\//);
      expect(request.headers.authorization).toBe(`bearer ${TARGET_SECRET}`);
    }
  });

  it("should read the caller's key from the configured header and not forward it", async () => {
    const { body: generated } = await api.post<{ key: string }>('/key/generate', {});
    const refused = await fetch(`${gateway.url}/custom-key`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(refused.status).toBe(401);
    const response = await fetch(`${gateway.url}/custom-key`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-my-key': generated.key }, body: '{}' });
    expect(response.status).toBe(200);
    expect(received[received.length - 1].headers['x-my-key']).toBeUndefined();
  });

  it('should list the pass-through routes with their access class', async () => {
    const { routes } = (await (await fetch(`${gateway.url}/routes`)).json()) as { routes: { path: string; routeClass: string }[] };
    expect(routes).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: '/v1/rerank', routeClass: 'llm' }), expect.objectContaining({ path: '/public-echo/*', routeClass: 'public' })]),
    );
  });
});
