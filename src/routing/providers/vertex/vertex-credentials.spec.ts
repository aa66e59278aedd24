import { generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Deployment } from '../../deployment';
import type { UpstreamHttp } from '../../upstream-http.service';
import { vertexUrl } from './vertex-ai.adapter';
import { GoogleTokenSource, serviceAccountAssertion, serviceAccountOf, vertexDefaults } from './vertex-credentials';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const KEY_FILE = {
  type: 'service_account',
  project_id: 'from-key',
  private_key_id: 'kid-1',
  private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  client_email: 'sa@p.iam.gserviceaccount.com',
  token_uri: 'https://oauth2.example/token',
};

function deployment(params: Record<string, unknown>, upstreamModel = 'gemini-1.5-pro', apiBase?: string): Deployment {
  return {
    id: 'd',
    modelName: 'm',
    provider: 'vertex_ai',
    upstreamModel,
    apiBase,
    timeoutMs: 1000,
    streamTimeoutMs: 1000,
    mode: 'chat',
    params: { model: `vertex_ai/${upstreamModel}`, ...params },
  };
}

describe('Vertex AI credentials and URLs', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'vertex-spec-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should read a key file as JSON text, as a mapping, or from a path; refuse other credential types', async () => {
    const path = join(dir, 'sa.json');
    writeFileSync(path, JSON.stringify(KEY_FILE));
    for (const credentials of [JSON.stringify(KEY_FILE), KEY_FILE, path]) {
      await expect(serviceAccountOf(deployment({ vertex_credentials: credentials }))).resolves.toMatchObject({
        clientEmail: KEY_FILE.client_email,
        tokenUri: KEY_FILE.token_uri,
        projectId: 'from-key',
        privateKeyId: 'kid-1',
      });
    }
    await expect(serviceAccountOf(deployment({}))).rejects.toThrow(/no Vertex AI credentials/);
    await expect(serviceAccountOf(deployment({ vertex_credentials: join(dir, 'missing.json') }))).rejects.toThrow(/cannot be read/);
    await expect(serviceAccountOf(deployment({ vertex_credentials: '{"type": "authorized_user"}' }))).rejects.toThrow(/authorized_user/);
    const { token_uri: _uri, ...noUri } = KEY_FILE;
    await expect(serviceAccountOf(deployment({ vertex_credentials: noUri }))).resolves.toMatchObject({ tokenUri: 'https://oauth2.googleapis.com/token' });
  });

  it('should sign an RS256 assertion Google can verify: issuer, audience, scope, one hour', async () => {
    const account = await serviceAccountOf(deployment({ vertex_credentials: KEY_FILE }));
    const [header, claims, signature] = serviceAccountAssertion(account, 1_700_000_000).split('.');
    expect(verify('RSA-SHA256', Buffer.from(`${header}.${claims}`), publicKey, Buffer.from(signature, 'base64url'))).toBe(true);
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'kid-1' });
    expect(JSON.parse(Buffer.from(claims, 'base64url').toString())).toEqual({
      iss: KEY_FILE.client_email,
      scope: 'https://www.googleapis.com/auth/cloud-platform',
      aud: KEY_FILE.token_uri,
      iat: 1_700_000_000,
      exp: 1_700_003_600,
    });
  });

  it('should keep a token until shortly before it expires, and share one exchange between concurrent calls', async () => {
    let now = 1_000_000;
    const exchanges: string[] = [];
    const http = {
      post: async (_endpoint: unknown, _headers: unknown, body: string) => {
        exchanges.push(body);
        return { statusCode: 200, headers: {}, body: Readable.from([Buffer.from(JSON.stringify({ access_token: `tok-${exchanges.length}`, expires_in: 3600 }))]) };
      },
    } as unknown as UpstreamHttp;
    const source = new GoogleTokenSource(http, () => now);
    const account = await serviceAccountOf(deployment({ vertex_credentials: KEY_FILE }));
    const d = deployment({});
    expect(await Promise.all([source.accessToken(account, d), source.accessToken(account, d)])).toEqual(['tok-1', 'tok-1']);
    expect(new URLSearchParams(exchanges[0]).get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    now += 54 * 60 * 1000;
    expect(await source.accessToken(account, d)).toBe('tok-1');
    now += 2 * 60 * 1000;
    expect(await source.accessToken(account, d)).toBe('tok-2');
    expect(exchanges).toHaveLength(2);
  });

  it('should report a refusal as an auth error without the key', async () => {
    const http = {
      post: async () => ({ statusCode: 400, headers: {}, body: Readable.from([Buffer.from('{"error":"invalid_grant","error_description":"Invalid JWT Signature."}')]) }),
    } as unknown as UpstreamHttp;
    const account = await serviceAccountOf(deployment({ vertex_credentials: KEY_FILE }));
    const error = (await new GoogleTokenSource(http).accessToken(account, deployment({})).catch((e: unknown) => e)) as Error & { status: number };
    expect(error.status).toBe(401);
    expect(error.message).toContain('invalid_grant: Invalid JWT Signature.');
    expect(error.message).not.toContain('PRIVATE');
  });

  it('should build regional, global and api_base URLs for each publisher', () => {
    expect(vertexUrl(deployment({ vertex_project: 'p1', vertex_location: 'europe-west4' }), 'generateContent')).toBe(
      'https://europe-west4-aiplatform.googleapis.com/v1/projects/p1/locations/europe-west4/publishers/google/models/gemini-1.5-pro:generateContent',
    );
    expect(vertexUrl(deployment({ vertex_project: 'p1' }, 'claude-3-5-sonnet-v2@20241022'), 'streamRawPredict')).toBe(
      'https://us-central1-aiplatform.googleapis.com/v1/projects/p1/locations/us-central1/publishers/anthropic/models/claude-3-5-sonnet-v2@20241022:streamRawPredict',
    );
    expect(vertexUrl(deployment({ vertex_location: 'global' }), 'streamGenerateContent', 'alt=sse', 'from-key')).toBe(
      'https://aiplatform.googleapis.com/v1/projects/from-key/locations/global/publishers/google/models/gemini-1.5-pro:streamGenerateContent?alt=sse',
    );
    expect(vertexUrl(deployment({ vertex_project: 'p1' }, 'gemini-1.5-pro', 'https://vertex.proxy.internal/v1/'), 'generateContent')).toBe(
      'https://vertex.proxy.internal/v1/projects/p1/locations/us-central1/publishers/google/models/gemini-1.5-pro:generateContent',
    );
    expect(() => vertexUrl(deployment({}), 'generateContent')).toThrow(/vertex_project/);
    expect(() => vertexUrl(deployment({ vertex_project: 'p', vertex_location: 'evil.example/x' }), 'generateContent')).toThrow(/location/);
  });

  it("should take LiteLLM's variables for project, location and credentials", () => {
    expect(vertexDefaults({ VERTEX_PROJECT: 'p', VERTEXAI_LOCATION: 'l', VERTEXAI_CREDENTIALS: '{}', GOOGLE_APPLICATION_CREDENTIALS: '/f' })).toEqual({
      vertex_project: 'p',
      vertex_location: 'l',
      vertex_credentials: '{}',
    });
  });
});
