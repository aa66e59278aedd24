import { generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeServer, sendJson } from '../fakes/fake-server';

/** Google's sixteen moderation categories, as `moderationCategories[].name` spells them. */
export const GOOGLE_CATEGORIES = [
  'Toxic',
  'Insult',
  'Profanity',
  'Derogatory',
  'Sexual',
  'Death, Harm & Tragedy',
  'Violent',
  'Firearms & Weapons',
  'Public Safety',
  'Health',
  'Religion & Belief',
  'Illicit Drugs',
  'War & Conflict',
  'Politics',
  'Finance',
  'Legal',
] as const;

/** The labelled set: texts matching a rule get these confidences; every other category stays at 0.02–0.1. */
const RULES: readonly [RegExp, Partial<Record<(typeof GOOGLE_CATEGORIES)[number], number>>][] = [
  [/\byou are an? (idiot|moron)\b/i, { Toxic: 0.93, Insult: 0.91, Derogatory: 0.4 }],
  [/\bI will kill\b/i, { Violent: 0.88, 'Death, Harm & Tragedy': 0.62, Toxic: 0.7 }],
  [/\b(rifle|handgun)\b/i, { 'Firearms & Weapons': 0.86 }],
  [/\b(election|senator|ballot)\b/i, { Politics: 0.72 }],
  [/\b(stocks?|bonds?|invest)\b/i, { Finance: 0.55 }],
];

const SCOPES = ['https://www.googleapis.com/auth/cloud-platform', 'https://www.googleapis.com/auth/cloud-language'];

function googleError(response: ServerResponse, code: number, status: string, message: string): void {
  sendJson(response, code, { error: { code, message, status } });
}

/**
 * Google's OAuth token endpoint and Cloud Natural Language `documents:moderateText` (v2). A service account gets an
 * access token for a JWT it signed (RS256 with its key, `kid` = its `private_key_id`, `iss` = its email, `aud` = the
 * token URI, a cloud-platform or cloud-language scope, at most an hour, not expired); an authorized user for its
 * refresh token. `moderateText` takes that bearer token or an API key (`?key=` or `x-goog-api-key`) and a
 * `{document: {type: PLAIN_TEXT, content}}`, and answers the sixteen categories with confidences.
 */
export class GoogleTextModerationFake {
  readonly project = 'tollgate-moderation-test';
  readonly clientEmail = `moderation@${this.project}.iam.gserviceaccount.com`;
  readonly apiKey = `AIza${randomBytes(16).toString('hex')}`;
  readonly refreshToken = `1//${randomBytes(12).toString('hex')}`;
  readonly clientSecret = randomBytes(12).toString('hex');
  delayMs = 0;
  failWith?: number;
  tokenRequests = 0;
  readonly documents: unknown[] = [];
  readonly server: FakeServer;
  private readonly keyId = randomBytes(8).toString('hex');
  private readonly keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  private readonly tokens = new Map<string, { expires: number; user: boolean }>();

  constructor() {
    this.server = new FakeServer((request, body, response) => this.handle(request, body, response));
  }

  get url(): string {
    return this.server.url;
  }

  get tokenUri(): string {
    return `${this.url}/token`;
  }

  start(): Promise<void> {
    return this.server.start();
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /** The key file Google hands out for a service account (what GOOGLE_APPLICATION_CREDENTIALS names). */
  serviceAccountJson(): string {
    return JSON.stringify({
      type: 'service_account',
      project_id: this.project,
      private_key_id: this.keyId,
      private_key: this.keys.privateKey.export({ type: 'pkcs8', format: 'pem' }),
      client_email: this.clientEmail,
      client_id: '1234567890',
      token_uri: this.tokenUri,
    });
  }

  /** What `gcloud auth application-default login` writes, plus a `token_uri` that points at this fake. */
  authorizedUserJson(): string {
    return JSON.stringify({
      type: 'authorized_user',
      client_id: 'client-0001.apps.googleusercontent.com',
      client_secret: this.clientSecret,
      refresh_token: this.refreshToken,
      quota_project_id: this.project,
      token_uri: this.tokenUri,
    });
  }

  /** Invalidates every access token issued so far (as a revoked or expired token would be). */
  revokeTokens(): void {
    this.tokens.clear();
  }

  private async handle(request: IncomingMessage, raw: Buffer, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://google');
    this.server.calls.push(`${request.method} ${url.pathname}`);
    if (request.method === 'POST' && url.pathname === '/token') return this.token(request, raw, response);
    if (request.method !== 'POST' || url.pathname !== '/v2/documents:moderateText') return googleError(response, 404, 'NOT_FOUND', 'Requested entity was not found.');
    const key = url.searchParams.get('key') ?? request.headers['x-goog-api-key'];
    if (key !== undefined && key !== null) {
      if (key !== this.apiKey) return googleError(response, 400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.');
    } else {
      const token = /^Bearer (.+)$/.exec(String(request.headers.authorization ?? ''))?.[1];
      const issued = token === undefined ? undefined : this.tokens.get(token);
      if (issued === undefined || issued.expires < Date.now()) {
        return googleError(
          response,
          401,
          'UNAUTHENTICATED',
          'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
        );
      }
      if (issued.user && request.headers['x-goog-user-project'] !== this.project) {
        return googleError(
          response,
          403,
          'PERMISSION_DENIED',
          'Your application is authenticating by using local Application Default Credentials. The language.googleapis.com API requires a quota project, which is not set by default.',
        );
      }
    }
    if (this.delayMs > 0) await pause(this.delayMs, response);
    if (this.failWith !== undefined) return googleError(response, this.failWith, this.failWith === 429 ? 'RESOURCE_EXHAUSTED' : 'INTERNAL', 'Internal error encountered.');
    let body: { document?: { type?: unknown; content?: unknown; languageCode?: unknown } };
    try {
      body = JSON.parse(raw.toString('utf8')) as typeof body;
    } catch {
      return googleError(response, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    }
    this.documents.push(body.document);
    const document = body.document;
    if (typeof document !== 'object' || document === null) return googleError(response, 400, 'INVALID_ARGUMENT', 'One of content, or gcs_content_uri must be set.');
    if (document.type !== 'PLAIN_TEXT' && document.type !== 'HTML') return googleError(response, 400, 'INVALID_ARGUMENT', 'Invalid document type.');
    if (typeof document.content !== 'string' || document.content.trim() === '') return googleError(response, 400, 'INVALID_ARGUMENT', 'The document is empty.');
    const text = document.content;
    const found = RULES.filter(([pattern]) => pattern.test(text)).map(([, scores]) => scores);
    const moderationCategories = GOOGLE_CATEGORIES.map((name, index) => {
      const confidence = Math.max(0.02 + (index % 5) * 0.02, ...found.map((scores) => scores[name] ?? 0));
      return { name, confidence, severity: Math.round(confidence * 50) / 100 };
    });
    return sendJson(response, 200, { moderationCategories, languageCode: 'en', languageSupported: true });
  }

  private token(request: IncomingMessage, raw: Buffer, response: ServerResponse): void {
    this.tokenRequests++;
    if (!String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return sendJson(response, 400, { error: 'invalid_request', error_description: 'Invalid Content-Type' });
    }
    const form = new URLSearchParams(raw.toString('utf8'));
    const grant = form.get('grant_type');
    if (grant === 'refresh_token') {
      if (form.get('refresh_token') !== this.refreshToken || form.get('client_secret') !== this.clientSecret)
        return sendJson(response, 400, { error: 'invalid_grant', error_description: 'Bad Request' });
      return this.issue(response, true);
    }
    if (grant !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return sendJson(response, 400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' });
    const parts = (form.get('assertion') ?? '').split('.');
    if (parts.length !== 3) return sendJson(response, 400, { error: 'invalid_grant', error_description: 'Invalid JWT.' });
    const [encodedHeader, encodedClaims, signature] = parts;
    let header: { alg?: string; kid?: string };
    let claims: { iss?: string; aud?: string; scope?: string; iat?: number; exp?: number };
    try {
      header = JSON.parse(Buffer.from(encodedHeader, 'base64url').toString('utf8')) as typeof header;
      claims = JSON.parse(Buffer.from(encodedClaims, 'base64url').toString('utf8')) as typeof claims;
    } catch {
      return sendJson(response, 400, { error: 'invalid_grant', error_description: 'Invalid JWT.' });
    }
    if (header.alg !== 'RS256' || header.kid !== this.keyId) return sendJson(response, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    if (!verify('sha256', Buffer.from(`${encodedHeader}.${encodedClaims}`), this.keys.publicKey, Buffer.from(signature, 'base64url'))) {
      return sendJson(response, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    }
    const now = Date.now() / 1000;
    if (claims.iss !== this.clientEmail || claims.aud !== this.tokenUri) return sendJson(response, 400, { error: 'invalid_grant', error_description: 'Invalid JWT: iss or aud.' });
    if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number' || claims.exp - claims.iat > 3600 || claims.exp < now || claims.iat > now + 300) {
      return sendJson(response, 400, { error: 'invalid_grant', error_description: 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.' });
    }
    if (!(claims.scope ?? '').split(' ').some((scope) => SCOPES.includes(scope)))
      return sendJson(response, 400, { error: 'invalid_scope', error_description: 'Invalid OAuth scope.' });
    return this.issue(response, false);
  }

  private issue(response: ServerResponse, user: boolean): void {
    const token = `ya29.${randomBytes(24).toString('base64url')}`;
    this.tokens.set(token, { expires: Date.now() + 3600_000, user });
    sendJson(response, 200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
  }
}

/** Waits `ms`, or less when the client hangs up first. */
function pause(ms: number, response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    response.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
