import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Deployment } from '../../deployment';
import { UpstreamError } from '../../routing.errors';

/** `us-east-1`, `eu-central-2`, `us-gov-west-1`, `ap-southeast-3`… */
export const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$/;

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * SigV4 for AWS services called over HTTP, with the credentials and region of a deployment's `litellm_params`
 * (`aws_access_key_id`, `aws_secret_access_key`, `aws_session_token`, `aws_region_name`; the registry fills them from
 * the environment when the deployment names none). The instance metadata service is never asked. Signers hold
 * derived keys and are kept per credential set, region and service.
 */
export class AwsRequestSigner {
  private readonly signers = new Map<string, SignatureV4>();

  constructor(private readonly label: string) {}

  /** The region to sign for and call: `aws_region_name`, else a `region_name` that is an AWS region. */
  regionOf(deployment: Deployment): string {
    // `region_name` doubles as LiteLLM's coarse region tag ("eu") for customer routing; only a real AWS region is used.
    const tagged = deployment.region && AWS_REGION.test(deployment.region) ? deployment.region : undefined;
    const region = stringParam(deployment, 'aws_region_name') ?? tagged;
    if (!region || !AWS_REGION.test(region)) {
      throw new UpstreamError('bad_request', 400, this.label, `no valid AWS region for model=${deployment.modelName}: set aws_region_name (or AWS_REGION_NAME / AWS_REGION)`);
    }
    return region;
  }

  /**
   * The headers of `request` plus `x-amz-date`, `x-amz-content-sha256`, the session token and `authorization`.
   * `host` is signed but not returned: the HTTP client sets it from the origin, to the same value.
   */
  async sign(deployment: Deployment, service: string, region: string, url: URL, headers: Record<string, string>, body: string): Promise<Record<string, string>> {
    const credentials = this.credentialsOf(deployment);
    const signed = await this.signerFor(credentials, region, service).sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...headers, host: url.host },
      body,
    });
    const out = { ...headers, ...signed.headers };
    delete out.host;
    return out;
  }

  private credentialsOf(deployment: Deployment): AwsCredentials {
    const accessKeyId = stringParam(deployment, 'aws_access_key_id');
    const secretAccessKey = stringParam(deployment, 'aws_secret_access_key');
    const sessionToken = stringParam(deployment, 'aws_session_token');
    if (!accessKeyId || !secretAccessKey) {
      throw new UpstreamError(
        'auth',
        401,
        this.label,
        `no AWS credentials for model=${deployment.modelName}: set aws_access_key_id and aws_secret_access_key (or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)`,
      );
    }
    return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
  }

  private signerFor(credentials: AwsCredentials, region: string, service: string): SignatureV4 {
    const cacheKey = `${credentials.accessKeyId}\n${credentials.secretAccessKey}\n${credentials.sessionToken ?? ''}\n${region}\n${service}`;
    let signer = this.signers.get(cacheKey);
    if (!signer) {
      signer = new SignatureV4({ credentials, region, service, sha256: Sha256 });
      if (this.signers.size > 100) this.signers.clear();
      this.signers.set(cacheKey, signer);
    }
    return signer;
  }
}

export function stringParam(deployment: Deployment, name: string): string | undefined {
  const value = deployment.params[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
