import { createCipheriv, createDecipheriv, generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeServer, sendJson } from './fake-server';

/**
 * Google Secret Manager's REST API (v1 `:access`, `:addVersion`, create) for the real client in REST fallback
 * mode. Auth as Google checks a service account's self-signed JWT: RS256 over the header and claims, signed by
 * the account's private key (the fake holds only its public key), issued by the account, not expired.
 */
export class GoogleFake {
  readonly project = 'tollgate-test-project';
  readonly clientEmail = `gateway@${this.project}.iam.gserviceaccount.com`;
  readonly secrets = new Map<string, string[]>();
  /** The Cloud KMS key `GOOGLE_KMS_RESOURCE_NAME` names; its AES key never leaves the fake. */
  readonly kmsKeyName = `projects/${this.project}/locations/global/keyRings/tollgate/cryptoKeys/config`;
  private readonly kmsKey = randomBytes(32);
  private readonly keyId = randomBytes(8).toString('hex');
  private readonly keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  readonly server = new FakeServer((request, body, response) => {
    const url = new URL(request.url ?? '/', 'http://google');
    this.server.calls.push(`${request.method} ${url.pathname}`);
    if (!this.authorized(String(request.headers.authorization ?? ''))) {
      return sendJson(response, 401, { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } });
    }
    if (request.method === 'POST' && url.pathname === `/v1/${this.kmsKeyName}:decrypt`) {
      const ciphertext = Buffer.from((JSON.parse(body.toString('utf8')) as { ciphertext?: string }).ciphertext ?? '', 'base64');
      const plaintext = this.open(ciphertext);
      if (!plaintext) return sendJson(response, 400, { error: { code: 400, message: 'Decryption failed: the ciphertext is invalid.', status: 'INVALID_ARGUMENT' } });
      return sendJson(response, 200, { plaintext: plaintext.toString('base64'), usedPrimary: true, protectionLevel: 'SOFTWARE' });
    }
    const prefix = `/v1/projects/${this.project}/secrets`;
    const notFound = (name: string): void =>
      sendJson(response, 404, { error: { code: 404, message: `Secret [projects/${this.project}/secrets/${name}] not found or has no versions.`, status: 'NOT_FOUND' } });
    const access = new RegExp(`^${prefix}/([^/]+)/versions/latest:access$`).exec(url.pathname);
    if (request.method === 'GET' && access) {
      const name = decodeURIComponent(access[1]);
      const versions = this.secrets.get(name);
      if (!versions?.length) return notFound(name);
      return sendJson(response, 200, {
        name: `${prefix.slice(4)}/${name}/versions/${versions.length}`,
        payload: { data: Buffer.from(versions.at(-1)!, 'utf8').toString('base64') },
      });
    }
    const addVersion = new RegExp(`^${prefix}/([^/]+):addVersion$`).exec(url.pathname);
    if (request.method === 'POST' && addVersion) {
      const name = decodeURIComponent(addVersion[1]);
      const versions = this.secrets.get(name);
      if (!versions) return notFound(name);
      const data = (JSON.parse(body.toString('utf8')) as { payload?: { data?: string } }).payload?.data ?? '';
      versions.push(Buffer.from(data, 'base64').toString('utf8'));
      return sendJson(response, 200, { name: `${prefix.slice(4)}/${name}/versions/${versions.length}`, state: 'ENABLED' });
    }
    if (request.method === 'POST' && url.pathname === prefix) {
      const name = url.searchParams.get('secretId') ?? '';
      if (!/^[A-Za-z0-9_-]{1,255}$/.test(name)) return sendJson(response, 400, { error: { code: 400, message: 'Invalid secret id', status: 'INVALID_ARGUMENT' } });
      if (this.secrets.has(name)) return sendJson(response, 409, { error: { code: 409, message: 'Secret already exists', status: 'ALREADY_EXISTS' } });
      this.secrets.set(name, []);
      return sendJson(response, 200, { name: `${prefix.slice(4)}/${name}`, replication: { automatic: {} } });
    }
    return sendJson(response, 404, { error: { code: 404, message: 'Not found', status: 'NOT_FOUND' } });
  });

  get url(): string {
    return this.server.url;
  }

  /** Writes the service account key file Google would hand out, for GOOGLE_APPLICATION_CREDENTIALS. */
  writeCredentials(dir: string): string {
    const path = join(dir, 'service-account.json');
    writeFileSync(
      path,
      JSON.stringify({
        type: 'service_account',
        project_id: this.project,
        private_key_id: this.keyId,
        private_key: this.keys.privateKey.export({ type: 'pkcs8', format: 'pem' }),
        client_email: this.clientEmail,
        client_id: '1234567890',
        token_uri: 'https://oauth2.googleapis.com/token',
      }),
    );
    return path;
  }

  /** What `gcloud kms encrypt` would produce for the fake's key, base64-encoded. */
  encrypt(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.kmsKey, iv);
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
  }

  private open(ciphertext: Buffer): Buffer | undefined {
    if (ciphertext.length < 28) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.kmsKey, ciphertext.subarray(0, 12));
      decipher.setAuthTag(ciphertext.subarray(12, 28));
      return Buffer.concat([decipher.update(ciphertext.subarray(28)), decipher.final()]);
    } catch {
      return undefined;
    }
  }

  setSecret(name: string, value: string): void {
    this.secrets.set(name, [...(this.secrets.get(name) ?? []), value]);
  }

  private authorized(header: string): boolean {
    const token = /^Bearer (.+)$/.exec(header)?.[1];
    const parts = token?.split('.');
    if (!parts || parts.length !== 3) return false;
    const [encodedHeader, encodedClaims, signature] = parts;
    const jwtHeader = JSON.parse(Buffer.from(encodedHeader, 'base64url').toString('utf8')) as { alg?: string; kid?: string };
    const claims = JSON.parse(Buffer.from(encodedClaims, 'base64url').toString('utf8')) as { iss?: string; sub?: string; exp?: number; scope?: string; aud?: string };
    if (jwtHeader.alg !== 'RS256' || jwtHeader.kid !== this.keyId) return false;
    if (claims.iss !== this.clientEmail || typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) return false;
    if (!(claims.scope ?? '').includes('https://www.googleapis.com/auth/cloud-platform') && !claims.aud) return false;
    return verify('sha256', Buffer.from(`${encodedHeader}.${encodedClaims}`), this.keys.publicKey, Buffer.from(signature, 'base64url'));
  }
}
