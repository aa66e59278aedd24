import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../src/database/embedded-postgres';
import { AwsFake } from './support/fakes/aws-fake';
import { chat } from './support/fakes/secrets-test-helpers';
import { discardStorage, freshStorage, startGateway, type TestStorage } from './support/gateway-harness';
import { type MockUpstreamProcess, startMockUpstreamProcess } from './support/mock-upstream.process';

process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.METADATA_SERVER_DETECTION = 'none';

const ROOT = resolve(__dirname, '..');
const MASTER_KEY = 'sk-master-from-kms-4c1d';
const UPSTREAM_KEY = 'sk-upstream-kms-9b2e';

interface Launched {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Runs the built gateway (`node bin/tollgate.js`) as an operator would, with the given environment. */
async function launch(configYaml: string, dataDir: string, env: Record<string, string>): Promise<Launched> {
  const port = await freePort();
  const configPath = join(dataDir, 'config.yaml');
  writeFileSync(configPath, configYaml);
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, TOLLGATE_DATA_DIR: dataDir };
  delete childEnv.DATABASE_URL;
  const child = spawn(process.execPath, [join(ROOT, 'bin/tollgate.js'), '--config', configPath, '--port', String(port), '--host', '127.0.0.1'], { env: childEnv });
  let output = '';
  child.stdout?.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr?.on('data', (data: Buffer) => (output += data.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, url: `http://127.0.0.1:${port}`, output: () => output, exited };
}

async function waitUntilReady(launched: Launched): Promise<void> {
  const deadline = Date.now() + 45_000;
  while (Date.now() < deadline) {
    if (launched.child.exitCode !== null) throw new Error(`the gateway exited with ${launched.child.exitCode}: ${launched.output()}`);
    if (
      await fetch(`${launched.url}/health/liveliness`).then(
        (response) => response.ok,
        () => false,
      )
    )
      return;
    await new Promise((done) => setTimeout(done, 200));
  }
  throw new Error('the gateway did not start');
}

async function stop(launched: Launched): Promise<void> {
  if (launched.child.exitCode === null && launched.child.signalCode === null) launched.child.kill('SIGTERM');
  await launched.exited;
}

describe('AWS KMS decryption before boot (built gateway, e2e)', () => {
  const aws = new AwsFake();
  let storage: TestStorage;
  let database: EmbeddedPostgresHandle;
  const gatewayDir = mkdtempSync(join(tmpdir(), 'tollgate-kms-'));

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'dist/src/main.js'))) throw new Error('This suite runs the built gateway: run `npm run build` first (`npm test` does).');
    await aws.server.start();
    // The database the encrypted DATABASE_URL points at: a migrated embedded PostgreSQL on a loopback port.
    storage = await freshStorage();
    database = await startEmbeddedPostgres(storage.dataDir);
  });

  afterAll(async () => {
    await database?.stop();
    if (storage) discardStorage(storage);
    await aws.server.stop();
    rmSync(gatewayDir, { recursive: true, force: true });
  });

  it('should decrypt LITELLM_SECRET_AWS_KMS_DATABASE_URL (and a master key) and connect to that database', async () => {
    const gateway = await launch('general_settings:\n  store_model_in_db: false\n', gatewayDir, {
      ...aws.env(),
      USE_AWS_KMS: 'True',
      LITELLM_SECRET_AWS_KMS_DATABASE_URL: aws.encrypt(database.url),
      TOLLGATE_SECRET_AWS_KMS_LITELLM_MASTER_KEY: aws.encrypt(MASTER_KEY),
    });
    try {
      await waitUntilReady(gateway);
      const generated = await fetch(`${gateway.url}/key/generate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ key_alias: 'kms-boot' }),
      });
      expect(generated.status).toBe(200);

      const client = new Client({ connectionString: database.url });
      await client.connect();
      try {
        const rows = await client.query(`SELECT count(*)::int AS n FROM tollgate_virtual_keys WHERE key_alias = 'kms-boot'`);
        expect(rows.rows[0].n).toBe(1);
      } finally {
        await client.end();
      }
      // It used the decrypted server URL, not an embedded database of its own.
      expect(existsSync(join(gatewayDir, 'pgdata'))).toBe(false);
      expect(aws.server.calls.filter((call) => call === 'Decrypt')).toHaveLength(2);
      expect(gateway.output()).toContain('decrypted DATABASE_URL with AWS KMS');
      expect(gateway.output()).not.toContain(database.url);
      expect(gateway.output()).not.toContain(MASTER_KEY);
    } finally {
      await stop(gateway);
    }
  });

  it('should refuse to start when a value cannot be decrypted, naming the variable only', async () => {
    const gateway = await launch('general_settings: {}\n', gatewayDir, {
      ...aws.env(),
      USE_AWS_KMS: 'True',
      LITELLM_SECRET_AWS_KMS_DATABASE_URL: Buffer.from('postgresql://not-a-ciphertext@db/tollgate').toString('base64'),
    });
    expect(await gateway.exited).toBe(1);
    expect(gateway.output()).toContain('LITELLM_SECRET_AWS_KMS_DATABASE_URL: cannot be decrypted with AWS KMS: InvalidCiphertextException');
    expect(gateway.output()).not.toContain('not-a-ciphertext');
  });
});

describe('key_management_system: aws_kms (e2e)', () => {
  const aws = new AwsFake();
  let mock: MockUpstreamProcess;

  beforeAll(async () => {
    await aws.server.start();
    mock = await startMockUpstreamProcess(['--require-api-key', UPSTREAM_KEY]);
  });

  afterAll(async () => {
    await mock?.close();
    await aws.server.stop();
  });

  it('should decrypt an encrypted os.environ value and send the plaintext upstream', async () => {
    const gateway = await startGateway(
      `
model_list:
  - model_name: encrypted
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${mock.baseUrl}, api_key: os.environ/OPENAI_API_KEY }
general_settings:
  master_key: ${MASTER_KEY}
  key_management_system: aws_kms
`,
      { env: { ...aws.env(), OPENAI_API_KEY: `aws_kms/${aws.encrypt(UPSTREAM_KEY)}` } },
    );
    try {
      expect((await chat(gateway, MASTER_KEY, 'encrypted')).status).toBe(200);
      expect((await mock.requests()).at(-1)?.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    } finally {
      await gateway.close();
      discardStorage(gateway.storage);
    }
  });
});
