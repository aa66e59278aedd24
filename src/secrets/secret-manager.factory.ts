import type { SecretManager } from './secret-manager';
import type { Env, SecretManagerSettings } from './secret-settings';
import { SecretManagerError } from './secrets.errors';

/**
 * Builds the configured vendor's client. Each client file loads its SDK on first use, so only the chosen
 * vendor's SDK is loaded at boot.
 * @param problems receives one line per missing or bad setting; the caller stops boot on any.
 */
export function createSecretManager(settings: SecretManagerSettings, env: Env, problems: string[]): SecretManager | undefined {
  const manager = createVendorClient(settings, env, problems);
  return manager === undefined || settings.primarySecretName === undefined ? manager : new PrimarySecretReader(manager, settings.primarySecretName);
}

function createVendorClient(settings: SecretManagerSettings, env: Env, problems: string[]): SecretManager {
  switch (settings.system) {
    case 'aws_secret_manager': {
      const { AwsSecretsManagerClient } = require('./clients/aws-secrets-manager.client') as typeof import('./clients/aws-secrets-manager.client');
      return new AwsSecretsManagerClient(env, problems);
    }
    case 'aws_kms': {
      const { AwsKmsSecretManager } = require('./clients/aws-kms.client') as typeof import('./clients/aws-kms.client');
      return new AwsKmsSecretManager(env, problems);
    }
    case 'hashicorp_vault': {
      const { HashicorpVaultClient } = require('./clients/hashicorp-vault.client') as typeof import('./clients/hashicorp-vault.client');
      return new HashicorpVaultClient(env, problems);
    }
    case 'google_secret_manager': {
      const { GoogleSecretManagerClient } = require('./clients/google-secret-manager.client') as typeof import('./clients/google-secret-manager.client');
      return new GoogleSecretManagerClient(env, problems);
    }
    case 'azure_key_vault': {
      const { AzureKeyVaultClient } = require('./clients/azure-key-vault.client') as typeof import('./clients/azure-key-vault.client');
      return new AzureKeyVaultClient(env, problems);
    }
    case 'google_kms': {
      const { GoogleKmsSecretManager } = require('./clients/google-kms.client') as typeof import('./clients/google-kms.client');
      return new GoogleKmsSecretManager(env, problems);
    }
  }
}

/**
 * `primary_secret_name`: one secret holding a JSON object of `NAME: value` pairs; each name is read from it.
 * Writes go to secrets of their own, as LiteLLM stores virtual keys.
 */
class PrimarySecretReader implements SecretManager {
  readonly system: SecretManager['system'];

  constructor(
    private readonly manager: SecretManager,
    private readonly primarySecretName: string,
  ) {
    this.system = manager.system;
  }

  async read(name: string): Promise<string | undefined> {
    const document = await this.manager.read(this.primarySecretName);
    if (document === undefined) throw new SecretManagerError(`the primary secret ${this.primarySecretName} does not exist`);
    let entries: unknown;
    try {
      entries = JSON.parse(document);
    } catch {
      throw new SecretManagerError(`the primary secret ${this.primarySecretName} is not a JSON object`);
    }
    if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) {
      throw new SecretManagerError(`the primary secret ${this.primarySecretName} is not a JSON object`);
    }
    const value = (entries as Record<string, unknown>)[name];
    return value === undefined || value === null ? undefined : String(value);
  }

  write(name: string, value: string): Promise<void> {
    return this.manager.write(name, value);
  }

  close(): Promise<void> {
    return this.manager.close();
  }
}
