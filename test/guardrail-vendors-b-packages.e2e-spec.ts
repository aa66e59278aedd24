import OpenAI, { type APIError } from 'openai';
import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { discardStorage, freshStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { AZURE_CONTENT_SAFETY_KEY, startAzureContentSafetyFake, type AzureContentSafetyFake } from './support/guardrail-vendors/azure-content-safety.fake';
import {
  BEDROCK_GUARDRAIL_CREDENTIALS,
  BEDROCK_GUARDRAIL_ID,
  BEDROCK_GUARDRAIL_REGION,
  startBedrockGuardrailsFake,
  type BedrockGuardrailsFake,
} from './support/guardrail-vendors/bedrock-guardrails.fake';
import { GENERIC_GUARDRAIL_API_KEY, startGenericGuardrailFake, type GenericGuardrailFake } from './support/guardrail-vendors/generic-guardrail-api.fake';
import { OPENAI_MODERATION_KEY, openAiModerationFake } from './support/guardrail-vendors/openai-moderation.fake';
import { startPresidioFake, type PresidioFake } from './support/guardrail-vendors/presidio.fake';
import { startMockProviderServer, type MockProviderServer } from './support/mock-providers/mock-provider-server';

const REPO = resolve(__dirname, '..');
const MASTER_KEY = 'sk-vendor-packages-master';
const PACKAGES = ['presidio', 'bedrock', 'azure-content-safety', 'openai-moderation', 'generic-guardrail-api'].map((id) => ({
  id,
  name: `@tollgate/guardrail-${id}`,
  dir: join(REPO, 'plugins', `guardrail-${id}`),
}));

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
}

/** `npm pack` of directories into `destination`, in one run (lifecycle scripts not run); returns the tarballs' paths. */
function pack(directories: readonly string[], destination: string): string[] {
  const packed = JSON.parse(run('npm', ['pack', ...directories, '--pack-destination', destination, '--json', '--ignore-scripts'], REPO)) as { filename: string }[];
  if (packed.length !== directories.length) throw new Error(`npm pack produced ${packed.length} tarballs for ${directories.length} directories`);
  return packed.map((item) => join(destination, item.filename));
}

/**
 * The installed directories of a package's runtime dependencies, transitively: what a registry would serve. Packed
 * from this repository's node_modules, they let `npm install --offline` work without the registry's metadata.
 */
function dependencyClosure(packageDir: string): string[] {
  const found = new Set<string>();
  // Node's lookup: the nearest node_modules holding the package, walking up from the dependent's directory.
  const locate = (name: string, from: string): string => {
    for (let dir = from; ; dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
      if (dirname(dir) === dir) throw new Error(`${name} is not installed (needed by ${from})`);
    }
  };
  const visit = (dir: string): void => {
    const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    for (const dependency of Object.keys(json.dependencies ?? {})) {
      const installed = locate(dependency, dir);
      if (!found.has(installed)) {
        found.add(installed);
        visit(installed);
      }
    }
  };
  visit(packageDir);
  return [...found];
}

/**
 * Each part B vendor package as an operator gets it: `npm pack`ed, installed from its tarball (with the packed SDK
 * and, for Bedrock, its signer) into the directory holding config.yaml, and loaded by package name from there.
 */
describe('Vendor guardrail packages of part B, installed from npm pack tarballs (e2e)', () => {
  let work: string;
  let gateway: TestGateway | undefined;
  let upstream: MockProviderServer;
  let presidio: PresidioFake;
  let bedrock: BedrockGuardrailsFake;
  let azure: AzureContentSafetyFake;
  let generic: GenericGuardrailFake;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'tollgate-vendor-packages-'));
    [presidio, bedrock, azure, generic, upstream] = await Promise.all([
      startPresidioFake(),
      startBedrockGuardrailsFake(),
      startAzureContentSafetyFake(),
      startGenericGuardrailFake(),
      startMockProviderServer([openAiModerationFake()]),
    ]);
  });

  afterAll(async () => {
    await gateway?.close();
    if (gateway) discardStorage(gateway.storage);
    await Promise.all([presidio?.close(), bedrock?.close(), azure?.close(), generic?.close(), upstream?.close()]);
    rmSync(work, { recursive: true, force: true });
  });

  it('should pack each package with only its build, README and CHANGELOG, install them offline and load them by package name', async () => {
    const packs = join(work, 'packs');
    mkdirSync(packs);
    const [sdkTarball, ...tarballs] = pack([join(REPO, 'plugins/sdk'), ...PACKAGES.map((plugin) => plugin.dir)], packs);
    for (const tarball of tarballs) {
      const files = run('tar', ['-tzf', tarball], work).trim().split('\n');
      expect(files).toEqual(expect.arrayContaining(['package/package.json', 'package/README.md', 'package/CHANGELOG.md', 'package/dist/index.js', 'package/dist/index.d.ts']));
      expect(files.filter((file) => !/^package\/(package\.json|README\.md|CHANGELOG\.md|dist\/[\w.-]+\.(js|d\.ts|js\.map))$/.test(file))).toEqual([]);
    }
    const dependencies = join(work, 'dependencies');
    mkdirSync(dependencies);
    const dependencyTarballs = pack(dependencyClosure(join(REPO, 'plugins/guardrail-bedrock')), dependencies);

    const storage = await freshStorage();
    writeFileSync(join(storage.dataDir, 'package.json'), JSON.stringify({ name: 'gateway-deployment', private: true }));
    run('npm', ['install', '--offline', '--no-audit', '--no-fund', sdkTarball, ...tarballs, ...dependencyTarballs], storage.dataDir);
    const resolveFromConfigDir = createRequire(join(storage.dataDir, 'config.yaml'));
    for (const plugin of PACKAGES) {
      const installed = join(storage.dataDir, 'node_modules', plugin.name);
      // A real copy from the tarball, not a link to the workspace, and what the loader finds first from config.yaml.
      expect(lstatSync(installed).isSymbolicLink()).toBe(false);
      expect(existsSync(join(installed, 'src'))).toBe(false);
      expect(realpathSync(resolveFromConfigDir.resolve(plugin.name))).toBe(join(installed, 'dist/index.js'));
    }

    gateway = await startGateway(
      `
general_settings:
  master_key: ${MASTER_KEY}
  guardrail_packages: [${PACKAGES.map((plugin) => JSON.stringify(plugin.name)).join(', ')}]
model_list:
  - model_name: demo
    litellm_params: { model: mock/demo }
  - model_name: omni-moderation
    litellm_params: { model: openai/omni-moderation-latest, api_base: ${upstream.url}/v1, api_key: ${OPENAI_MODERATION_KEY} }
guardrails:
  - guardrail_name: pii
    litellm_params: { guardrail: "@tollgate/guardrail-presidio", mode: pre_call, presidio_analyzer_api_base: ${presidio.analyzerUrl}, presidio_anonymizer_api_base: ${presidio.anonymizerUrl}, pii_entities_config: { US_SSN: BLOCK } }
  - guardrail_name: bedrock-policy
    litellm_params: { guardrail: "@tollgate/guardrail-bedrock", mode: pre_call, guardrailIdentifier: ${BEDROCK_GUARDRAIL_ID}, guardrailVersion: "1", aws_region_name: ${BEDROCK_GUARDRAIL_REGION}, aws_access_key_id: ${BEDROCK_GUARDRAIL_CREDENTIALS.accessKeyId}, aws_secret_access_key: "${BEDROCK_GUARDRAIL_CREDENTIALS.secretAccessKey}", aws_bedrock_runtime_endpoint: ${bedrock.url} }
  - guardrail_name: azure-safety
    litellm_params: { guardrail: "@tollgate/guardrail-azure-content-safety", mode: pre_call, api_base: ${azure.url}, api_key: ${AZURE_CONTENT_SAFETY_KEY} }
  - guardrail_name: openai-moderation
    litellm_params: { guardrail: "@tollgate/guardrail-openai-moderation", mode: pre_call, model: omni-moderation }
  - guardrail_name: policy-service
    litellm_params: { guardrail: "@tollgate/guardrail-generic-guardrail-api", mode: pre_call, api_base: ${generic.url}, api_key: ${GENERIC_GUARDRAIL_API_KEY} }
`,
      { storage },
    );
    const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const cases = [
      ['pii', 'my ssn is 123-45-6789', 'Blocked PII entity detected: US_SSN'],
      ['bedrock-policy', 'give me stock tips', 'Violated guardrail policy'],
      ['azure-safety', 'we attack at dawn', 'Azure Content Safety Guardrail: Violence'],
      ['openai-moderation', 'we attack at dawn', 'Violated OpenAI moderation policy'],
      ['policy-service', 'the forbidden-topic', 'Content blocked by guardrail policy-service'],
    ];
    for (const [name, bad, refusal] of cases) {
      const ask = (content: string) =>
        client.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content }], guardrails: [name] } as ChatCompletionCreateParamsNonStreaming);
      const error = await ask(bad).then(
        () => undefined,
        (thrown: unknown) => thrown as APIError,
      );
      expect(error?.status).toBe(400);
      expect(error?.message).toContain(refusal);
      const { response } = await ask('plan a picnic').withResponse();
      expect(response.headers.get('x-litellm-applied-guardrails')).toBe(name);
    }
  }, 240_000);
});
