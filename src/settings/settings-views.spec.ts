import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadRequestError } from '../common/errors/http-errors';
import { loadConfig } from '../config/config.loader';
import type { SettingsOverrides } from '../config/config.types';
import type { SettingsSnapshot } from './runtime-settings.service';
import { activeCallbacks, configList, fieldInfo, routerSettings } from './settings-views';

const FILE = `
general_settings:
  master_key: sk-views-master-000000000000abcd
  database_url: postgresql://tollgate:hunter2@db:5432/tollgate
model_list: [{ model_name: g, litellm_params: { model: mock/g } }]
router_settings: { cooldown_time: 9, redis_password: very-secret-redis }
litellm_settings: { num_retries: 2, request_timeout: 45, success_callback: [langfuse] }
`;

function snapshot(stored: SettingsOverrides = {}): SettingsSnapshot {
  const dir = mkdtempSync(join(tmpdir(), 'settings-views-'));
  writeFileSync(join(dir, 'config.yaml'), FILE);
  const file = loadConfig({ configPath: join(dir, 'config.yaml'), env: { LANGFUSE_PUBLIC_KEY: 'pk-lf-x', LANGFUSE_SECRET_KEY: 'sk-lf-x' } });
  return { file, stored, effective: file.withOverrides?.(stored) ?? file };
}

describe('runtime settings views', () => {
  it('should give the router page the value in force: router_settings, else litellm_settings, else the default', () => {
    const view = routerSettings(snapshot({ router_settings: { routing_strategy: 'least-busy' } }));
    expect(view.current_values).toMatchObject({ routing_strategy: 'least-busy', num_retries: 2, timeout: 45, cooldown_time: 9, allowed_fails: 3, max_fallbacks: 5 });
    const retries = view.fields.find((field) => field.field_name === 'num_retries');
    expect(retries).toMatchObject({ field_type: 'Integer', field_value: 2, field_default_value: 0 });
    expect(view.fields.find((field) => field.field_name === 'allowed_fails')?.field_value).toBeNull();
  });

  it('should say where a value comes from and mask secrets, listing live fields first', () => {
    const current = snapshot({ router_settings: { num_retries: 4 } });
    expect(fieldInfo(current, 'router_settings', 'num_retries')).toMatchObject({ field_value: 4, stored_in_db: true, applied_at_runtime: true });
    expect(fieldInfo(current, 'router_settings', 'cooldown_time')).toMatchObject({ field_value: 9, stored_in_db: false });
    expect(fieldInfo(current, 'general_settings', 'master_key')).toMatchObject({ field_value: '*****abcd', applied_at_runtime: false });
    expect(() => fieldInfo(current, 'router_settings', 'no_such_field')).toThrow(BadRequestError);
    const general = JSON.stringify(configList(current, 'general_settings'));
    expect(general).not.toContain('hunter2');
    expect(general).not.toContain('sk-views-master');
    const router = configList(current, 'router_settings');
    expect(router[0]).toMatchObject({ field_name: 'routing_strategy', applied_at_runtime: true });
    expect(router.find((item) => item.field_name === 'redis_password')).toMatchObject({ field_value: '*****', applied_at_runtime: false });
  });

  it("should report the configured callbacks in LiteLLM's /active/callbacks keys", () => {
    expect(activeCallbacks(snapshot().effective)).toMatchObject({ 'litellm.success_callback': ['langfuse'], num_callbacks: 1, 'litellm.request_timeout': 45 });
  });
});
