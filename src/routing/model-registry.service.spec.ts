import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/config.loader';
import { ModelRegistry } from './model-registry.service';
import { UnknownModelError } from './routing.errors';

function registry(yaml: string, env: Record<string, string> = {}): ModelRegistry {
  const dir = mkdtempSync(join(tmpdir(), 'registry-spec-'));
  writeFileSync(join(dir, 'config.yaml'), yaml);
  return new ModelRegistry(loadConfig({ configPath: join(dir, 'config.yaml'), env }));
}

describe('Bedrock deployments and the AWS environment', () => {
  const env = { AWS_ACCESS_KEY_ID: 'AKIAENVEXAMPLE', AWS_SECRET_ACCESS_KEY: 'env-secret', AWS_REGION: 'us-east-1' };
  const sut = registry(
    `
model_list:
  - { model_name: plain, litellm_params: { model: bedrock/anthropic.claude-3-haiku } }
  - { model_name: own, litellm_params: { model: bedrock/anthropic.claude-3-haiku, aws_access_key_id: AKIAOWN, aws_secret_access_key: own-secret, aws_region_name: eu-west-3 } }
  - { model_name: tagged-aws, litellm_params: { model: bedrock/anthropic.claude-3-haiku, region_name: eu-central-1 } }
  - { model_name: tagged-coarse, litellm_params: { model: bedrock/anthropic.claude-3-haiku, region_name: eu } }
  - { model_name: other, litellm_params: { model: openai/gpt-4o, api_key: k } }
`,
    env,
  );
  const params = (group: string) => sut.resolve(group).deployments[0].params;

  it("should give a deployment without credentials the environment's, so the adapter never reads the environment", () => {
    expect(params('plain')).toMatchObject({ aws_access_key_id: 'AKIAENVEXAMPLE', aws_secret_access_key: 'env-secret', aws_region_name: 'us-east-1' });
    expect(params('own')).toMatchObject({ aws_access_key_id: 'AKIAOWN', aws_secret_access_key: 'own-secret', aws_region_name: 'eu-west-3' });
    expect(params('other')).not.toHaveProperty('aws_access_key_id');
  });

  it('should keep a region_name that names an AWS region ahead of the environment, and a coarse tag behind it', () => {
    expect(params('tagged-aws')).not.toHaveProperty('aws_region_name');
    expect(params('tagged-coarse')).toMatchObject({ aws_region_name: 'us-east-1' });
  });
});

describe(ModelRegistry.name, () => {
  const sut = registry(`
model_list:
  - { model_name: g, litellm_params: { model: openai/gpt-4o, api_key: k }, model_info: { id: g-1 } }
  - { model_name: g, litellm_params: { model: azure/gpt-4o-eu, api_base: "https://eu.example.com", api_key: k }, model_info: { id: g-2 } }
  - { model_name: "openai/*", litellm_params: { model: "openai/*", api_key: k } }
router_settings:
  model_group_alias: { alias: g }
`);

  it('should resolve groups, aliases, ids, litellm model names and wildcards', () => {
    expect(sut.resolve('g').deployments.map((d) => d.id)).toEqual(['g-1', 'g-2']);
    expect(sut.resolve('alias').group).toBe('g');
    expect(sut.resolve('g-2').deployments.map((d) => d.id)).toEqual(['g-2']);
    expect(sut.resolve('azure/gpt-4o-eu').deployments.map((d) => d.id)).toEqual(['g-2']);
    const wildcard = sut.resolve('openai/o3-mini').deployments[0];
    expect(wildcard.upstreamModel).toBe('o3-mini');
    // Same object for the same name, so per-deployment caches stay warm.
    expect(sut.resolve('openai/o3-mini').deployments[0]).toBe(wildcard);
    expect(() => sut.resolve('nope')).toThrow(UnknownModelError);
    expect(sut.modelNames()).toEqual(['g', 'openai/*', 'alias']);
  });

  it('should swap stored models in and out without touching config models', () => {
    const local = registry('model_list:\n  - { model_name: c, litellm_params: { model: mock/c } }\n');
    local.setStoredModels([{ id: 'db-1', entry: { model_name: 'stored', litellm_params: { model: 'mock/s' } } }]);
    expect(local.resolve('stored').deployments[0].id).toBe('db-1');
    expect(local.registered().map((m) => m.source)).toEqual(['config', 'db']);
    local.setStoredModels([]);
    expect(() => local.resolve('stored')).toThrow(UnknownModelError);
    expect(local.knows('c')).toBe(true);
  });
});
