import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { ANTHROPIC_TEST_KEY, anthropicMock } from './anthropic.mock';
import { GEMINI_TEST_KEY, geminiMock } from './gemini.mock';
import { type ProviderHandler, type RecordedProviderRequest, sendJson, tokensOf } from './mock-provider-server';

export interface TestServiceAccount {
  /** The key file's JSON, as Google issues it (`token_uri` to be pointed at the mock). */
  readonly keyFile: Record<string, string>;
  readonly publicKeyPem: string;
}

/** A service account with a fresh RSA key, as in a Google key file. */
export function testServiceAccount(email: string, project: string): TestServiceAccount {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    keyFile: {
      type: 'service_account',
      project_id: project,
      private_key_id: `key-${email.split('@')[0]}`,
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: email,
      client_id: '1234567890',
      token_uri: 'https://oauth2.googleapis.com/token',
    },
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export interface VertexMock {
  readonly handler: ProviderHandler;
  /** Token exchanges granted, by service-account email. */
  readonly tokensIssued: Map<string, number>;
}

const TOKEN_PATH = '/token';
const VERTEX_PATH =
  /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/(google|anthropic)\/models\/([^/:]+):(generateContent|streamGenerateContent|rawPredict|streamRawPredict|predict)(\?alt=sse)?$/;

/**
 * Google's OAuth2 token endpoint and Vertex AI on one server. The token endpoint checks the service account's JWT the
 * way Google does (RS256 signature against the account's public key, issuer, audience = this token URI, scope, a
 * lifetime of at most an hour) and issues opaque access tokens. Vertex checks the bearer token and the URL shape
 * (`/v1/projects/{project}/locations/{location}/publishers/{google|anthropic}/models/{model}:{method}`), then answers
 * as Gemini (generateContent, streamGenerateContent) or Claude (rawPredict, streamRawPredict: `anthropic_version:
 * vertex-2023-10-16` in the body and no model) — the Gemini and Anthropic mocks behind Vertex's own envelope.
 */
export function vertexMock(accounts: readonly TestServiceAccount[], expected: { project: string; location: string }): VertexMock {
  const keys = new Map(accounts.map((account) => [account.keyFile.client_email, createPublicKey(account.publicKeyPem)]));
  const issued = new Map<string, string>();
  const tokensIssued = new Map<string, number>();
  const handler: ProviderHandler = async ({ request, res }) => {
    if (request.method === 'POST' && request.path === TOKEN_PATH) return token(request, res);
    const match = VERTEX_PATH.exec(request.path);
    if (request.method !== 'POST' || !match) return false;
    const [, project, location, publisher, model, method, sse] = match;
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (!bearer || !issued.has(bearer)) return fail(res, 401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token.');
    if (project !== expected.project || location !== expected.location)
      return fail(res, 404, 'NOT_FOUND', `Publisher model projects/${project}/locations/${location}/publishers/${publisher}/models/${model} not found.`);
    const body = request.body ?? {};
    if (publisher === 'google') {
      if (method === 'predict') return predict(res, body);
      if (method !== 'generateContent' && method !== 'streamGenerateContent') return fail(res, 400, 'INVALID_ARGUMENT', `${method} is not served by Google models`);
      return geminiMock({
        request: { ...request, path: `/v1beta/models/${model}:${method}${sse ?? ''}`, headers: { ...request.headers, 'x-goog-api-key': GEMINI_TEST_KEY } },
        res,
      });
    }
    if (method !== 'rawPredict' && method !== 'streamRawPredict') return fail(res, 400, 'INVALID_ARGUMENT', `${method} is not served by Anthropic models`);
    if (body.anthropic_version !== 'vertex-2023-10-16') return anthropicError(res, 'anthropic_version: vertex-2023-10-16 is required in the body');
    if (body.model !== undefined) return anthropicError(res, 'model: Extra inputs are not permitted');
    if ((method === 'streamRawPredict') !== (body.stream === true)) return anthropicError(res, `${method} with stream=${String(body.stream)}`);
    const { anthropic_version: _version, ...rest } = body;
    const forwarded: RecordedProviderRequest = {
      ...request,
      path: '/v1/messages',
      headers: { ...request.headers, 'x-api-key': ANTHROPIC_TEST_KEY, 'anthropic-version': '2023-06-01' },
      body: { ...rest, model },
    };
    return anthropicMock({ request: forwarded, res });
  };

  function token(request: RecordedProviderRequest, res: ServerResponse): true {
    const form = new URLSearchParams(request.raw.toString('utf8'));
    if (request.headers['content-type'] !== 'application/x-www-form-urlencoded') return oauthError(res, 'invalid_request', 'form body expected');
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return oauthError(res, 'unsupported_grant_type', String(form.get('grant_type')));
    const [header, claims, signature] = (form.get('assertion') ?? '').split('.');
    if (!header || !claims || !signature) return oauthError(res, 'invalid_grant', 'malformed assertion');
    const parsedHeader = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: string; typ?: string };
    const parsedClaims = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as { iss?: string; aud?: string; scope?: string; iat?: number; exp?: number };
    if (parsedHeader.alg !== 'RS256') return oauthError(res, 'invalid_grant', `alg ${String(parsedHeader.alg)}`);
    const publicKey = keys.get(parsedClaims.iss ?? '');
    if (!publicKey) return oauthError(res, 'invalid_grant', 'Invalid JWT Signature.');
    if (!verify('RSA-SHA256', Buffer.from(`${header}.${claims}`), publicKey, Buffer.from(signature, 'base64url')))
      return oauthError(res, 'invalid_grant', 'Invalid JWT Signature.');
    if (parsedClaims.aud !== `http://${request.headers.host}${TOKEN_PATH}`) return oauthError(res, 'invalid_grant', `Invalid JWT: audience ${String(parsedClaims.aud)}`);
    if (!parsedClaims.scope?.split(' ').includes('https://www.googleapis.com/auth/cloud-platform')) return oauthError(res, 'invalid_scope', String(parsedClaims.scope));
    const now = Math.floor(Date.now() / 1000);
    const iat = parsedClaims.iat ?? 0;
    const exp = parsedClaims.exp ?? 0;
    if (Math.abs(iat - now) > 60 || exp - iat > 3600 || exp <= now)
      return oauthError(res, 'invalid_grant', 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.');
    const accessToken = `ya29.mock-${parsedClaims.iss}-${issued.size + 1}`;
    issued.set(accessToken, parsedClaims.iss!);
    tokensIssued.set(parsedClaims.iss!, (tokensIssued.get(parsedClaims.iss!) ?? 0) + 1);
    sendJson(res, 200, { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' });
    return true;
  }

  return { handler, tokensIssued };
}

function predict(res: ServerResponse, body: Record<string, unknown>): true {
  const instances = (body.instances ?? []) as { content?: string }[];
  if (!instances.every((instance) => typeof instance.content === 'string')) return fail(res, 400, 'INVALID_ARGUMENT', 'instances[].content is required');
  const dimensions = ((body.parameters ?? {}) as { outputDimensionality?: number }).outputDimensionality ?? 4;
  sendJson(res, 200, {
    predictions: instances.map((instance) => ({
      embeddings: {
        values: Array.from({ length: dimensions }, (_, i) => (instance.content as string).length + i),
        statistics: { token_count: tokensOf(instance.content as string), truncated: false },
      },
    })),
  });
  return true;
}

function fail(res: ServerResponse, status: number, code: string, message: string): true {
  sendJson(res, status, { error: { code: status, message, status: code } });
  return true;
}

function oauthError(res: ServerResponse, error: string, description: string): true {
  sendJson(res, 400, { error, error_description: description });
  return true;
}

function anthropicError(res: ServerResponse, message: string): true {
  sendJson(res, 400, { type: 'error', error: { type: 'invalid_request_error', message } });
  return true;
}
