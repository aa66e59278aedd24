import { DataSource } from 'typeorm';
import { SpendLedgerService } from '../src/spend/spend-ledger.service';
import { apiClient } from './support/api-client';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';

const MASTER_KEY = 'sk-1234';
const MODELS = `
model_list:
  - model_name: fake-openai-endpoint
    litellm_params: { model: mock/fake }
  - model_name: text-embedding-ada-002
    litellm_params: { model: mock/text-embedding-ada-002 }
    model_info: { mode: embedding }
`;

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

/** Boots a gateway for one block of tests and closes it after them. */
function gatewayWith(generalSettings: string): { gateway: () => TestGateway; api: ReturnType<typeof apiClient> } {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startGateway(`general_settings:\n  master_key: ${MASTER_KEY}\n${generalSettings}\n${MODELS}`);
  });
  afterAll(async () => {
    await gateway?.close();
    if (gateway) discardStorage(gateway.storage);
  });
  return { gateway: () => gateway, api: apiClient(() => gateway.url, MASTER_KEY) };
}

async function call(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

const chat = (extra: Record<string, unknown> = {}) => ({ model: 'fake-openai-endpoint', messages: [{ role: 'user', content: 'hi' }], ...extra });

describe('Access control from config: the seed examples (e2e)', () => {
  describe('public_routes and admin_only_routes', () => {
    const { gateway, api } = gatewayWith(`  public_routes: ["LiteLLMRoutes.public_routes", "/spend/calculate"]
  admin_only_routes: ["/key/generate"]`);

    it('should serve /spend/calculate without any key', async () => {
      const response = await call(`${gateway().url}/spend/calculate`, { model: 'gpt-4', messages: [{ role: 'user', content: "Hey, how's it going?" }] });
      expect(response.status).toBe(200);
      expect((response.body as { cost: number }).cost).toBeGreaterThan(0);
    });

    it('should let the master key generate keys and refuse a non-admin with 403', async () => {
      expect((await api.post('/key/generate', {})).status).toBe(200);
      const { body: user } = await api.post<{ key: string }>('/user/new', { user_role: 'internal_user' });
      const refused = await call(`${gateway().url}/key/generate`, { user_role: 'internal_user' }, { authorization: `Bearer ${user.key}` });
      expect(refused).toEqual({
        status: 403,
        body: { error: { message: 'user not allowed to access this route. Route=/key/generate is an admin only route', type: 'auth_error', param: 'None', code: '403' } },
      });
    });

    it('should still require a key on routes that are not public', async () => {
      const response = await call(`${gateway().url}/v1/chat/completions`, chat());
      expect(response.status).toBe(401);
    });
  });

  describe('allowed_routes', () => {
    const { gateway } = gatewayWith(`  allowed_routes: ["/chat/completions", "/spend/calculate", "LiteLLMRoutes.public_routes"]`);

    it('should serve listed routes and refuse the rest, the master key included', async () => {
      const auth = { authorization: `Bearer ${MASTER_KEY}` };
      expect((await call(`${gateway().url}/chat/completions`, chat(), auth)).status).toBe(200);
      expect((await call(`${gateway().url}/v1/chat/completions`, chat(), auth)).status).toBe(200);
      const refused = await call(`${gateway().url}/embeddings`, { model: 'text-embedding-ada-002', input: ['write a litellm poem'] }, auth);
      expect(refused).toEqual({ status: 403, body: { error: { message: 'Route /embeddings not allowed', type: 'auth_error', param: 'None', code: '403' } } });
      expect((await call(`${gateway().url}/key/generate`, {}, auth)).status).toBe(403);
      expect((await fetch(`${gateway().url}/health/liveliness`)).status).toBe(200);
    });
  });

  describe('enforced_params', () => {
    const { gateway, api } = gatewayWith(`  enforced_params:
    - user
    - metadata.generation_name`);

    it('should refuse requests without user or metadata.generation_name with the seed texts, and serve complete ones', async () => {
      const { body: generated } = await api.post<{ key: string }>('/key/generate', {});
      const auth = { authorization: `Bearer ${generated.key}` };
      const url = `${gateway().url}/chat/completions`;
      expect(await call(url, chat(), auth)).toEqual({
        status: 401,
        body: {
          error: { message: 'Authentication Error, BadRequest please pass param=user in request body. This is a required param', type: 'auth_error', param: 'None', code: '401' },
        },
      });
      expect(await call(url, chat({ user: 'gm', metadata: {} }), auth)).toEqual({
        status: 401,
        body: {
          error: {
            message: 'Authentication Error, BadRequest please pass param=[metadata][generation_name] in request body. This is a required param',
            type: 'auth_error',
            param: 'None',
            code: '401',
          },
        },
      });
      const ok = await call(url, chat({ user: 'gm', metadata: { generation_name: 'prod-app' } }), auth);
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ object: 'chat.completion' });
    });
  });

  describe('enforced_params on a key', () => {
    const { gateway, api } = gatewayWith('');

    it('should hold a key to its own enforced_params and leave other keys alone', async () => {
      const { body: strict } = await api.post<{ key: string }>('/key/generate', { enforced_params: ['user'] });
      const { body: relaxed } = await api.post<{ key: string }>('/key/generate', {});
      const url = `${gateway().url}/v1/chat/completions`;
      const refused = await call(url, chat(), { authorization: `Bearer ${strict.key}` });
      expect(refused.status).toBe(401);
      expect((refused.body as ErrorBody).error.message).toContain('param=user');
      expect((await call(url, chat({ user: 'u1' }), { authorization: `Bearer ${strict.key}` })).status).toBe(200);
      expect((await call(url, chat(), { authorization: `Bearer ${relaxed.key}` })).status).toBe(200);
    });
  });

  describe('allowed_ips', () => {
    const { gateway } = gatewayWith(`  allowed_ips: ["10.0.0.0/8", "2001:db8::/32"]`);

    it('should refuse a caller outside the list, even on public routes, and ignore X-Forwarded-For', async () => {
      const refused = await call(`${gateway().url}/v1/chat/completions`, chat(), { authorization: `Bearer ${MASTER_KEY}`, 'x-forwarded-for': '10.1.2.3' });
      expect(refused).toEqual({ status: 403, body: { error: { message: 'Access forbidden: IP address 127.0.0.1 not allowed.', type: 'auth_error', param: 'None', code: '403' } } });
      expect((await fetch(`${gateway().url}/health/liveliness`)).status).toBe(403);
    });
  });

  describe('allowed_ips behind a trusted proxy (use_x_forwarded_for)', () => {
    const { gateway } = gatewayWith(`  allowed_ips: ["203.0.113.7"]
  use_x_forwarded_for: true`);

    it('should take the right-most untrusted X-Forwarded-For hop as the client and log it on the spend row', async () => {
      const auth = { authorization: `Bearer ${MASTER_KEY}` };
      const url = `${gateway().url}/v1/chat/completions`;
      const served = await call(url, chat(), { ...auth, 'x-forwarded-for': '203.0.113.7' });
      expect(served.status).toBe(200);
      // A client that prepends an allowed address does not get in: the proxy appended its real address.
      const spoofed = await call(url, chat(), { ...auth, 'x-forwarded-for': '203.0.113.7, 198.51.100.1' });
      expect(spoofed).toMatchObject({ status: 403, body: { error: { message: 'Access forbidden: IP address 198.51.100.1 not allowed.' } } });

      const ledger = gateway().app.get(SpendLedgerService);
      await ledger.flush();
      const id = (served.body as { id: string }).id;
      const [row] = (await gateway().app.get(DataSource).query('SELECT requester_ip_address FROM tollgate_spend_logs WHERE request_id = $1', [id])) as {
        requester_ip_address: string;
      }[];
      expect(row.requester_ip_address).toBe('203.0.113.7');
    });
  });
});
