import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { FakeServer, sendJson } from './fake-server';
import { type AwsCredentials, verifySigV4 } from './sigv4';

const MAGIC = Buffer.from('TGKMS1');

/**
 * AWS Secrets Manager and KMS (awsJson1_1 over HTTP, dispatched on `X-Amz-Target`) for the real AWS SDK clients.
 * Every request must carry a valid SigV4 signature for these credentials, region and the target's service.
 * KMS ciphertexts are real AES-256-GCM encryptions under a per-key secret that never leaves the fake.
 */
export class AwsFake {
  readonly credentials: AwsCredentials = { accessKeyId: 'AKIAFAKE' + randomBytes(6).toString('hex').toUpperCase(), secretAccessKey: randomBytes(20).toString('base64') };
  readonly region = 'us-east-1';
  readonly secrets = new Map<string, string>();
  readonly kmsKeyId = randomUUID();
  private readonly kmsKeys = new Map<string, Buffer>([[this.kmsKeyId, randomBytes(32)]]);
  readonly server = new FakeServer((request, body, response) => {
    const target = String(request.headers['x-amz-target'] ?? '');
    const [prefix, action] = target.split('.');
    const service = prefix === 'secretsmanager' ? 'secretsmanager' : prefix === 'TrentService' ? 'kms' : undefined;
    this.server.calls.push(action ?? target);
    if (!service || request.method !== 'POST') return awsError(response, 400, 'UnknownOperationException', 'unknown operation');
    const refused = verifySigV4(request, body, { credentials: this.credentials, region: this.region, service });
    if (refused) return awsError(response, refused.type === 'UnrecognizedClientException' ? 400 : 403, refused.type, refused.message);
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return awsError(response, 400, 'SerializationException', 'body is not JSON');
    }
    return service === 'kms' ? this.kms(action, input, response) : this.secretsManager(action, input, response);
  });

  get url(): string {
    return this.server.url;
  }

  /** The env the gateway needs to reach this fake with these credentials. */
  env(): Record<string, string> {
    return {
      AWS_REGION_NAME: this.region,
      AWS_ACCESS_KEY_ID: this.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: this.credentials.secretAccessKey,
      AWS_ENDPOINT_URL: this.url,
      AWS_EC2_METADATA_DISABLED: 'true',
    };
  }

  /** What `aws kms encrypt` would print: the base64 ciphertext blob of `plaintext`. */
  encrypt(plaintext: string): string {
    return this.seal(this.kmsKeyId, Buffer.from(plaintext, 'utf8')).toString('base64');
  }

  private secretsManager(action: string, input: Record<string, unknown>, response: ServerResponse): void {
    const id = typeof input.SecretId === 'string' ? input.SecretId : typeof input.Name === 'string' ? input.Name : '';
    switch (action) {
      case 'GetSecretValue': {
        const value = this.secrets.get(id);
        if (value === undefined) return awsError(response, 400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        return sendJson(response, 200, { ARN: arn(id), Name: id, SecretString: value, VersionId: randomUUID(), VersionStages: ['AWSCURRENT'], CreatedDate: Date.now() / 1000 });
      }
      case 'CreateSecret':
        if (this.secrets.has(id)) return awsError(response, 400, 'ResourceExistsException', `The operation failed because the secret ${id} already exists.`);
        this.secrets.set(id, String(input.SecretString ?? ''));
        return sendJson(response, 200, { ARN: arn(id), Name: id, VersionId: randomUUID() });
      case 'PutSecretValue':
        if (!this.secrets.has(id)) return awsError(response, 400, 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
        this.secrets.set(id, String(input.SecretString ?? ''));
        return sendJson(response, 200, { ARN: arn(id), Name: id, VersionId: randomUUID(), VersionStages: ['AWSCURRENT'] });
      default:
        return awsError(response, 400, 'UnknownOperationException', 'unknown operation');
    }
  }

  private kms(action: string, input: Record<string, unknown>, response: ServerResponse): void {
    if (action === 'Encrypt') {
      const keyId = String(input.KeyId ?? '');
      if (!this.kmsKeys.has(keyId)) return awsError(response, 400, 'NotFoundException', 'Key does not exist');
      const blob = this.seal(keyId, Buffer.from(String(input.Plaintext ?? ''), 'base64'));
      return sendJson(response, 200, { CiphertextBlob: blob.toString('base64'), KeyId: keyArn(keyId), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
    }
    if (action !== 'Decrypt') return awsError(response, 400, 'UnknownOperationException', 'unknown operation');
    const blob = Buffer.from(String(input.CiphertextBlob ?? ''), 'base64');
    const opened = this.open(blob);
    if (!opened) return awsError(response, 400, 'InvalidCiphertextException', '');
    return sendJson(response, 200, { KeyId: keyArn(opened.keyId), Plaintext: opened.plaintext.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' });
  }

  private seal(keyId: string, plaintext: Buffer): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.kmsKeys.get(keyId)!, iv);
    const sealed = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([MAGIC, Buffer.from(keyId, 'ascii'), iv, cipher.getAuthTag(), sealed]);
  }

  private open(blob: Buffer): { keyId: string; plaintext: Buffer } | undefined {
    if (blob.length < MAGIC.length + 36 + 28 || !blob.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
    const keyId = blob.subarray(MAGIC.length, MAGIC.length + 36).toString('ascii');
    const key = this.kmsKeys.get(keyId);
    if (!key) return undefined;
    const rest = blob.subarray(MAGIC.length + 36);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, rest.subarray(0, 12));
      decipher.setAuthTag(rest.subarray(12, 28));
      return { keyId, plaintext: Buffer.concat([decipher.update(rest.subarray(28)), decipher.final()]) };
    } catch {
      return undefined;
    }
  }
}

const arn = (name: string): string => `arn:aws:secretsmanager:us-east-1:111122223333:secret:${name}-AbCdEf`;
const keyArn = (id: string): string => `arn:aws:kms:us-east-1:111122223333:key/${id}`;

function awsError(response: ServerResponse, status: number, type: string, message: string): void {
  sendJson(response, status, { __type: type, message }, { 'x-amzn-errortype': type, 'content-type': 'application/x-amz-json-1.1' });
}
