import { randomBytes, randomUUID } from 'node:crypto';
import { FakeServer, sendJson } from './fake-server';
import type { TestPki } from './test-pki';

const VAULT_SCOPE = 'https://vault.azure.net/.default';

/**
 * Azure Key Vault's secrets API and a Microsoft Entra ID authority (OpenID metadata + client-credentials token
 * endpoint), over HTTPS with the test CA: the SDK sends bearer tokens only over TLS. The vault answers an
 * unauthenticated call with Key Vault's 401 challenge and accepts only tokens the authority issued for the vault
 * scope; the authority issues them only for the right tenant, client id and secret.
 */
export class AzureFake {
  readonly tenantId = randomUUID();
  readonly clientId = randomUUID();
  readonly clientSecret = randomBytes(18).toString('base64url');
  /** Stored by Key Vault name (letters, digits, dashes). */
  readonly secrets = new Map<string, string>();
  private readonly tokens = new Set<string>();
  readonly server: FakeServer;

  constructor(pki: TestPki) {
    this.server = new FakeServer(
      (request, body, response) => {
        const url = new URL(request.url ?? '/', 'https://azure');
        this.server.calls.push(`${request.method} ${url.pathname}`);
        const authority = `${this.url}/${this.tenantId}`;
        if (request.method === 'GET' && url.pathname === `/${this.tenantId}/v2.0/.well-known/openid-configuration`) {
          return sendJson(response, 200, {
            issuer: `${authority}/v2.0`,
            token_endpoint: `${authority}/oauth2/v2.0/token`,
            authorization_endpoint: `${authority}/oauth2/v2.0/authorize`,
            end_session_endpoint: `${authority}/oauth2/v2.0/logout`,
            jwks_uri: `${authority}/discovery/v2.0/keys`,
            response_types_supported: ['code', 'id_token', 'token'],
            subject_types_supported: ['pairwise'],
            id_token_signing_alg_values_supported: ['RS256'],
          });
        }
        if (request.method === 'POST' && url.pathname === `/${this.tenantId}/oauth2/v2.0/token`) {
          const form = new URLSearchParams(body.toString('utf8'));
          if (form.get('grant_type') !== 'client_credentials' || form.get('client_id') !== this.clientId || form.get('client_secret') !== this.clientSecret) {
            return sendJson(response, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
          }
          if (!(form.get('scope') ?? '').split(' ').includes(VAULT_SCOPE)) return sendJson(response, 400, { error: 'invalid_scope' });
          const token = randomBytes(24).toString('base64url');
          this.tokens.add(token);
          return sendJson(response, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token });
        }
        const secret = /^\/secrets\/([0-9A-Za-z-]+)\/?(?:[0-9a-f]*)$/.exec(url.pathname);
        if (!secret) return sendJson(response, 404, { error: { code: 'NotFound', message: 'Not found' } });
        const bearer = /^Bearer (.+)$/.exec(String(request.headers.authorization ?? ''))?.[1];
        if (!bearer || !this.tokens.has(bearer)) {
          return sendJson(
            response,
            401,
            { error: { code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.' } },
            {
              'www-authenticate': `Bearer authorization="${authority}", resource="https://vault.azure.net"`,
            },
          );
        }
        const name = secret[1];
        const id = `${this.url}/secrets/${name}/${randomBytes(16).toString('hex')}`;
        if (request.method === 'GET') {
          const value = this.secrets.get(name);
          if (value === undefined)
            return sendJson(response, 404, { error: { code: 'SecretNotFound', message: `A secret with (name/id) ${name} was not found in this key vault.` } });
          return sendJson(response, 200, { value, id, attributes: { enabled: true, created: 1700000000, updated: 1700000000, recoveryLevel: 'Recoverable' } });
        }
        if (request.method === 'PUT') {
          const value = (JSON.parse(body.toString('utf8')) as { value?: unknown }).value;
          if (typeof value !== 'string') return sendJson(response, 400, { error: { code: 'BadParameter', message: 'value is required' } });
          this.secrets.set(name, value);
          return sendJson(response, 200, { value, id, attributes: { enabled: true } });
        }
        return sendJson(response, 405, { error: { code: 'MethodNotAllowed', message: '' } });
      },
      { key: pki.serverKey, cert: pki.serverCert },
    );
  }

  get url(): string {
    return this.server.url;
  }

  env(caCertPath: string): Record<string, string> {
    return {
      AZURE_KEY_VAULT_URI: this.url,
      AZURE_TENANT_ID: this.tenantId,
      AZURE_CLIENT_ID: this.clientId,
      AZURE_CLIENT_SECRET: this.clientSecret,
      AZURE_AUTHORITY_HOST: this.url,
      AZURE_KEY_VAULT_CA_CERT: caCertPath,
      // The vault runs on 127.0.0.1, not a subdomain of vault.azure.net, so the SDK's domain check cannot pass.
      AZURE_KEY_VAULT_DISABLE_CHALLENGE_RESOURCE_VERIFICATION: 'true',
    };
  }
}
