import { DomainError } from '../common/errors/domain-error';
import type { VirtualKeyRecord } from '../common/access/virtual-key';
import type { Deployment } from '../routing/deployment';
import { withoutCredentials } from '../routing/deployment-credentials';
import { assertSafeUrl, systemResolver, type HostResolver } from '../routing/ssrf-guard';

/** Request-body fields that would choose where Tollgate connects, or with what credentials. */
const CLIENT_SIDE_FIELDS = ['api_base', 'base_url', 'api_key', 'api_version'] as const;

/** Cheap test for the hot path: most requests name none of the fields. */
export function namesClientSideCredentials(body: object): boolean {
  const record = body as Record<string, unknown>;
  return CLIENT_SIDE_FIELDS.some((field) => record[field] !== undefined && record[field] !== null);
}

/** LiteLLM's refusal, kept verbatim: tools and runbooks search for it. */
export class ClientSideCredentialsNotAllowedError extends DomainError {
  constructor(field: string) {
    super(
      'GW_BAD_REQUEST',
      `Rejected Request: ${field} is not allowed in request body. Enable with \`general_settings::allow_client_side_credentials\` on proxy config.yaml. Relevant Issue: https://huntr.com/bounties/4001e1a2-7b7a-4776-a3ae-e6692ec3d997`,
      { status: 400, type: 'invalid_request_error', param: field },
    );
  }
}

/** A request that points the call at another host without bringing the credential to use there. */
export class ClientSideBaseWithoutKeyError extends DomainError {
  constructor(field: string) {
    super(
      'GW_BAD_REQUEST',
      `Rejected Request: ${field} in the request body needs an api_key in the request body too; the deployment's own credentials are only sent to the hosts configured for it.`,
      { status: 400, type: 'invalid_request_error', param: 'api_key' },
    );
  }
}

/**
 * Client-side credentials (`api_base` / `base_url` / `api_key` in the request body): refused unless the proxy
 * (`general_settings.allow_client_side_credentials`) or the key (`permissions.allow_client_side_credentials`)
 * explicitly allows them; when allowed, the URL must resolve to public addresses only, and the call goes to a copy
 * of the deployment pointing there, marked so the upstream client re-checks every address it connects to.
 * A request that changes where the call goes must bring its own `api_key`: the copy keeps none of the deployment's
 * credentials (its key, organization, AWS / Azure AD / Vertex credentials), which stay with the configured hosts.
 * @returns the deployment to call (the configured one when the request names no credentials).
 * @throws ClientSideCredentialsNotAllowedError, ClientSideBaseWithoutKeyError, UnsafeUrlError (all 400)
 */
export async function applyClientSideCredentials(
  body: Record<string, unknown>,
  deployment: Deployment,
  key: VirtualKeyRecord | undefined,
  allowedByConfig: boolean,
  resolve: HostResolver = systemResolver,
): Promise<Deployment> {
  const supplied = CLIENT_SIDE_FIELDS.filter((field) => body[field] !== undefined && body[field] !== null);
  if (supplied.length === 0) return deployment;
  const allowed = allowedByConfig || key?.permissions.allow_client_side_credentials === true;
  if (!allowed) throw new ClientSideCredentialsNotAllowedError(supplied[0]);
  const baseField = body.api_base !== undefined && body.api_base !== null ? 'api_base' : body.base_url !== undefined && body.base_url !== null ? 'base_url' : undefined;
  const apiVersion = typeof body.api_version === 'string' ? body.api_version : deployment.apiVersion;
  if (baseField === undefined) {
    // Same host as configured: the caller may use its own key there (or only change api_version).
    const apiKey = typeof body.api_key === 'string' ? body.api_key : deployment.apiKey;
    for (const field of CLIENT_SIDE_FIELDS) delete body[field];
    return { ...deployment, apiKey, apiVersion };
  }
  const base = body[baseField];
  if (typeof base !== 'string') throw new ClientSideCredentialsNotAllowedError(baseField);
  // Checked before the URL is resolved: a request refused anyway causes no DNS query either.
  if (typeof body.api_key !== 'string' || body.api_key.trim() === '') throw new ClientSideBaseWithoutKeyError(baseField);
  const apiKey = body.api_key;
  const apiBase = (await assertSafeUrl(base, resolve)).toString().replace(/\/$/, '');
  for (const field of CLIENT_SIDE_FIELDS) delete body[field];
  return { ...deployment, apiBase, apiKey, apiVersion, organization: undefined, params: withoutCredentials(deployment.params), clientSupplied: true };
}
