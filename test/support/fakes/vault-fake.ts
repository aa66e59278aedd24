import { randomBytes } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { FakeServer, sendJson } from './fake-server';
import type { TestPki } from './test-pki';

/**
 * HashiCorp Vault's HTTP API for KV v2 (`/v1/[namespace/]secret/data/<path>`) and TLS certificate login
 * (`/v1/auth/cert/login`). Token checks as Vault does them: a missing or unknown `X-Vault-Token` gets 403
 * `permission denied`. With `pki`, it serves HTTPS and cert login issues a token only to a client whose
 * certificate chains to the test CA.
 */
export class VaultFake {
  readonly rootToken = `hvs.${randomBytes(12).toString('hex')}`;
  readonly secrets = new Map<string, string>();
  private readonly tokens = new Set<string>([this.rootToken]);
  readonly server: FakeServer;

  constructor(
    readonly namespace?: string,
    pki?: TestPki,
    private readonly certLeaseSeconds = 3600,
  ) {
    const tls = pki ? { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert, requestCert: true, rejectUnauthorized: false } : undefined;
    this.server = new FakeServer((request, body, response) => {
      const url = new URL(request.url ?? '/', 'http://vault');
      this.server.calls.push(`${request.method} ${url.pathname}`);
      if (request.method === 'POST' && url.pathname === '/v1/auth/cert/login') {
        const socket = request.socket as TLSSocket;
        if (!pki || !socket.authorized || !socket.getPeerCertificate()?.subject)
          return sendJson(response, 400, { errors: ['invalid certificate or no client certificate supplied'] });
        const token = `hvs.${randomBytes(12).toString('hex')}`;
        this.tokens.add(token);
        return sendJson(response, 200, { auth: { client_token: token, lease_duration: this.certLeaseSeconds, renewable: true, policies: ['default'] } });
      }
      const prefix = `/v1/${this.namespace ? `${this.namespace}/` : ''}secret/data/`;
      if (!url.pathname.startsWith(prefix)) return sendJson(response, 404, { errors: [] });
      if (!this.tokens.has(String(request.headers['x-vault-token'] ?? ''))) return sendJson(response, 403, { errors: ['permission denied'] });
      const name = decodeURIComponent(url.pathname.slice(prefix.length));
      if (request.method === 'GET') {
        const value = this.secrets.get(name);
        if (value === undefined) return sendJson(response, 404, { errors: [] });
        return sendJson(response, 200, { data: { data: { key: value }, metadata: { version: 1, created_time: new Date().toISOString() } } });
      }
      if (request.method === 'POST' || request.method === 'PUT') {
        const data = (JSON.parse(body.toString('utf8')) as { data?: { key?: unknown } }).data;
        if (typeof data?.key !== 'string') return sendJson(response, 400, { errors: ['no data provided'] });
        this.secrets.set(name, data.key);
        return sendJson(response, 200, { data: { version: 1, created_time: new Date().toISOString() } });
      }
      return sendJson(response, 405, { errors: [] });
    }, tls);
  }

  get url(): string {
    return this.server.url;
  }

  /** Revokes every token issued by certificate login (a root token stays valid). */
  revokeIssuedTokens(): void {
    for (const token of this.tokens) if (token !== this.rootToken) this.tokens.delete(token);
  }
}
