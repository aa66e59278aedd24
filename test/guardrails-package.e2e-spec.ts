import OpenAI, { APIError } from 'openai';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { discardStorage, freshStorage, startGateway, type TestGateway } from './support/gateway-harness';

const REPO = resolve(__dirname, '..');
const MASTER_KEY = 'sk-package-master';

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
}

/** `npm pack` of a directory into `destination`; returns the tarball's path. */
function pack(directory: string, destination: string): string {
  const before = new Set(readdirSync(destination));
  run('npm', ['pack', directory, '--pack-destination', destination, '--silent'], REPO);
  const created = readdirSync(destination).find((name) => name.endsWith('.tgz') && !before.has(name));
  if (!created) throw new Error(`npm pack of ${directory} produced no tarball`);
  return join(destination, created);
}

/**
 * The life of a third-party guardrail: scaffolded with scripts/new-guardrail.mjs outside the repo, built against the
 * packed SDK, packed, `npm install`ed from its tarball into the directory that holds config.yaml, allowed in config,
 * and loaded by package name when the gateway boots.
 */
describe('A guardrail package installed from an npm pack tarball (e2e)', () => {
  let work: string;
  let gateway: TestGateway | undefined;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'tollgate-guardrail-package-'));
  });

  afterAll(async () => {
    await gateway?.close();
    if (gateway) discardStorage(gateway.storage);
    rmSync(work, { recursive: true, force: true });
  });

  it('should scaffold, build, pack, install and load a plugin by package name', async () => {
    const packs = join(work, 'packs');
    mkdirSync(packs);
    const sdkTarball = pack(join(REPO, 'plugins/sdk'), packs);

    const pluginDir = join(work, 'acme-words');
    run('node', [join(REPO, 'scripts/new-guardrail.mjs'), 'acme-words', '--out', pluginDir], work);
    // What `npm install` of its devDependencies would give it, without a registry: the packed SDK and Node's types.
    const sdkInPlugin = join(pluginDir, 'node_modules/@tollgate/guardrail-sdk');
    mkdirSync(sdkInPlugin, { recursive: true });
    run('tar', ['-xzf', sdkTarball, '-C', sdkInPlugin, '--strip-components=1'], work);
    mkdirSync(join(pluginDir, 'node_modules/@types'), { recursive: true });
    symlinkSync(join(REPO, 'node_modules/@types/node'), join(pluginDir, 'node_modules/@types/node'));
    run('node', [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', join(pluginDir, 'tsconfig.json')], pluginDir);
    const pluginTarball = pack(pluginDir, packs);

    const storage = await freshStorage();
    writeFileSync(join(storage.dataDir, 'package.json'), JSON.stringify({ name: 'gateway-deployment', private: true }));
    run('npm', ['install', '--offline', '--no-audit', '--no-fund', sdkTarball, pluginTarball], storage.dataDir);

    gateway = await startGateway(
      `
general_settings:
  master_key: ${MASTER_KEY}
  guardrail_packages: [tollgate-guardrail-acme-words]
model_list:
  - model_name: demo
    litellm_params: { model: mock/demo }
guardrails:
  - guardrail_name: acme
    litellm_params: { guardrail: acme-words, mode: pre_call, default_on: true, words: ["project-bluebird"] }
`,
      { storage },
    );
    const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });

    const error = await client.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'status of Project-Bluebird?' }] }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(400);
    expect((error as APIError).message).toContain('Violated guardrail policy: acme-words');

    const { data, response } = await client.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    expect(data.choices[0].message.content).toBeTruthy();
    expect(response.headers.get('x-litellm-applied-guardrails')).toBe('acme');
  });
});
