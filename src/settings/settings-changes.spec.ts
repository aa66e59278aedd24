import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadRequestError } from '../common/errors/http-errors';
import { ConfigError } from '../config/config.errors';
import { loadConfig } from '../config/config.loader';
import { routerPolicyOf } from '../routing/router-policy';
import { applyChanges, changedSections, parseConfigUpdate } from './settings-changes';

function configFrom(yaml: string): ReturnType<typeof loadConfig> {
  const dir = mkdtempSync(join(tmpdir(), 'settings-spec-'));
  writeFileSync(join(dir, 'config.yaml'), yaml);
  return loadConfig({ configPath: join(dir, 'config.yaml'), env: { RETRIES: '4' } });
}

function refusal(run: () => unknown): BadRequestError {
  try {
    run();
  } catch (error) {
    if (error instanceof BadRequestError) return error;
    throw error;
  }
  throw new Error('expected a 400');
}

describe('runtime settings changes', () => {
  it('should take router and litellm fields the running gateway applies, and refuse the rest naming the field', () => {
    expect(parseConfigUpdate({ router_settings: { routing_strategy: 'least-busy', num_retries: 2 }, environment_variables: {} })).toEqual({
      router_settings: { routing_strategy: 'least-busy', num_retries: 2 },
    });
    expect(refusal(() => parseConfigUpdate({ general_settings: { master_key: 'sk-new' } })).message).toMatch(
      /general_settings\.master_key cannot be changed at runtime: a restart/,
    );
    expect(refusal(() => parseConfigUpdate({ general_settings: { database_url: 'postgresql://x' } })).message).toMatch(/restart/);
    expect(refusal(() => parseConfigUpdate({ router_settings: { redis_host: 'r' } })).message).toMatch(/router_settings\.redis_host is not applied at runtime/);
    expect(refusal(() => parseConfigUpdate({ litellm_settings: { cache: true } })).message).toMatch(/litellm_settings\.cache/);
    expect(refusal(() => parseConfigUpdate({ environment_variables: { OPENAI_API_KEY: 'sk-x' } })).message).toMatch(/environment_variables cannot be changed/);
    expect(refusal(() => parseConfigUpdate({ model_list: [] })).message).toMatch(/Unknown config section model_list/);
    expect(refusal(() => parseConfigUpdate({})).message).toMatch(/Nothing to update/);
  });

  it('should merge changes over the stored fields, null removing one, and say which sections changed', () => {
    const stored = { router_settings: { num_retries: 1, cooldown_time: 9 }, litellm_settings: { request_timeout: 5 } };
    const next = applyChanges(stored, { router_settings: { num_retries: 3, cooldown_time: null }, litellm_settings: { request_timeout: null } });
    expect(next).toEqual({ router_settings: { num_retries: 3 } });
    expect(changedSections(stored, next)).toEqual(['router_settings', 'litellm_settings']);
    expect(changedSections(next, applyChanges(next, { router_settings: { num_retries: 3 } }))).toEqual([]);
  });

  it('should put stored fields over the file, validated by the loader exactly as file values are', () => {
    const file = configFrom(`
model_list: [{ model_name: g, litellm_params: { model: mock/g } }]
router_settings: { routing_strategy: simple-shuffle, num_retries: os.environ/RETRIES, cooldown_time: 7 }
`);
    expect(routerPolicyOf(file)).toMatchObject({ strategy: 'simple-shuffle', numRetries: 4, cooldownMs: 7000 });
    const merged = file.withOverrides?.({ router_settings: { routing_strategy: 'least-busy', num_retries: '2' } });
    // The stored fields win; the file's other fields stay; strings are read as the file's would be.
    expect(merged && routerPolicyOf(merged)).toMatchObject({ strategy: 'least-busy', numRetries: 2, cooldownMs: 7000 });
    expect(merged?.router_settings.num_retries).toBe(2);

    let error: unknown;
    try {
      file.withOverrides?.({ router_settings: { routing_strategy: 'fastest', num_retries: -1 }, litellm_settings: { request_timeout: 'soon' } });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/router_settings\.routing_strategy: must be one of/);
    expect(problems).toMatch(/router_settings\.num_retries/);
    expect(problems).toMatch(/litellm_settings\.request_timeout/);
    // The file config itself is untouched.
    expect(routerPolicyOf(file).strategy).toBe('simple-shuffle');
  });
});
