import type * as Sdk from '@aws-sdk/client-kms';
import type { SecretManager } from '../secret-manager';
import type { Env } from '../secret-settings';
import { SecretManagerError } from '../secrets.errors';
import { awsClientConfig } from './aws-config';

const loadSdk = (): typeof Sdk => require('@aws-sdk/client-kms') as typeof Sdk;

/** LiteLLM accepts ciphertexts written `aws_kms/<base64>` as well as the bare base64. */
const CIPHERTEXT_PREFIX = 'aws_kms/';

/** Decrypts base64 KMS ciphertexts (the key is named inside the ciphertext blob, so no key id is needed). */
export class AwsKmsDecrypter {
  private readonly sdk = loadSdk();
  private readonly client: Sdk.KMSClient;

  constructor(env: Env, problems: string[]) {
    this.client = new this.sdk.KMSClient(awsClientConfig(env, 'KMS', problems));
  }

  /** @throws SecretManagerError when the text is not base64, or the vendor's error when KMS refuses. */
  async decrypt(ciphertext: string): Promise<string> {
    const base64 = ciphertext.trim().replace(CIPHERTEXT_PREFIX, '');
    if (base64 === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) throw new SecretManagerError('the value is not a base64 KMS ciphertext');
    const response = await this.client.send(new this.sdk.DecryptCommand({ CiphertextBlob: Buffer.from(base64, 'base64') }));
    if (!response.Plaintext) throw new SecretManagerError('KMS returned no plaintext');
    return Buffer.from(response.Plaintext).toString('utf8');
  }

  close(): void {
    this.client.destroy();
  }
}

/** `key_management_system: aws_kms`: `os.environ/NAME` holds a KMS ciphertext that is decrypted on read. */
export class AwsKmsSecretManager implements SecretManager {
  readonly system = 'aws_kms' as const;
  private readonly decrypter: AwsKmsDecrypter;

  constructor(
    private readonly env: Env,
    problems: string[],
  ) {
    this.decrypter = new AwsKmsDecrypter(env, problems);
  }

  async read(name: string): Promise<string | undefined> {
    const ciphertext = this.env[name];
    return ciphertext === undefined || ciphertext === '' ? undefined : this.decrypter.decrypt(ciphertext);
  }

  async write(): Promise<void> {
    throw new SecretManagerError('aws_kms decrypts values from the environment and cannot store secrets');
  }

  async close(): Promise<void> {
    this.decrypter.close();
  }
}
