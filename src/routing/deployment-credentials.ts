import type { Deployment } from './deployment';

/**
 * Deployment params that authenticate to the provider or pick the identity to authenticate as: AWS keys, session
 * tokens, roles and profiles; Azure AD tokens and client secrets; Vertex and Google credentials; extra headers.
 * `max_tokens` and `input_cost_per_token` are not credentials.
 */
const CREDENTIAL_PARAM =
  /^(aws_|azure_|vertex_|google_|gcp_)|^(api_key|client_id|client_secret|tenant_id|headers|extra_headers|organization|token|secret|password|username|credentials)$|_(api_key|key_id|secret|secret_key|password|access_token|session_token|auth_token|ad_token|credentials)$/;

/** Shorter values are not redacted: they are not secrets worth the name, and would mangle ordinary text. */
const MIN_REDACTED_LENGTH = 8;

export function isCredentialParam(name: string): boolean {
  return CREDENTIAL_PARAM.test(name);
}

/** The deployment's params less everything that authenticates. */
export function withoutCredentials(params: Deployment['params']): Deployment['params'] {
  return Object.fromEntries(Object.entries(params ?? {}).filter(([name]) => !isCredentialParam(name))) as Deployment['params'];
}

/**
 * `text` (a provider's error message) with every credential value of the deployment replaced by `***`: some
 * providers quote back the key they were sent ("Incorrect API key provided: …"), and that text reaches the caller,
 * the spend log and the health report. Pattern-based redaction misses keys without a known prefix; this does not.
 */
export function withoutDeploymentSecrets(text: string, deployment: Pick<Deployment, 'apiKey' | 'params'>): string {
  let redacted = text;
  for (const secret of credentialValues(deployment)) redacted = redacted.replaceAll(secret, '***');
  return redacted;
}

function credentialValues(deployment: Pick<Deployment, 'apiKey' | 'params'>): string[] {
  const values = new Set<string>();
  const add = (value: unknown): void => {
    if (typeof value === 'string' && value.length >= MIN_REDACTED_LENGTH) values.add(value);
    else if (typeof value === 'object' && value !== null) Object.values(value).forEach(add);
  };
  add(deployment.apiKey);
  for (const [name, value] of Object.entries(deployment.params ?? {})) if (isCredentialParam(name)) add(value);
  // Longest first, so a secret that contains another is replaced whole.
  return [...values].sort((a, b) => b.length - a.length);
}
