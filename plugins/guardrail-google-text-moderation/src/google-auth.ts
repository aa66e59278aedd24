import { createPrivateKey, createSign, type KeyObject } from 'node:crypto';
import type { GuardrailContext } from '@tollgate/guardrail-sdk';

/** OAuth scope of the Natural Language API's calls. */
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const DEFAULT_TOKEN_URI = 'https://oauth2.googleapis.com/token';
/** A token is renewed this long before Google says it expires. */
const EXPIRY_MARGIN_MS = 60_000;

/** What a call needs to authenticate: an `Authorization` header and, for user credentials, the quota project. */
export interface GoogleAuthHeaders {
  readonly [name: string]: string;
}

/** Google refused the credentials, or answered the token request with something else than a token. */
export class GoogleAuthError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'GoogleAuthError';
  }
}

/** Credentials that turn into `Authorization: Bearer <access token>`, cached until shortly before they expire. */
export interface GoogleCredentials {
  headers(ctx: GuardrailContext): Promise<GoogleAuthHeaders>;
  /** Forgets a cached token Google no longer accepts (revoked, or expired early). */
  invalidate(): void;
}

interface ServiceAccountFile {
  type: 'service_account';
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri?: string;
}

interface AuthorizedUserFile {
  type: 'authorized_user';
  client_id: string;
  client_secret: string;
  refresh_token: string;
  quota_project_id?: string;
  token_uri?: string;
}

function isString(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function tokenUriOf(value: unknown): string {
  const uri = isString(value) ? value : DEFAULT_TOKEN_URI;
  const protocol = URL.canParse(uri) ? new URL(uri).protocol : '';
  if (protocol !== 'https:' && protocol !== 'http:') throw new Error('google-text-moderation: the credentials token_uri is not an http(s) URL');
  return uri;
}

/** Exchanges a grant for an access token at Google's token endpoint, keeping it until shortly before it expires. */
abstract class TokenCredentials implements GoogleCredentials {
  private cached?: { token: string; renewAt: number };

  constructor(protected readonly tokenUri: string) {}

  async headers(ctx: GuardrailContext): Promise<GoogleAuthHeaders> {
    const now = Date.now();
    if (!this.cached || this.cached.renewAt <= now) this.cached = await this.fetchToken(ctx, now);
    return { authorization: `Bearer ${this.cached.token}`, ...this.extraHeaders() };
  }

  invalidate(): void {
    this.cached = undefined;
  }

  protected extraHeaders(): Record<string, string> {
    return {};
  }

  protected abstract grant(now: number): URLSearchParams;

  private async fetchToken(ctx: GuardrailContext, now: number): Promise<{ token: string; renewAt: number }> {
    const response = await ctx.fetch(this.tokenUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: this.grant(now).toString(),
    });
    // Google's error body names the grant problem, never a secret, but it stays out of messages all the same.
    if (!response.ok) {
      await response.body?.cancel();
      throw new GoogleAuthError(`Google token endpoint answered ${response.status}`, response.status);
    }
    const answer = (await response.json()) as { access_token?: unknown; expires_in?: unknown } | null;
    if (!isString(answer?.access_token)) throw new GoogleAuthError('Google token endpoint answered without an access_token');
    const lifetimeMs = (typeof answer.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in : 3600) * 1000;
    return { token: answer.access_token, renewAt: now + Math.max(lifetimeMs - EXPIRY_MARGIN_MS, lifetimeMs / 2) };
  }
}

/** A service account: an RS256 JWT signed with its key, exchanged for an access token (RFC 7523 bearer grant). */
class ServiceAccountCredentials extends TokenCredentials {
  private readonly key: KeyObject;

  constructor(private readonly file: ServiceAccountFile) {
    super(tokenUriOf(file.token_uri));
    try {
      this.key = createPrivateKey(file.private_key);
    } catch {
      throw new Error('google-text-moderation: the service account private_key is not a PEM key');
    }
  }

  protected grant(now: number): URLSearchParams {
    const iat = Math.floor(now / 1000);
    const header = { alg: 'RS256', typ: 'JWT', ...(this.file.private_key_id ? { kid: this.file.private_key_id } : {}) };
    const claims = { iss: this.file.client_email, scope: CLOUD_PLATFORM_SCOPE, aud: this.tokenUri, iat, exp: iat + 3600 };
    const unsigned = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const signature = createSign('RSA-SHA256').update(unsigned).sign(this.key).toString('base64url');
    return new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: `${unsigned}.${signature}` });
  }
}

/** User credentials from `gcloud auth application-default login`: a refresh token. */
class AuthorizedUserCredentials extends TokenCredentials {
  constructor(private readonly file: AuthorizedUserFile) {
    super(tokenUriOf(file.token_uri));
  }

  protected override extraHeaders(): Record<string, string> {
    // User credentials bill the quota project named in the file (Google refuses many APIs without it).
    return this.file.quota_project_id ? { 'x-goog-user-project': this.file.quota_project_id } : {};
  }

  protected grant(): URLSearchParams {
    return new URLSearchParams({ grant_type: 'refresh_token', client_id: this.file.client_id, client_secret: this.file.client_secret, refresh_token: this.file.refresh_token });
  }
}

/**
 * Credentials from the JSON of a key file (`GOOGLE_APPLICATION_CREDENTIALS`): a service account, or an authorized
 * user (whose token endpoint is Google's unless the file names a `token_uri`).
 * @throws Error naming what is missing (never a value of the file)
 */
export function credentialsFromJson(json: string): GoogleCredentials {
  let file: Record<string, unknown>;
  try {
    file = JSON.parse(json) as Record<string, unknown>;
  } catch {
    throw new Error('google-text-moderation: the credentials are not JSON');
  }
  if (file.type === 'service_account') {
    if (!isString(file.client_email) || !isString(file.private_key)) throw new Error('google-text-moderation: the service account credentials need client_email and private_key');
    return new ServiceAccountCredentials(file as unknown as ServiceAccountFile);
  }
  if (file.type === 'authorized_user') {
    if (!isString(file.client_id) || !isString(file.client_secret) || !isString(file.refresh_token)) {
      throw new Error('google-text-moderation: the authorized_user credentials need client_id, client_secret and refresh_token');
    }
    return new AuthorizedUserCredentials(file as unknown as AuthorizedUserFile);
  }
  throw new Error(`google-text-moderation: credentials of type ${JSON.stringify(String(file.type)).slice(0, 40)} are not supported (service_account or authorized_user)`);
}

/** An API key, sent as `x-goog-api-key`. */
export function apiKeyCredentials(apiKey: string): GoogleCredentials {
  const headers = { 'x-goog-api-key': apiKey };
  return { headers: async () => headers, invalidate: () => undefined };
}
