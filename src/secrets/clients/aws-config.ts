import { type Env, presentEnv, requiredEnv } from '../secret-settings';

export interface AwsClientConfig {
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  maxAttempts: number;
  requestHandler: { connectionTimeout: number; requestTimeout: number };
}

/**
 * Client settings from the environment Tollgate was given (not the SDK's own reads of the process environment, so a test or
 * launcher's env is the one used). `AWS_ENDPOINT_URL_<SERVICE>` / `AWS_ENDPOINT_URL` point at a VPC endpoint,
 * LocalStack or a test fake; without static keys the SDK's default chain (profile, SSO, IAM role) applies.
 */
export function awsClientConfig(env: Env, service: 'SECRETS_MANAGER' | 'KMS', problems: string[]): AwsClientConfig {
  const region =
    presentEnv(env.AWS_REGION_NAME) ??
    presentEnv(env.AWS_REGION) ??
    requiredEnv(env, 'AWS_REGION_NAME', problems, `AWS ${service === 'KMS' ? 'KMS' : 'Secrets Manager'} (or AWS_REGION)`);
  const accessKeyId = presentEnv(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = presentEnv(env.AWS_SECRET_ACCESS_KEY);
  return {
    region,
    endpoint: presentEnv(env[`AWS_ENDPOINT_URL_${service}`]) ?? presentEnv(env.AWS_ENDPOINT_URL),
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey, sessionToken: presentEnv(env.AWS_SESSION_TOKEN) } : undefined,
    // An outage must surface within seconds: the cache keeps serving meanwhile.
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 3000, requestTimeout: 10_000 },
  };
}
