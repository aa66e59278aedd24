import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';
import type * as Identity from '@azure/identity';
import type * as Sdk from '@azure/keyvault-secrets';
import type { SecretManager } from '../secret-manager';
import { type Env, presentEnv, requiredEnv } from '../secret-settings';

const loadSdk = (): typeof Sdk => require('@azure/keyvault-secrets') as typeof Sdk;
const loadIdentity = (): typeof Identity => require('@azure/identity') as typeof Identity;

const TRUTHY = new Set(['true', '1', 'yes']);

/**
 * Key Vault secret names allow only letters, digits and dashes, so `OPENAI_API_KEY` is stored as
 * `OPENAI-API-KEY` and a virtual key `litellm/etl` as `litellm-etl`.
 */
export const toKeyVaultName = (name: string): string => name.replace(/[^0-9A-Za-z-]/g, '-');

/**
 * Azure Key Vault (`AZURE_KEY_VAULT_URI`) through `@azure/keyvault-secrets`. Credentials: a service principal
 * (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`, optional `AZURE_AUTHORITY_HOST`), else
 * `DefaultAzureCredential` (managed identity, workload identity, Azure CLI). `AZURE_KEY_VAULT_CA_CERT` names a
 * CA bundle to trust for the vault and the authority (a private endpoint or an Azure Stack hub under a
 * private CA).
 */
export class AzureKeyVaultClient implements SecretManager {
  readonly system = 'azure_key_vault' as const;
  private readonly client: Sdk.SecretClient;

  constructor(env: Env, problems: string[]) {
    const vaultUrl = requiredEnv(env, 'AZURE_KEY_VAULT_URI', problems, 'azure_key_vault');
    if (vaultUrl !== '' && !vaultUrl.startsWith('https://')) problems.push('AZURE_KEY_VAULT_URI: must be an https:// URL (Key Vault refuses tokens over http)');
    let agent: Agent | undefined;
    const caPath = presentEnv(env.AZURE_KEY_VAULT_CA_CERT);
    try {
      if (caPath) agent = new Agent({ ca: readFileSync(caPath), keepAlive: true });
    } catch (error) {
      problems.push(`AZURE_KEY_VAULT_CA_CERT: cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
    }
    const identity = loadIdentity();
    const tenantId = presentEnv(env.AZURE_TENANT_ID);
    const clientId = presentEnv(env.AZURE_CLIENT_ID);
    const clientSecret = presentEnv(env.AZURE_CLIENT_SECRET);
    const authorityHost = presentEnv(env.AZURE_AUTHORITY_HOST);
    // A custom authority (Azure Stack, a sovereign or test authority) has no Microsoft instance metadata.
    const credentialOptions = { authorityHost, disableInstanceDiscovery: authorityHost !== undefined, agent, retryOptions: { maxRetries: 1 } };
    const credential =
      tenantId && clientId && clientSecret
        ? new identity.ClientSecretCredential(tenantId, clientId, clientSecret, credentialOptions)
        : new identity.DefaultAzureCredential(credentialOptions);
    this.client = new (loadSdk().SecretClient)(vaultUrl || 'https://unset.vault.azure.net', credential, {
      agent,
      retryOptions: { maxRetries: 1 },
      // The SDK's check that the challenge's resource is a parent domain of the vault host; off only when told.
      disableChallengeResourceVerification: TRUTHY.has((env.AZURE_KEY_VAULT_DISABLE_CHALLENGE_RESOURCE_VERIFICATION ?? '').toLowerCase()),
    });
  }

  async read(name: string): Promise<string | undefined> {
    try {
      return (await this.client.getSecret(toKeyVaultName(name))).value;
    } catch (error) {
      if ((error as { statusCode?: unknown }).statusCode === 404) return undefined;
      throw error;
    }
  }

  async write(name: string, value: string): Promise<void> {
    await this.client.setSecret(toKeyVaultName(name), value);
  }

  async close(): Promise<void> {}
}
