import { createSign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Deployment } from '../../deployment';
import { UpstreamError } from '../../routing.errors';
import { toEndpoint, type UpstreamHttp } from '../../upstream-http.service';
import { readBounded } from '../upstream-response';

export const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';
const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const JWT_LIFETIME_SECONDS = 3600;
/** A token is renewed this long before it expires, so no call goes out with one that dies in flight. */
const RENEW_BEFORE_MS = 5 * 60 * 1000;
const TOKEN_TIMEOUT_MS = 30_000;
const MAX_TOKEN_BODY_BYTES = 64 * 1024;
const LABEL = 'VertexAI';

/** The fields of a Google service-account key file that signing needs. */
export interface ServiceAccount {
  readonly clientEmail: string;
  readonly privateKey: string;
  readonly privateKeyId?: string;
  readonly tokenUri: string;
  readonly projectId?: string;
}

/** Where LiteLLM's variables land: `vertex_project`, `vertex_location`, `vertex_credentials`. */
export function vertexDefaults(env: Readonly<Record<string, string>>): Record<string, string | undefined> {
  const first = (...names: string[]): string | undefined => names.map((name) => env[name]).find((value) => value !== undefined && value !== '');
  return {
    vertex_project: first('VERTEXAI_PROJECT', 'VERTEX_PROJECT', 'GOOGLE_CLOUD_PROJECT'),
    vertex_location: first('VERTEXAI_LOCATION', 'VERTEX_LOCATION'),
    vertex_credentials: first('VERTEXAI_CREDENTIALS', 'VERTEX_AI_CREDENTIALS', 'GOOGLE_APPLICATION_CREDENTIALS'),
  };
}

/**
 * The service account of a deployment's `vertex_credentials`: the key file's JSON as text, as a mapping (YAML), or
 * the path of the file. Only service-account keys are taken: the metadata server is never asked (a misconfigured
 * deployment fails at once instead of hanging on a link-local address), and user credentials are refused.
 * @throws UpstreamError (401) naming what is missing or wrong, never the key itself.
 */
export async function serviceAccountOf(deployment: Deployment): Promise<ServiceAccount> {
  const raw = deployment.params.vertex_credentials;
  let parsed: unknown = raw;
  if (typeof raw === 'string') {
    const text = raw.trim();
    if (text.startsWith('{')) parsed = parseJson(text, deployment);
    else {
      let file: string;
      try {
        file = await readFile(text, 'utf8');
      } catch {
        throw authError(deployment, `vertex_credentials names a file that cannot be read`);
      }
      parsed = parseJson(file, deployment);
    }
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw authError(
      deployment,
      'no Vertex AI credentials: set vertex_credentials (a service-account key, as JSON or a file path) or VERTEXAI_CREDENTIALS / GOOGLE_APPLICATION_CREDENTIALS',
    );
  }
  const key = parsed as Record<string, unknown>;
  if (key.type !== undefined && key.type !== 'service_account')
    throw authError(deployment, `vertex_credentials of type '${String(key.type)}' are not supported; use a service-account key`);
  if (typeof key.client_email !== 'string' || typeof key.private_key !== 'string') throw authError(deployment, 'vertex_credentials lacks client_email or private_key');
  return {
    clientEmail: key.client_email,
    privateKey: key.private_key,
    privateKeyId: typeof key.private_key_id === 'string' ? key.private_key_id : undefined,
    tokenUri: typeof key.token_uri === 'string' && key.token_uri !== '' ? key.token_uri : GOOGLE_TOKEN_URI,
    projectId: typeof key.project_id === 'string' ? key.project_id : undefined,
  };
}

function parseJson(text: string, deployment: Deployment): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw authError(deployment, 'vertex_credentials is not valid JSON');
  }
}

/** The signed assertion of RFC 7523 §2.1 that Google exchanges for an access token (RS256, one hour). */
export function serviceAccountAssertion(account: ServiceAccount, nowSeconds: number): string {
  const header = { alg: 'RS256', typ: 'JWT', ...(account.privateKeyId ? { kid: account.privateKeyId } : {}) };
  const claims = { iss: account.clientEmail, scope: SCOPE, aud: account.tokenUri, iat: nowSeconds, exp: nowSeconds + JWT_LIFETIME_SECONDS };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = createSign('RSA-SHA256').update(signingInput).sign(account.privateKey);
  return `${signingInput}.${signature.toString('base64url')}`;
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

interface CachedToken {
  token: string;
  expiresAt: number;
}

/**
 * OAuth2 access tokens for service accounts, from a signed JWT exchanged at the account's token URI, each kept until
 * shortly before it expires. Concurrent calls for one account share one exchange.
 */
export class GoogleTokenSource {
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<CachedToken>>();

  constructor(
    private readonly http: UpstreamHttp,
    private readonly now: () => number = Date.now,
  ) {}

  /** @throws UpstreamError (401 for refused credentials, 502/504 for an unreachable or slow token server) */
  async accessToken(account: ServiceAccount, deployment: Deployment): Promise<string> {
    const cacheKey = `${account.tokenUri}\n${account.clientEmail}\n${account.privateKeyId ?? ''}`;
    const cached = this.tokens.get(cacheKey);
    if (cached && cached.expiresAt - RENEW_BEFORE_MS > this.now()) return cached.token;
    let exchange = this.pending.get(cacheKey);
    if (!exchange) {
      exchange = this.exchange(account, deployment).finally(() => this.pending.delete(cacheKey));
      this.pending.set(cacheKey, exchange);
    }
    const fresh = await exchange;
    if (this.tokens.size > 100) this.tokens.clear();
    this.tokens.set(cacheKey, fresh);
    return fresh.token;
  }

  private async exchange(account: ServiceAccount, deployment: Deployment): Promise<CachedToken> {
    let assertion: string;
    try {
      assertion = serviceAccountAssertion(account, Math.floor(this.now() / 1000));
    } catch {
      throw authError(deployment, 'the private_key of vertex_credentials cannot sign (not an RSA key in PEM form)');
    }
    const body = new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString();
    // Not the call's own signal: the token serves other calls too, so one client leaving must not abort it.
    const signal = AbortSignal.timeout(TOKEN_TIMEOUT_MS);
    let text: string;
    let status: number;
    try {
      const response = await this.http.post(
        toEndpoint(account.tokenUri),
        { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal,
        TOKEN_TIMEOUT_MS,
        deployment,
      );
      status = response.statusCode;
      text = await readBounded(response.body, MAX_TOKEN_BODY_BYTES);
    } catch (error) {
      if (error instanceof UpstreamError) throw error;
      throw new UpstreamError('upstream', 502, LABEL, `the OAuth endpoint ${new URL(account.tokenUri).host} could not be reached`);
    }
    let parsed: { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown } = {};
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      // Not JSON: reported below by status.
    }
    if (status >= 400 || typeof parsed.access_token !== 'string') {
      const reason = [parsed.error, parsed.error_description].filter((part) => typeof part === 'string').join(': ') || `HTTP ${status}`;
      throw authError(deployment, `the OAuth endpoint refused the service account ${account.clientEmail}: ${reason}`);
    }
    const lifetime = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : JWT_LIFETIME_SECONDS;
    return { token: parsed.access_token, expiresAt: this.now() + lifetime * 1000 };
  }
}

function authError(deployment: Deployment, detail: string): UpstreamError {
  return new UpstreamError('auth', 401, LABEL, `${detail} (model=${deployment.modelName})`);
}
