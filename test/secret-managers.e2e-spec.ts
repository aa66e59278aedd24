import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/config.loader';
import { loadConfigWithSecrets } from '../src/secrets/config-secrets.loader';
import { apiClient } from './support/api-client';
import { AwsFake } from './support/fakes/aws-fake';
import { captureOutput, chat, eventually, FAST_SECRET_TIMING } from './support/fakes/secrets-test-helpers';
import { createTestPki, type TestPki } from './support/fakes/test-pki';
import { VaultFake } from './support/fakes/vault-fake';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { type MockUpstreamProcess, startMockUpstreamProcess } from './support/mock-upstream.process';

// No client may go looking for a cloud metadata address on this machine.
process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.METADATA_SERVER_DETECTION = 'none';

const MASTER_KEY = 'sk-master-secret-managers-77';
const KEY_V1 = 'sk-upstream-from-manager-v1-3f9a';
const KEY_V2 = 'sk-upstream-from-manager-v2-81c0';

const modelList = (mock: MockUpstreamProcess): string => `
model_list:
  - model_name: managed
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${mock.baseUrl}, api_key: os.environ/OPENAI_API_KEY }
`;

async function lastUpstreamAuthorization(mock: MockUpstreamProcess): Promise<string | undefined> {
  const requests = await mock.requests();
  return requests.at(-1)?.headers.authorization;
}

describe('AWS Secrets Manager (e2e)', () => {
  const aws = new AwsFake();
  let mock: MockUpstreamProcess;
  let gateway: TestGateway;
  const output = captureOutput();
  const api = apiClient(() => gateway.url, MASTER_KEY);

  beforeAll(async () => {
    await aws.server.start();
    aws.secrets.set('OPENAI_API_KEY', KEY_V1);
    mock = await startMockUpstreamProcess(['--require-api-key', KEY_V1]);
    gateway = await startGateway(
      `${modelList(mock)}
general_settings:
  master_key: ${MASTER_KEY}
  key_management_system: aws_secret_manager
  key_management_settings:
    hosted_keys: [OPENAI_API_KEY]
    store_virtual_keys: true
    access_mode: read_and_write
    prefix_for_stored_virtual_keys: tollgate/
`,
      { env: { ...aws.env(), ...FAST_SECRET_TIMING, OPENAI_API_KEY: 'sk-env-value-must-not-be-used' }, logLevels: ['log', 'warn', 'error'] },
    );
  });

  afterAll(async () => {
    output.restore();
    await gateway?.close();
    if (gateway) discardStorage(gateway.storage);
    await mock?.close();
    await aws.server.stop();
  });

  it('should resolve a provider api_key from the manager through the signed AWS API', async () => {
    const outcome = await chat(gateway, MASTER_KEY, 'managed');

    expect(outcome.status).toBe(200);
    expect(await lastUpstreamAuthorization(mock)).toBe(`Bearer ${KEY_V1}`);
    expect(aws.server.calls).toContain('GetSecretValue');
  });

  it('should pick up a rotated secret within the refresh interval, without a restart', async () => {
    aws.secrets.set('OPENAI_API_KEY', KEY_V2);
    await mock.configure({ requireApiKey: KEY_V2 });

    await eventually(async () => expect((await chat(gateway, MASTER_KEY, 'managed')).status).toBe(200), 5000);
    expect(await lastUpstreamAuthorization(mock)).toBe(`Bearer ${KEY_V2}`);
  });

  it('should serve the cached value through an outage, then fail clearly once it expires, and recover', async () => {
    await aws.server.stop();
    expect((await chat(gateway, MASTER_KEY, 'managed')).status).toBe(200);
    const upstreamCalls = (await mock.requests()).length;

    const expired = await eventually(
      async () => {
        const outcome = await chat(gateway, MASTER_KEY, 'managed');
        expect(outcome.status).toBe(503);
        return outcome;
      },
      8000,
      250,
    );
    expect(expired.body.error?.message).toContain('OPENAI_API_KEY');
    expect(expired.body.error?.message).toContain('aws_secret_manager');
    expect(JSON.stringify(expired.body)).not.toContain(KEY_V2);
    // The expired calls never went upstream (with an empty key or any other).
    const afterExpiry = await mock.requests();
    expect(afterExpiry.slice(upstreamCalls).every((request) => request.headers.authorization === `Bearer ${KEY_V2}`)).toBe(true);
    expect(output.text()).toMatch(/refreshing secret OPENAI_API_KEY from aws_secret_manager failed/);

    await aws.server.start();
    await eventually(async () => expect((await chat(gateway, MASTER_KEY, 'managed')).status).toBe(200), 5000);
  });

  it('should write a generated (then regenerated) virtual key into the manager under the configured prefix', async () => {
    const generated = await api.post<{ key: string }>('/key/generate', { key_alias: 'billing-service' });

    expect(generated.status).toBe(200);
    expect(aws.secrets.get('tollgate/billing-service')).toBe(generated.body.key);

    const regenerated = await api.post<{ key: string }>(`/key/${generated.body.key}/regenerate`, {});
    expect(regenerated.status).toBe(200);
    expect(aws.secrets.get('tollgate/billing-service')).toBe(regenerated.body.key);
    for (const key of [generated.body.key, regenerated.body.key]) expect(output.text()).not.toContain(key);
  });

  it('should never write a secret value to the logs', () => {
    for (const value of [KEY_V1, KEY_V2, 'sk-env-value-must-not-be-used', aws.credentials.secretAccessKey]) expect(output.text()).not.toContain(value);
  });

  it('should be refused by the fake with a wrong signing key, as AWS refuses it', async () => {
    const forged = new SecretsManagerClient({
      region: aws.region,
      endpoint: aws.url,
      credentials: { accessKeyId: aws.credentials.accessKeyId, secretAccessKey: 'not-the-secret' },
      maxAttempts: 1,
    });
    await expect(forged.send(new GetSecretValueCommand({ SecretId: 'OPENAI_API_KEY' }))).rejects.toMatchObject({ name: 'InvalidSignatureException' });
    forged.destroy();
  });
});

describe('Secret manager boot errors (e2e)', () => {
  const aws = new AwsFake();
  let mock: MockUpstreamProcess;

  beforeAll(async () => {
    await aws.server.start();
    mock = await startMockUpstreamProcess();
  });

  afterAll(async () => {
    await mock?.close();
    await aws.server.stop();
  });

  it('should stop boot naming a hosted secret the manager does not hold', async () => {
    const booting = startGateway(`${modelList(mock)}\ngeneral_settings:\n  key_management_system: aws_secret_manager\n`, { env: { ...aws.env(), OPENAI_API_KEY: 'sk-env-only' } });

    await expect(booting).rejects.toThrow(/os\.environ\/OPENAI_API_KEY: cannot be read from aws_secret_manager: no such secret/);
  });

  it('should stop boot when the manager is unreachable, without waiting long', async () => {
    const started = Date.now();
    const booting = startGateway(`${modelList(mock)}\ngeneral_settings:\n  key_management_system: aws_secret_manager\n`, {
      env: { ...aws.env(), AWS_ENDPOINT_URL: 'http://127.0.0.1:1' },
    });

    await expect(booting).rejects.toThrow(/OPENAI_API_KEY: cannot be read from aws_secret_manager/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe('HashiCorp Vault (e2e)', () => {
  let mock: MockUpstreamProcess;
  let pki: TestPki;

  beforeAll(async () => {
    mock = await startMockUpstreamProcess(['--require-api-key', KEY_V1]);
    pki = createTestPki();
  });

  afterAll(async () => {
    await mock?.close();
    pki?.remove();
  });

  it('should resolve a provider api_key from KV v2 with a token, in a namespace, and pick up rotation', async () => {
    const vault = new VaultFake('admin/team-a');
    await vault.server.start();
    vault.secrets.set('OPENAI_API_KEY', KEY_V1);
    const gateway = await startGateway(`${modelList(mock)}\ngeneral_settings:\n  master_key: ${MASTER_KEY}\n  key_management_system: hashicorp_vault\n`, {
      env: { HCP_VAULT_ADDR: vault.url, HCP_VAULT_TOKEN: vault.rootToken, HCP_VAULT_NAMESPACE: 'admin/team-a', ...FAST_SECRET_TIMING, HCP_VAULT_REFRESH_INTERVAL: '0.5' },
    });
    try {
      await mock.configure({ requireApiKey: KEY_V1 });
      expect((await chat(gateway, MASTER_KEY, 'managed')).status).toBe(200);
      expect(vault.server.calls).toContain('GET /v1/admin/team-a/secret/data/OPENAI_API_KEY');

      vault.secrets.set('OPENAI_API_KEY', KEY_V2);
      await mock.configure({ requireApiKey: KEY_V2 });
      await eventually(async () => expect((await chat(gateway, MASTER_KEY, 'managed')).status).toBe(200), 5000);
      expect(await lastUpstreamAuthorization(mock)).toBe(`Bearer ${KEY_V2}`);
    } finally {
      await gateway.close();
      discardStorage(gateway.storage);
      await vault.server.stop();
    }
  });

  it('should stop boot when Vault refuses the token', async () => {
    const vault = new VaultFake();
    await vault.server.start();
    vault.secrets.set('OPENAI_API_KEY', KEY_V1);
    try {
      const booting = startGateway(`${modelList(mock)}\ngeneral_settings:\n  key_management_system: hashicorp_vault\n`, {
        env: { HCP_VAULT_ADDR: vault.url, HCP_VAULT_TOKEN: 'hvs.wrong' },
      });
      await expect(booting).rejects.toThrow(/OPENAI_API_KEY: cannot be read from hashicorp_vault: Vault answered HTTP 403/);
    } finally {
      await vault.server.stop();
    }
  });

  it('should log in with a TLS client certificate over HTTPS, re-login when the token is revoked, and write back keys', async () => {
    const vault = new VaultFake(undefined, pki);
    await vault.server.start();
    vault.secrets.set('OPENAI_API_KEY', KEY_V1);
    await mock.configure({ requireApiKey: KEY_V1 });
    const gateway = await startGateway(
      `${modelList(mock)}
general_settings:
  master_key: ${MASTER_KEY}
  key_management_system: hashicorp_vault
  key_management_settings: { store_virtual_keys: true, access_mode: read_and_write }
`,
      {
        env: {
          HCP_VAULT_ADDR: vault.url,
          HCP_VAULT_CLIENT_CERT: pki.clientCertPath,
          HCP_VAULT_CLIENT_KEY: pki.clientKeyPath,
          HCP_VAULT_CA_CERT: pki.caCertPath,
          ...FAST_SECRET_TIMING,
        },
      },
    );
    try {
      expect((await chat(gateway, MASTER_KEY, 'managed')).status).toBe(200);
      expect(vault.server.calls).toContain('POST /v1/auth/cert/login');

      vault.revokeIssuedTokens();
      vault.secrets.set('OPENAI_API_KEY', KEY_V2);
      await mock.configure({ requireApiKey: KEY_V2 });
      await eventually(async () => expect((await chat(gateway, MASTER_KEY, 'managed')).status).toBe(200), 6000);
      expect(vault.server.calls.filter((call) => call === 'POST /v1/auth/cert/login').length).toBeGreaterThanOrEqual(2);

      const generated = await apiClient(() => gateway.url, MASTER_KEY).post<{ key: string }>('/key/generate', { key_alias: 'etl' });
      expect(vault.secrets.get('litellm/etl')).toBe(generated.body.key);
    } finally {
      await gateway.close();
      discardStorage(gateway.storage);
      await vault.server.stop();
    }
  });

  it('should refuse certificate login to a client without a certificate from the CA', async () => {
    const vault = new VaultFake(undefined, pki);
    await vault.server.start();
    try {
      // Node's fetch does not trust the test CA at all; with it trusted but no client cert, login is refused.
      await expect(fetch(`${vault.url}/v1/auth/cert/login`, { method: 'POST', body: '{}' })).rejects.toThrow();
      const { request, Agent } = await import('undici');
      const anonymous = await request(`${vault.url}/v1/auth/cert/login`, { method: 'POST', body: '{}', dispatcher: new Agent({ connect: { ca: pki.caCert } }) });
      expect(anonymous.statusCode).toBe(400);
      await anonymous.body.dump();
    } finally {
      await vault.server.stop();
    }
  });
});

describe('loadConfigWithSecrets with primary_secret_name (AWS fake)', () => {
  const aws = new AwsFake();
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-primary-'));

  beforeAll(async () => {
    await aws.server.start();
  });

  afterAll(async () => {
    await aws.server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should read each name from the one JSON secret, leave non-hosted names to the environment, and keep values live', async () => {
    aws.secrets.set('tollgate/prod', JSON.stringify({ OPENAI_API_KEY: KEY_V1, MASTER: MASTER_KEY }));
    const configPath = join(dir, 'config.yaml');
    writeFileSync(
      configPath,
      `
model_list:
  - model_name: a
    litellm_params: { model: openai/gpt-4o-mini, api_key: os.environ/OPENAI_API_KEY, organization: os.environ/OPENAI_ORG }
general_settings:
  master_key: os.environ/MASTER
  key_management_system: aws_secret_manager
  key_management_settings: { primary_secret_name: tollgate/prod, hosted_keys: [OPENAI_API_KEY, MASTER] }
`,
    );

    const config = await loadConfigWithSecrets({ configPath, env: { ...aws.env(), ...FAST_SECRET_TIMING, OPENAI_ORG: 'org-from-env', OPENAI_API_KEY: 'sk-env' } });
    try {
      expect(config.masterKey).toBe(MASTER_KEY);
      expect(config.model_list[0].litellm_params.organization).toBe('org-from-env');
      expect(config.model_list[0].litellm_params.api_key).toBe(KEY_V1);

      aws.secrets.set('tollgate/prod', JSON.stringify({ OPENAI_API_KEY: KEY_V2, MASTER: MASTER_KEY }));
      await config.secretManager?.start();
      await eventually(async () => expect(config.model_list[0].litellm_params.api_key).toBe(KEY_V2), 5000);
    } finally {
      await config.secretManager?.close();
    }
  });

  it('should refuse a config naming a manager when loaded without one', () => {
    const configPath = join(dir, 'plain.yaml');
    writeFileSync(configPath, 'general_settings:\n  key_management_system: hashicorp_vault\n');

    expect(() => loadConfig({ configPath, env: {} })).toThrow(/key_management_system: hashicorp_vault needs the secrets-aware loader/);
  });
});
