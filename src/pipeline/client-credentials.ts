import { DomainError } from '../common/errors/domain-error';
import type { VirtualKeyRecord } from '../common/access/virtual-key';
import type { Deployment } from '../routing/deployment';
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

/**
 * Client-side credentials (`api_base` / `base_url` / `api_key` in the request body): refused unless the proxy
 * (`general_settings.allow_client_side_credentials`) or the key (`permissions.allow_client_side_credentials`)
 * explicitly allows them; when allowed, the URL must resolve to public addresses only, and the call goes to a copy
 * of the deployment pointing there, marked so the upstream client re-checks every address it connects to.
 * @returns the deployment to call (the configured one when the request names no credentials).
 * @throws ClientSideCredentialsNotAllowedError, UnsafeUrlError (both 400)
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
  const base = body.api_base ?? body.base_url;
  let apiBase = deployment.apiBase;
  if (base !== undefined && base !== null) {
    if (typeof base !== 'string') throw new ClientSideCredentialsNotAllowedError('api_base');
    apiBase = (await assertSafeUrl(base, resolve)).toString().replace(/\/$/, '');
  }
  const apiKey = typeof body.api_key === 'string' ? body.api_key : deployment.apiKey;
  const apiVersion = typeof body.api_version === 'string' ? body.api_version : deployment.apiVersion;
  for (const field of CLIENT_SIDE_FIELDS) delete body[field];
  return { ...deployment, apiBase, apiKey, apiVersion, clientSupplied: true };
}
