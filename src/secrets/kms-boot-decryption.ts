import { ConfigError } from '../config/config.errors';
import type { AwsKmsDecrypter } from './clients/aws-kms.client';
import { describeFailure } from './secrets.errors';

const PREFIXES = ['LITELLM_SECRET_AWS_KMS_', 'TOLLGATE_SECRET_AWS_KMS_'];
const TRUTHY = new Set(['true', '1', 'yes', 'on']);

/**
 * LiteLLM's "v2 key decryption": with `USE_AWS_KMS=True`, every `LITELLM_SECRET_AWS_KMS_<NAME>` (or
 * `TOLLGATE_SECRET_AWS_KMS_<NAME>`) holds a base64 KMS ciphertext; it is decrypted and exported as `<NAME>`
 * into `env` before the config is loaded, so DATABASE_URL, a master key or a provider key never sit in the
 * environment in plain text. Runs once, before the database connects.
 * @returns the names exported.
 * @throws ConfigError naming each variable that could not be decrypted (never its value).
 */
export async function exportKmsDecryptedEnvironment(env: NodeJS.ProcessEnv): Promise<string[]> {
  if (!TRUTHY.has((env.USE_AWS_KMS ?? '').trim().toLowerCase())) return [];
  const encrypted = Object.entries(env).flatMap(([variable, value]) => {
    const prefix = PREFIXES.find((candidate) => variable.toUpperCase().startsWith(candidate));
    return prefix && value && variable.length > prefix.length ? [{ variable, name: variable.slice(prefix.length), ciphertext: value }] : [];
  });
  if (encrypted.length === 0) return [];

  const problems: string[] = [];
  const { AwsKmsDecrypter: Decrypter } = require('./clients/aws-kms.client') as { AwsKmsDecrypter: typeof AwsKmsDecrypter };
  const decrypter = new Decrypter(env, problems);
  if (problems.length > 0) throw new ConfigError('USE_AWS_KMS is set but AWS KMS is not configured:', problems);
  const decrypted: Record<string, string> = {};
  try {
    await Promise.all(
      encrypted.map(async ({ variable, name, ciphertext }) => {
        try {
          decrypted[name] = await decrypter.decrypt(ciphertext);
        } catch (error) {
          problems.push(`${variable}: cannot be decrypted with AWS KMS: ${describeFailure(error)}`);
        }
      }),
    );
  } finally {
    decrypter.close();
  }
  if (problems.length > 0) throw new ConfigError('USE_AWS_KMS: decryption failed:', problems.sort());
  Object.assign(env, decrypted);
  return Object.keys(decrypted).sort();
}
