import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { DataSource } from 'typeorm';
import { SpendLedgerService } from '../src/spend/spend-ledger.service';
import { apiClient } from './support/api-client';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';

const MASTER_KEY = 'sk-jwt-master';
const AUDIENCE = 'tollgate-test';
const ISSUER = 'https://idp.example.test';

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: Record<string, unknown>;
  publicPem: string;
  algorithm: 'RS256' | 'ES256';
}

function signingKey(kid: string, algorithm: 'RS256' | 'ES256'): SigningKey {
  const { privateKey, publicKey } = algorithm === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    kid,
    privateKey,
    publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: algorithm },
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }) as string,
    algorithm,
  };
}

describe('JWT authentication (e2e, tokens signed here, JWKS served locally)', () => {
  const rsa = signingKey('rsa-1', 'RS256');
  const ec = signingKey('ec-1', 'ES256');
  const stranger = signingKey('rsa-1', 'RS256');
  let jwks: Server;
  let jwksFetches = 0;
  let gateway: TestGateway;
  const api = apiClient(() => gateway.url, MASTER_KEY);

  const sign = (claims: Record<string, unknown>, key: SigningKey = rsa, options: jwt.SignOptions = {}): string =>
    jwt.sign(claims, key.privateKey, { algorithm: key.algorithm, keyid: key.kid, audience: AUDIENCE, issuer: ISSUER, expiresIn: '5m', ...options });

  async function chat(token: string, body: Record<string, unknown> = {}): Promise<{ status: number; body: { id?: string; error?: { message: string } } }> {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'hi' }], ...body }),
    });
    return { status: response.status, body: (await response.json()) as { id?: string; error?: { message: string } } };
  }

  beforeAll(async () => {
    jwks = createServer((request, response) => {
      jwksFetches++;
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys: [rsa.publicJwk, ec.publicJwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    gateway = await startGateway(
      `
general_settings:
  master_key: ${MASTER_KEY}
  enable_jwt_auth: true
  litellm_jwtauth:
    user_id_jwt_field: sub
    end_user_id_jwt_field: customer_id
model_list:
  - model_name: demo
    litellm_params: { model: mock/demo, input_cost_per_token: 0.001, output_cost_per_token: 0.001 }
  - model_name: other
    litellm_params: { model: mock/other }
`,
      { env: { JWT_PUBLIC_KEY_URL: jwksUrl, JWT_AUDIENCE: AUDIENCE, JWT_ISSUER: ISSUER } },
    );
    await api.post('/team/new', { team_id: 'jwt-team', models: ['demo'], max_budget: 0.05 });
    await api.post('/user/new', { user_id: 'jwt-user', user_role: 'internal_user' });
  });

  afterAll(async () => {
    await gateway?.close();
    await new Promise((resolve) => jwks?.close(resolve));
    if (gateway) discardStorage(gateway.storage);
  });

  it('should give a token with the admin scope the management routes, and not the LLM routes by default', async () => {
    const admin = sign({ sub: 'ops', scope: 'openid litellm_proxy_admin' });
    expect((await api.get('/key/list', admin)).status).toBe(200);
    expect((await api.post('/key/generate', {}, admin)).status).toBe(200);
    const refused = await chat(admin);
    expect(refused.status).toBe(403);
    expect(refused.body.error?.message).toContain('admin JWT is not allowed to call route /v1/chat/completions');
  });

  it("should hold a team token to the team's models and budget, exactly as a team key, and log the call to the team", async () => {
    const team = sign({ client_id: 'jwt-team', customer_id: 'jwt-customer' }, ec);
    const served = await chat(team);
    expect(served.status).toBe(200);
    const other = await chat(team, { model: 'other' });
    expect(other.status).toBe(401);
    expect(other.body.error?.message).toContain("models=['demo']");
    expect((await api.post('/key/generate', {}, team)).status).toBe(403);

    await gateway.app.get(SpendLedgerService).flush();
    const [row] = (await gateway.app.get(DataSource).query('SELECT team_id, end_user, spend FROM tollgate_spend_logs WHERE request_id = $1', [served.body.id])) as {
      team_id: string;
      end_user: string;
      spend: number;
    }[];
    expect(row).toMatchObject({ team_id: 'jwt-team', end_user: 'jwt-customer' });
    expect(row.spend).toBeGreaterThan(0);

    let status = 200;
    for (let i = 0; i < 20 && status === 200; i++) status = (await chat(team)).status;
    expect(status).toBe(400);
  });

  it('should treat a token with only a user claim as that internal user', async () => {
    const user = sign({ sub: 'jwt-user' });
    expect((await chat(user, { model: 'other' })).status).toBe(200);
    expect((await chat(sign({ sub: 'nobody-here' }))).status).toBe(401);
  });

  it.each([
    ['a forged signature', () => sign({ client_id: 'jwt-team' }, stranger)],
    ['alg none', () => jwt.sign({ client_id: 'jwt-team', aud: AUDIENCE, iss: ISSUER }, '', { algorithm: 'none', keyid: 'rsa-1' } as jwt.SignOptions)],
    [
      'HS256 signed with the public key',
      () => {
        const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'rsa-1' })).toString('base64url');
        const payload = Buffer.from(JSON.stringify({ client_id: 'jwt-team', aud: AUDIENCE, iss: ISSUER, exp: Math.floor(Date.now() / 1000) + 300 })).toString('base64url');
        // The classic key-confusion attack: the public key, which anyone can fetch, used as an HMAC secret.
        return `${header}.${payload}.${createHmac('sha256', rsa.publicPem).update(`${header}.${payload}`).digest('base64url')}`;
      },
    ],
    [
      'an expired token',
      () =>
        jwt.sign({ client_id: 'jwt-team', exp: Math.floor(Date.now() / 1000) - 60 }, rsa.privateKey, { algorithm: 'RS256', keyid: rsa.kid, audience: AUDIENCE, issuer: ISSUER }),
    ],
    // LiteLLM requires exp; a token without one would stay valid forever (litellm_jwtauth.allow_tokens_without_exp opts in).
    ['a token without exp', () => jwt.sign({ client_id: 'jwt-team' }, rsa.privateKey, { algorithm: 'RS256', keyid: rsa.kid, audience: AUDIENCE, issuer: ISSUER })],
    ['a wrong audience', () => sign({ client_id: 'jwt-team' }, rsa, { audience: 'someone-else' })],
    ['a wrong issuer', () => sign({ client_id: 'jwt-team' }, rsa, { issuer: 'https://evil.example' })],
    ['no team, user or admin claim', () => sign({ hello: 'world' })],
  ])('should refuse %s with 401', async (_name, token) => {
    const response = await chat(token());
    expect(response.status).toBe(401);
    expect(response.body.error?.message).toMatch(/^Authentication Error, invalid JWT/);
  });

  it('should fetch the JWKS at most a few times under a flood of unknown key ids', async () => {
    const before = jwksFetches;
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => chat(sign({ client_id: 'jwt-team' }, { ...rsa, kid: `made-up-${i}` }))));
    expect(results.every((result) => result.status === 401)).toBe(true);
    expect(jwksFetches - before).toBeLessThanOrEqual(2);
  });

  it('should keep virtual keys working next to JWTs', async () => {
    const { body } = await api.post<{ key: string }>('/key/generate', {});
    expect((await chat(body.key, { model: 'other' })).status).toBe(200);
  });
});
