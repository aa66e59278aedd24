import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/config.loader';
import { ModelRegistry } from './model-registry.service';
import { UnknownModelError } from './routing.errors';

function registry(yaml: string): ModelRegistry {
  const dir = mkdtempSync(join(tmpdir(), 'registry-spec-'));
  writeFileSync(join(dir, 'config.yaml'), yaml);
  return new ModelRegistry(loadConfig({ configPath: join(dir, 'config.yaml'), env: {} }));
}

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
