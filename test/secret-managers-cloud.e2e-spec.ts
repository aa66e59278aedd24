import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiClient } from './support/api-client';
import { AzureFake } from './support/fakes/azure-fake';
import { GoogleFake } from './support/fakes/google-fake';
import { captureOutput, chat, eventually, FAST_SECRET_TIMING } from './support/fakes/secrets-test-helpers';
import { createTestPki, type TestPki } from './support/fakes/test-pki';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { type MockUpstreamProcess, startMockUpstreamProcess } from './support/mock-upstream.process';

process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.METADATA_SERVER_DETECTION = 'none';

const MASTER_KEY = 'sk-master-cloud-secrets-31';
const KEY_V1 = 'sk-upstream-google-v1-5d2c';
const KEY_V2 = 'sk-upstream-google-v2-a7e1';

const config = (mock: MockUpstreamProcess, managerSettings: string): string => `
model_list:
  - model_name: managed
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${mock.baseUrl}, api_key: os.environ/OPENAI_API_KEY }
general_settings:
  master_key: ${MASTER_KEY}
${managerSettings}
`;

describe('Google Secret Manager over REST (e2e)', () => {
  const google = new GoogleFake();
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-google-'));
  const output = captureOutput();
  let mock: MockUpstreamProcess;
  let gateway: TestGateway;

  beforeAll(async () => {
    await google.server.start();
    google.setSecret('OPENAI_API_KEY', KEY_V1);
    mock = await startMockUpstreamProcess(['--require-api-key', KEY_V1]);
    gateway = await startGateway(
      config(
        mock,
        '  key_management_system: google_secret_manager\n  key_management_settings: { store_virtual_keys: true, access_mode: read_and_write, prefix_for_stored_virtual_keys: tollgate- }',
      ),
      {
        env: {
          GOOGLE_SECRET_MANAGER_PROJECT_ID: google.project,
          GOOGLE_APPLICATION_CREDENTIALS: google.writeCredentials(dir),
          GOOGLE_SECRET_MANAGER_API_ENDPOINT: google.url,
          ...FAST_SECRET_TIMING,
          GOOGLE_SECRET_MANAGER_REFRESH_INTERVAL: '0.5',
        },
        logLevels: ['log', 'warn', 'error'],
      },
    );
  });

  afterAll(async () => {
    output.restore();
    await gateway?.close();
    if (gateway) discardStorage(gateway.storage);
    await mock?.close();
    await google.server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should resolve a provider api_key with a signed service-account token', async () => {
    expect((await chat(gateway, MASTER_KEY, 'managed')).status).toBe(200);
    expect(google.server.calls).toContain(`GET /v1/projects/${google.project}/secrets/OPENAI_API_KEY/versions/latest:access`);
  });

  it('should pick up a new secret version without a restart', async () => {
    google.setSecret('OPENAI_API_KEY', KEY_V2);
    await mock.configure({ requireApiKey: KEY_V2 });

    await eventually(async () => expect((await chat(gateway, MASTER_KEY, 'managed')).status).toBe(200), 5000);
    const requests = await mock.requests();
    expect(requests.at(-1)?.headers.authorization).toBe(`Bearer ${KEY_V2}`);
  });

  it('should fail clearly after the cached value expires during an outage', async () => {
    await google.server.stop();
    const outcome = await eventually(
      async () => {
        const result = await chat(gateway, MASTER_KEY, 'managed');
        expect(result.status).toBe(503);
        return result;
      },
      8000,
      250,
    );
    expect(outcome.body.error?.message).toMatch(/OPENAI_API_KEY from google_secret_manager is unavailable/);
    await google.server.start();
    await eventually(async () => expect((await chat(gateway, MASTER_KEY, 'managed')).status).toBe(200), 5000);
  });

  it('should store a generated virtual key as a new secret', async () => {
    const generated = await apiClient(() => gateway.url, MASTER_KEY).post<{ key: string }>('/key/generate', { key_alias: 'reporting' });

    expect(generated.status).toBe(200);
    expect(google.secrets.get('tollgate-reporting')).toEqual([generated.body.key]);
    for (const value of [KEY_V1, KEY_V2, generated.body.key]) expect(output.text()).not.toContain(value);
  });
});

describe('Google Cloud KMS decryption (e2e)', () => {
  const google = new GoogleFake();
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-gkms-'));
  let mock: MockUpstreamProcess;

  beforeAll(async () => {
    await google.server.start();
    mock = await startMockUpstreamProcess(['--require-api-key', KEY_V1]);
  });

  afterAll(async () => {
    await mock?.close();
    await google.server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should decrypt an encrypted os.environ value with GOOGLE_KMS_RESOURCE_NAME', async () => {
    const gateway = await startGateway(config(mock, '  key_management_system: google_kms'), {
      env: {
        GOOGLE_KMS_RESOURCE_NAME: google.kmsKeyName,
        GOOGLE_KMS_API_ENDPOINT: google.url,
        GOOGLE_APPLICATION_CREDENTIALS: google.writeCredentials(dir),
        OPENAI_API_KEY: google.encrypt(KEY_V1),
      },
    });
    try {
      expect((await chat(gateway, MASTER_KEY, 'managed')).status).toBe(200);
      expect(google.server.calls).toContain(`POST /v1/${google.kmsKeyName}:decrypt`);
    } finally {
      await gateway.close();
      discardStorage(gateway.storage);
    }
  });

  it('should stop boot naming a value Cloud KMS cannot decrypt', async () => {
    const booting = startGateway(config(mock, '  key_management_system: google_kms'), {
      env: {
        GOOGLE_KMS_RESOURCE_NAME: google.kmsKeyName,
        GOOGLE_KMS_API_ENDPOINT: google.url,
        GOOGLE_APPLICATION_CREDENTIALS: google.writeCredentials(dir),
        OPENAI_API_KEY: Buffer.from('sk-plain-not-encrypted-value-123456').toString('base64'),
      },
    });
    await expect(booting).rejects.toThrow(/os\.environ\/OPENAI_API_KEY: cannot be read from google_kms/);
  });
});

describe('Azure Key Vault over TLS (e2e)', () => {
  let pki: TestPki;
  let azure: AzureFake;
  let mock: MockUpstreamProcess;
  let gateway: TestGateway;
  const output = captureOutput();

  beforeAll(async () => {
    pki = createTestPki();
    azure = new AzureFake(pki);
    await azure.server.start();
    azure.secrets.set('OPENAI-API-KEY', KEY_V1);
    mock = await startMockUpstreamProcess(['--require-api-key', KEY_V1]);
    gateway = await startGateway(config(mock, '  key_management_system: azure_key_vault\n  key_management_settings: { store_virtual_keys: true, access_mode: read_and_write }'), {
      env: { ...azure.env(pki.caCertPath), ...FAST_SECRET_TIMING },
      logLevels: ['log', 'warn', 'error'],
    });
  });

  afterAll(async () => {
    output.restore();
    await gateway?.close();
    if (gateway) discardStorage(gateway.storage);
    await mock?.close();
    await azure?.server.stop();
    pki?.remove();
  });

  it('should resolve a provider api_key after the Key Vault challenge and a client-credentials token', async () => {
    expect((await chat(gateway, MASTER_KEY, 'managed')).status).toBe(200);
    expect(azure.server.calls).toContain(`POST /${azure.tenantId}/oauth2/v2.0/token`);
    expect(azure.server.calls).toContain('GET /secrets/OPENAI-API-KEY/');
  });

  it('should pick up a rotated secret and write generated keys back', async () => {
    azure.secrets.set('OPENAI-API-KEY', KEY_V2);
    await mock.configure({ requireApiKey: KEY_V2 });
    await eventually(async () => expect((await chat(gateway, MASTER_KEY, 'managed')).status).toBe(200), 5000);

    const generated = await apiClient(() => gateway.url, MASTER_KEY).post<{ key: string }>('/key/generate', { key_alias: 'support-bot' });
    expect(azure.secrets.get('litellm-support-bot')).toBe(generated.body.key);
    for (const value of [KEY_V1, KEY_V2, generated.body.key, azure.clientSecret]) expect(output.text()).not.toContain(value);
  });

  it('should stop boot when the service principal secret is wrong', async () => {
    const booting = startGateway(config(mock, '  key_management_system: azure_key_vault'), {
      env: { ...azure.env(pki.caCertPath), AZURE_CLIENT_SECRET: 'wrong-secret' },
    });
    await expect(booting).rejects.toThrow(/OPENAI_API_KEY: cannot be read from azure_key_vault/);
  });
});
