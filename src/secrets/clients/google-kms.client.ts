import type * as Sdk from '@google-cloud/kms';
import type { SecretManager } from '../secret-manager';
import { type Env, presentEnv, requiredEnv } from '../secret-settings';
import { describeFailure, SecretManagerError } from '../secrets.errors';

const loadSdk = (): typeof Sdk => require('@google-cloud/kms') as typeof Sdk;

/** gax's REST fallback also takes `protocol` (http for a loopback fake), which its option type does not list. */
type ClientOptions = NonNullable<ConstructorParameters<typeof Sdk.KeyManagementServiceClient>[0]> & { protocol?: string };

/**
 * `key_management_system: google_kms`: `os.environ/NAME` holds a base64 Cloud KMS ciphertext, decrypted with the
 * key `GOOGLE_KMS_RESOURCE_NAME` (`projects/…/locations/…/keyRings/…/cryptoKeys/…`) over the REST API (no gRPC).
 * `GOOGLE_KMS_API_ENDPOINT` points at a Private Service Connect endpoint or a test fake.
 */
export class GoogleKmsSecretManager implements SecretManager {
  readonly system = 'google_kms' as const;
  private readonly client: Sdk.KeyManagementServiceClient;
  private readonly keyName: string;
  private credentials?: Promise<unknown>;

  constructor(
    private readonly env: Env,
    problems: string[],
  ) {
    this.keyName = requiredEnv(env, 'GOOGLE_KMS_RESOURCE_NAME', problems, 'google_kms');
    const options: ClientOptions = { fallback: true };
    const keyFile = presentEnv(env.GOOGLE_APPLICATION_CREDENTIALS);
    if (keyFile) options.keyFilename = keyFile;
    const endpoint = presentEnv(env.GOOGLE_KMS_API_ENDPOINT);
    if (endpoint) {
      try {
        const url = new URL(endpoint);
        Object.assign(options, { apiEndpoint: url.hostname, protocol: url.protocol.replace(':', ''), port: url.port ? Number(url.port) : undefined });
      } catch {
        problems.push('GOOGLE_KMS_API_ENDPOINT: must be an http(s) URL');
      }
    }
    this.client = new (loadSdk().KeyManagementServiceClient)(options);
  }

  async read(name: string): Promise<string | undefined> {
    const ciphertext = this.env[name]?.trim();
    if (!ciphertext) return undefined;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(ciphertext)) throw new SecretManagerError('the value is not a base64 Cloud KMS ciphertext');
    await this.authenticated();
    const [response] = await this.client.decrypt({ name: this.keyName, ciphertext: Buffer.from(ciphertext, 'base64') }, { timeout: 10_000, maxRetries: 1 });
    const plaintext = response.plaintext;
    if (plaintext === undefined || plaintext === null) throw new SecretManagerError('Cloud KMS returned no plaintext');
    return typeof plaintext === 'string' ? Buffer.from(plaintext, 'base64').toString('utf8') : Buffer.from(plaintext).toString('utf8');
  }

  async write(): Promise<void> {
    throw new SecretManagerError('google_kms decrypts values from the environment and cannot store secrets');
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => undefined);
  }

  /** As in the Secret Manager client: credentials first, so their failure never becomes an unhandled rejection. */
  private authenticated(): Promise<unknown> {
    this.credentials ??= this.client.auth.getClient().catch((error: unknown) => {
      this.credentials = undefined;
      throw new SecretManagerError(`Google credentials could not be loaded (${describeFailure(error)}; set GOOGLE_APPLICATION_CREDENTIALS)`);
    });
    return this.credentials;
  }
}
