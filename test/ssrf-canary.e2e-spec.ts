import { request as httpRequest } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { apiClient } from './support/api-client';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { startMockUpstreamProcess, type MockUpstreamProcess } from './support/mock-upstream.process';
import { canaryUrlSpellings, INTERNAL_URLS } from './fixtures/security/ssrf-corpus';

const MASTER_KEY = 'sk-ssrf-master';
const SALT_KEY = 'salt-ssrf-e2e';
/** The operator's provider key: it must never travel to a host a request chose. */
const PROVIDER_KEY = 'sk-ssrf-operator-provider-key';

/** A TCP listener that must never be connected to: every connection is a request that escaped. */
interface Canary {
  port: number;
  connections(): number;
  close(): Promise<void>;
}

async function startCanary(): Promise<Canary> {
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  const listener = (socket: Socket): void => {
    connections++;
    sockets.add(socket);
    socket.destroy();
  };
  const v4 = createServer(listener);
  await new Promise<void>((resolve) => v4.listen(0, '127.0.0.1', resolve));
  servers.push(v4);
  const port = (v4.address() as AddressInfo).port;
  // The IPv6 loopback too, where the machine has one, so `[::1]` spellings are watched as well.
  const v6 = createServer(listener);
  await new Promise<void>((resolve) => {
    v6.once('error', () => resolve());
    v6.listen(port, '::1', () => {
      servers.push(v6);
      resolve();
    });
  });
  return {
    port,
    connections: () => connections,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    },
  };
}

/**
 * SSRF: no client input (api_base / base_url in bodies, nested fields, query strings, headers, model names,
 * pass-through sub-paths) makes Tollgate connect to a host the operator did not configure: a canary listener on
 * loopback counts connections and must see none. Deployments the operator configured or stored are held to
 * `general_settings.egress_policy` at the dial: metadata refused by default, an allow-list refuses what it omits.
 */
describe('SSRF corpus against a canary listener, and the egress policy (e2e)', () => {
  let canary: Canary;
  let mock: MockUpstreamProcess;
  let gateway: TestGateway;
  let allowListed: TestGateway;
  const api = apiClient(() => gateway.url, MASTER_KEY);
  let allowedKey: string;

  beforeAll(async () => {
    [canary, mock] = await Promise.all([startCanary(), startMockUpstreamProcess(['--require-api-key', PROVIDER_KEY])]);
    const mockPort = new URL(mock.baseUrl).port;
    [gateway, allowListed] = await Promise.all([
      startGateway(
        `
general_settings:
  master_key: ${MASTER_KEY}
  store_model_in_db: true
  allow_client_side_credentials: true
  pass_through_endpoints:
    - path: /pt
      target: ${mock.baseUrl}
      include_subpath: true
      auth: true
      headers: { Authorization: "Bearer ${PROVIDER_KEY}" }
model_list:
  - model_name: gpt
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${mock.baseUrl}, api_key: ${PROVIDER_KEY} }
  - model_name: embed
    litellm_params: { model: openai/text-embedding-3-small, api_base: ${mock.baseUrl}, api_key: ${PROVIDER_KEY} }
    model_info: { mode: embedding }
  - model_name: meta
    litellm_params: { model: openai/gpt-4o, api_base: "http://169.254.169.254/v1", api_key: ${PROVIDER_KEY} }
    model_info: { id: meta-config-1 }
  - model_name: meta-by-name
    litellm_params: { model: openai/gpt-4o, api_base: "http://metadata.google.internal/v1", api_key: ${PROVIDER_KEY} }
`,
        { env: { LITELLM_SALT_KEY: SALT_KEY } },
      ),
      startGateway(`
general_settings:
  master_key: ${MASTER_KEY}
  egress_policy:
    allow: [localhost]
    deny: [10.0.0.0/8]
model_list:
  - model_name: listed
    litellm_params: { model: openai/gpt-4o-mini, api_base: "http://localhost:${mockPort}/v1", api_key: ${PROVIDER_KEY} }
  - model_name: unlisted
    litellm_params: { model: openai/gpt-4o-mini, api_base: "http://127.0.0.1:${canary.port}/v1", api_key: ${PROVIDER_KEY} }
`),
    ]);
    allowedKey = (await api.post<{ key: string }>('/key/generate', { permissions: { allow_client_side_credentials: true } })).body.key;
  });

  afterAll(async () => {
    await Promise.all([gateway?.close(), allowListed?.close()]);
    await Promise.all([mock?.close(), canary?.close()]);
    if (gateway) discardStorage(gateway.storage);
    if (allowListed) discardStorage(allowListed.storage);
  });

  async function post(base: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
    const response = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${allowedKey}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, text: await response.text() };
  }

  const chatBody = (extra: Record<string, unknown>) => ({ model: 'gpt', messages: [{ role: 'user', content: 'hi' }], ...extra });
  const urls = () => [...canaryUrlSpellings(canary.port), ...INTERNAL_URLS];

  it('should refuse every URL of the corpus as api_base or base_url, with or without an api_key, on every LLM endpoint', async () => {
    const attempts: [string, unknown][] = [];
    for (const url of urls()) {
      for (const field of ['api_base', 'base_url']) {
        for (const key of [{ api_key: 'sk-client-own-key' }, {}]) {
          attempts.push(['/v1/chat/completions', chatBody({ [field]: url, ...key })]);
          attempts.push(['/v1/chat/completions', chatBody({ [field]: url, ...key, stream: true })]);
          attempts.push(['/v1/embeddings', { model: 'embed', input: 'hi', [field]: url, ...key }]);
          attempts.push(['/v1/completions', { model: 'gpt', prompt: 'hi', [field]: url, ...key }]);
        }
      }
    }
    const notRefused: string[] = [];
    for (const [path, body] of attempts) {
      const { status, text } = await post(gateway.url, path, body);
      if (status !== 400) notRefused.push(`${path} ${JSON.stringify(body)} → ${status}`);
      expect(text).not.toContain(PROVIDER_KEY);
    }
    expect(notRefused).toEqual([]);
    expect(attempts.length).toBeGreaterThan(900);
    expect(canary.connections()).toBe(0);
  });

  it('should not connect anywhere for URLs hidden in nested fields, query strings, headers and model names', async () => {
    const canaryUrl = `http://127.0.0.1:${canary.port}/v1`;
    const nested = [
      { metadata: { api_base: canaryUrl } },
      { litellm_embedding_config: { api_base: canaryUrl } },
      { extra_body: { api_base: canaryUrl, base_url: canaryUrl } },
      { litellm_params: { api_base: canaryUrl, api_key: 'sk-client' } },
      { user_config: { model_list: [{ model_name: 'gpt', litellm_params: { model: 'openai/gpt-4o', api_base: canaryUrl } }] } },
      { azure_endpoint: canaryUrl, aws_bedrock_runtime_endpoint: canaryUrl, api_host: canaryUrl, endpoint: canaryUrl },
    ];
    for (const extra of nested) await post(gateway.url, '/v1/chat/completions', chatBody(extra));
    await post(gateway.url, `/v1/chat/completions?api_base=${encodeURIComponent(canaryUrl)}&base_url=${encodeURIComponent(canaryUrl)}`, chatBody({}));
    for (const header of ['x-litellm-api-base', 'api-base', 'x-api-base', 'base-url', 'x-forwarded-host', 'forwarded', 'x-original-url', 'x-rewrite-url']) {
      await post(gateway.url, '/v1/chat/completions', chatBody({}), { [header]: header === 'forwarded' ? `host=127.0.0.1:${canary.port}` : canaryUrl });
    }
    for (const model of [canaryUrl, `openai/${canaryUrl}`, `127.0.0.1:${canary.port}`, `openai/gpt@127.0.0.1:${canary.port}`, `../../127.0.0.1:${canary.port}`]) {
      const { status } = await post(gateway.url, '/v1/chat/completions', chatBody({ model }));
      expect([model, status]).toEqual([model, 400]);
    }
    expect(canary.connections()).toBe(0);
  });

  it('should keep pass-through calls on the configured origin whatever the sub-path, query or Host header says', async () => {
    const paths = [
      `/pt/http://127.0.0.1:${canary.port}/`,
      `/pt//127.0.0.1:${canary.port}/x`,
      `/pt/@127.0.0.1:${canary.port}/x`,
      `/pt/%2F%2F127.0.0.1:${canary.port}%2Fx`,
      `/pt/x?url=http://127.0.0.1:${canary.port}/&api_base=http://127.0.0.1:${canary.port}`,
      `/pt/..%2F..%2F..%2F127.0.0.1:${canary.port}`,
    ];
    const gatewayUrl = new URL(gateway.url);
    for (const path of paths) {
      await new Promise<void>((resolve, reject) => {
        const outgoing = httpRequest(
          {
            host: gatewayUrl.hostname,
            port: gatewayUrl.port,
            method: 'POST',
            path,
            headers: { authorization: `Bearer ${MASTER_KEY}`, host: `127.0.0.1:${canary.port}`, 'content-type': 'application/json' },
          },
          (response) => response.resume().on('end', resolve),
        );
        outgoing.on('error', reject);
        outgoing.end('{}');
      });
    }
    expect(canary.connections()).toBe(0);
  });

  it('should refuse, at the dial, configured and stored deployments that point at cloud metadata, naming the deployment', async () => {
    const stored = await api.post('/model/new', {
      model_name: 'meta-stored',
      litellm_params: { model: 'openai/gpt-4o', api_base: 'http://[fd00:ec2::254]/v1', api_key: PROVIDER_KEY },
      model_info: { id: 'meta-db-1' },
    });
    expect(stored.status).toBe(200);
    for (const [model, id, host] of [
      ['meta', 'meta-config-1', '169.254.169.254'],
      ['meta-by-name', undefined, 'metadata.google.internal'],
      ['meta-stored', 'meta-db-1', 'fd00:ec2::254'],
    ] as const) {
      const { status, text } = await post(gateway.url, '/v1/chat/completions', chatBody({ model }), { authorization: `Bearer ${MASTER_KEY}` });
      const error = (JSON.parse(text) as { error: { message: string; code: string } }).error;
      expect([model, status, error.code]).toEqual([model, 502, '502']);
      expect(error.message).toContain(`Egress refused for deployment '${model}'`);
      if (id) expect(error.message).toContain(`(model id ${id})`);
      expect(error.message).toContain(host);
      expect(error.message).toMatch(/cloud metadata (address|host)/);
      expect(text).not.toMatch(/\n\s+at |node_modules|EgressRefusedError/);
      expect(text).not.toContain(PROVIDER_KEY);
    }
    // The configured deployments next to them keep serving.
    expect((await post(gateway.url, '/v1/chat/completions', chatBody({}))).status).toBe(200);
  });

  it('should hold deployments to an egress allow-list: the listed host serves, an unlisted one is refused before connecting', async () => {
    const listed = await post(allowListed.url, '/v1/chat/completions', chatBody({ model: 'listed' }), { authorization: `Bearer ${MASTER_KEY}` });
    expect(listed.status).toBe(200);
    const unlisted = await post(allowListed.url, '/v1/chat/completions', chatBody({ model: 'unlisted' }), { authorization: `Bearer ${MASTER_KEY}` });
    expect(unlisted.status).toBe(502);
    expect((JSON.parse(unlisted.text) as { error: { message: string } }).error.message).toContain("Egress refused for deployment 'unlisted'");
    expect(unlisted.text).toContain('127.0.0.1 is not in egress_policy.allow');
    expect(canary.connections()).toBe(0);
  });
});
