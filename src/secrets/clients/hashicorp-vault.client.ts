import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import type { SecretManager } from '../secret-manager';
import { type Env, presentEnv, requiredEnv } from '../secret-settings';
import { SecretManagerError } from '../secrets.errors';

/** Re-login this long before the cert-auth token's lease ends. */
const TOKEN_RENEW_MARGIN_MS = 30_000;
const TIMEOUT_MS = 10_000;

interface VaultToken {
  value: string;
  expiresAt: number;
}

/**
 * HashiCorp Vault over its HTTP API, KV v2: `os.environ/NAME` reads `{addr}/v1/{namespace}/secret/data/NAME`
 * and takes `data.data.key`, as LiteLLM does. Auth is `HCP_VAULT_TOKEN`, or TLS client-certificate login
 * (`HCP_VAULT_CLIENT_CERT` / `HCP_VAULT_CLIENT_KEY`, role `HCP_VAULT_CERT_ROLE`), whose token is renewed when
 * its lease ends. `HCP_VAULT_CA_CERT` names a CA bundle for a Vault served under a private CA.
 */
export class HashicorpVaultClient implements SecretManager {
  readonly system = 'hashicorp_vault' as const;
  private readonly address: string;
  private readonly namespace?: string;
  private readonly mount: string;
  private readonly staticToken?: string;
  private readonly certRole?: string;
  private readonly usesCertAuth: boolean;
  private readonly dispatcher: Agent;
  private readonly now: () => number;
  private token?: VaultToken;

  constructor(env: Env, problems: string[], now: () => number = Date.now) {
    this.now = now;
    this.address = requiredEnv(env, 'HCP_VAULT_ADDR', problems, 'hashicorp_vault').replace(/\/+$/, '');
    this.namespace = presentEnv(env.HCP_VAULT_NAMESPACE)?.replace(/^\/+|\/+$/g, '');
    this.mount = presentEnv(env.HCP_VAULT_MOUNT_NAME) ?? 'secret';
    this.staticToken = presentEnv(env.HCP_VAULT_TOKEN);
    this.certRole = presentEnv(env.HCP_VAULT_CERT_ROLE);
    const certPath = presentEnv(env.HCP_VAULT_CLIENT_CERT);
    const keyPath = presentEnv(env.HCP_VAULT_CLIENT_KEY);
    const caPath = presentEnv(env.HCP_VAULT_CA_CERT);
    this.usesCertAuth = this.staticToken === undefined && certPath !== undefined;
    if (this.staticToken === undefined && (certPath === undefined || keyPath === undefined)) {
      problems.push('HCP_VAULT_TOKEN: must be set for hashicorp_vault, or HCP_VAULT_CLIENT_CERT and HCP_VAULT_CLIENT_KEY for TLS certificate auth');
    }
    if (this.address !== '' && !/^https?:\/\//.test(this.address)) problems.push('HCP_VAULT_ADDR: must be an http(s) URL');
    const connect: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
    try {
      if (caPath) connect.ca = readFileSync(caPath);
      if (certPath && keyPath) {
        connect.cert = readFileSync(certPath);
        connect.key = readFileSync(keyPath);
      }
    } catch (error) {
      problems.push(`HCP_VAULT_CLIENT_CERT / HCP_VAULT_CLIENT_KEY / HCP_VAULT_CA_CERT: cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
    this.dispatcher = new Agent({ connect, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS, connectTimeout: 3000 });
  }

  async read(name: string): Promise<string | undefined> {
    const response = await this.call('GET', this.secretUrl(name));
    if (response.status === 404) return undefined;
    const body = response.body as { data?: { data?: { key?: unknown } } } | undefined;
    const value = body?.data?.data?.key;
    return typeof value === 'string' ? value : undefined;
  }

  async write(name: string, value: string): Promise<void> {
    const response = await this.call('POST', this.secretUrl(name), { data: { key: value } });
    if (response.status === 404) throw new SecretManagerError(`Vault has no KV v2 mount '${this.mount}' (HTTP 404)`);
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private secretUrl(name: string): string {
    const path = name.split('/').map(encodeURIComponent).join('/');
    return `${this.address}/v1/${this.namespace ? `${this.namespace}/` : ''}${this.mount}/data/${path}`;
  }

  /** 2xx and 404 are answers; every other status is a failure (403 wrong token, 5xx sealed or down). */
  private async call(method: 'GET' | 'POST', url: string, payload?: object): Promise<{ status: number; body: unknown }> {
    const token = await this.currentToken();
    const response = await request(url, {
      method,
      dispatcher: this.dispatcher,
      headers: { 'x-vault-token': token, ...(payload ? { 'content-type': 'application/json' } : {}) },
      body: payload ? JSON.stringify(payload) : undefined,
    });
    const text = await response.body.text();
    if (response.statusCode === 403 && this.usesCertAuth) this.token = undefined;
    if (response.statusCode !== 404 && (response.statusCode < 200 || response.statusCode >= 300)) {
      throw new SecretManagerError(`Vault answered HTTP ${response.statusCode}`);
    }
    return { status: response.statusCode, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  }

  private async currentToken(): Promise<string> {
    if (this.staticToken !== undefined) return this.staticToken;
    if (this.token && this.now() < this.token.expiresAt) return this.token.value;
    const response = await request(`${this.address}/v1/auth/cert/login`, {
      method: 'POST',
      dispatcher: this.dispatcher,
      headers: { 'content-type': 'application/json', ...(this.namespace ? { 'x-vault-namespace': this.namespace } : {}) },
      body: JSON.stringify(this.certRole ? { name: this.certRole } : {}),
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) throw new SecretManagerError(`Vault certificate login failed (HTTP ${response.statusCode})`);
    const auth = (JSON.parse(text) as { auth?: { client_token?: unknown; lease_duration?: unknown } }).auth;
    if (typeof auth?.client_token !== 'string') throw new SecretManagerError('Vault certificate login returned no token');
    const leaseMs = typeof auth.lease_duration === 'number' && auth.lease_duration > 0 ? auth.lease_duration * 1000 : 3_600_000;
    this.token = { value: auth.client_token, expiresAt: this.now() + Math.max(leaseMs - TOKEN_RENEW_MARGIN_MS, leaseMs / 2) };
    return this.token.value;
  }
}
