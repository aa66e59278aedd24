import type * as Sdk from '@aws-sdk/client-secrets-manager';
import type { SecretManager } from '../secret-manager';
import type { Env } from '../secret-settings';
import { awsClientConfig } from './aws-config';

// Loaded on first use: only deployments that configure this manager pay for the SDK at boot.
const loadSdk = (): typeof Sdk => require('@aws-sdk/client-secrets-manager') as typeof Sdk;

/**
 * AWS Secrets Manager: `os.environ/NAME` reads the secret named NAME (its SecretString), or NAME's entry in
 * the JSON secret `primary_secret_name`.
 */
export class AwsSecretsManagerClient implements SecretManager {
  readonly system = 'aws_secret_manager' as const;
  private readonly sdk = loadSdk();
  private readonly client: Sdk.SecretsManagerClient;

  constructor(env: Env, problems: string[]) {
    this.client = new this.sdk.SecretsManagerClient(awsClientConfig(env, 'SECRETS_MANAGER', problems));
  }

  async read(name: string): Promise<string | undefined> {
    try {
      const response = await this.client.send(new this.sdk.GetSecretValueCommand({ SecretId: name }));
      return response.SecretString;
    } catch (error) {
      if (error instanceof this.sdk.ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  async write(name: string, value: string): Promise<void> {
    try {
      await this.client.send(new this.sdk.CreateSecretCommand({ Name: name, SecretString: value }));
    } catch (error) {
      if (!(error instanceof this.sdk.ResourceExistsException)) throw error;
      await this.client.send(new this.sdk.PutSecretValueCommand({ SecretId: name, SecretString: value }));
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
