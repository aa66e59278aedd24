import type * as Sdk from '@google-cloud/secret-manager';
import type { SecretManager } from '../secret-manager';
import { type Env, presentEnv, requiredEnv } from '../secret-settings';
import { describeFailure, SecretManagerError } from '../secrets.errors';

const loadSdk = (): typeof Sdk => require('@google-cloud/secret-manager') as typeof Sdk;

/** The REST fallback reports a missing secret as gRPC status NOT_FOUND (5) or as its HTTP status 404. */
const isNotFound = (error: unknown): boolean => {
  const code = (error as { code?: unknown }).code;
  return code === 5 || code === 404;
};

/** gax's REST fallback also takes `protocol` (http for a loopback fake), which its option type does not list. */
type ClientOptions = NonNullable<ConstructorParameters<typeof Sdk.v1.SecretManagerServiceClient>[0]> & { protocol?: string };

/**
 * Google Secret Manager through its REST API (`fallback: true`: HTTP/1.1 + JSON, no gRPC): `os.environ/NAME`
 * reads `projects/{GOOGLE_SECRET_MANAGER_PROJECT_ID}/secrets/NAME/versions/latest`. Credentials are Google's
 * Application Default Credentials (`GOOGLE_APPLICATION_CREDENTIALS`); `GOOGLE_SECRET_MANAGER_API_ENDPOINT`
 * (`https://host[:port]`) points at a Private Service Connect endpoint or a test fake.
 */
export class GoogleSecretManagerClient implements SecretManager {
  readonly system = 'google_secret_manager' as const;
  private readonly client: Sdk.v1.SecretManagerServiceClient;
  private readonly project: string;
  private credentials?: Promise<unknown>;

  constructor(env: Env, problems: string[]) {
    this.project = requiredEnv(env, 'GOOGLE_SECRET_MANAGER_PROJECT_ID', problems, 'google_secret_manager');
    const endpoint = presentEnv(env.GOOGLE_SECRET_MANAGER_API_ENDPOINT);
    const options: ClientOptions = { fallback: true, projectId: this.project || undefined };
    const keyFile = presentEnv(env.GOOGLE_APPLICATION_CREDENTIALS);
    if (keyFile) options.keyFilename = keyFile;
    if (endpoint) {
      try {
        const url = new URL(endpoint);
        Object.assign(options, { apiEndpoint: url.hostname, protocol: url.protocol.replace(':', ''), port: url.port ? Number(url.port) : undefined });
      } catch {
        problems.push('GOOGLE_SECRET_MANAGER_API_ENDPOINT: must be an http(s) URL');
      }
    }
    this.client = new (loadSdk().v1.SecretManagerServiceClient)(options);
  }

  async read(name: string): Promise<string | undefined> {
    await this.authenticated();
    try {
      const [version] = await this.client.accessSecretVersion({ name: `${this.secretPath(name)}/versions/latest` }, { timeout: 10_000, maxRetries: 1 });
      const data = version.payload?.data;
      if (data === undefined || data === null) return undefined;
      return typeof data === 'string' ? Buffer.from(data, 'base64').toString('utf8') : Buffer.from(data).toString('utf8');
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async write(name: string, value: string): Promise<void> {
    await this.authenticated();
    const payload = { data: Buffer.from(value, 'utf8') };
    try {
      await this.client.addSecretVersion({ parent: this.secretPath(name), payload });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.client.createSecret({ parent: `projects/${this.project}`, secretId: name, secret: { replication: { automatic: {} } } });
      await this.client.addSecretVersion({ parent: this.secretPath(name), payload });
    }
  }

  async close(): Promise<void> {
    // Closing a client whose credentials never loaded rethrows that failure; there is nothing left to release.
    await this.client.close().catch(() => undefined);
  }

  /**
   * Loads the credentials before the client builds its API stub: gax derives one promise per method from the
   * stub, and a credentials failure at that point would surface as unhandled rejections that end the process.
   */
  private authenticated(): Promise<unknown> {
    this.credentials ??= this.client.auth.getClient().catch((error: unknown) => {
      this.credentials = undefined;
      throw new SecretManagerError(`Google credentials could not be loaded (${describeFailure(error)}; set GOOGLE_APPLICATION_CREDENTIALS)`);
    });
    return this.credentials;
  }

  private secretPath(name: string): string {
    return `projects/${this.project}/secrets/${name}`;
  }
}
