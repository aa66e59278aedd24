import { ConfigError } from '../config/config.errors';
import { loadConfig, previewSecretManager, type LoadConfigOptions, type SecretReference } from '../config/config.loader';
import { KEY_MANAGEMENT_SYSTEMS } from '../config/config.schema';
import type { ConfiguredSecretManager, TollgateConfig } from '../config/config.types';
import { SecretCache } from './secret-cache';
import type { ManagedSystem, SecretManager } from './secret-manager';
import { createSecretManager } from './secret-manager.factory';
import { isReadFromManager, readSecretManagerSettings, type SecretManagerSettings } from './secret-settings';
import { describeFailure } from './secrets.errors';

const isManagedSystem = (value: unknown): value is ManagedSystem => typeof value === 'string' && value !== 'local' && (KEY_MANAGEMENT_SYSTEMS as readonly string[]).includes(value);

/**
 * Loads the config like `loadConfig`, with every `os.environ/NAME` the configured `key_management_system` hosts
 * read from that manager first. Those values stay live: the config reads them through a cache the manager
 * refreshes once `secretManager.start()` runs, so a rotated provider key is used without a restart.
 * @throws ConfigError when the manager settings are incomplete, a hosted secret cannot be read, or the config is invalid.
 */
export async function loadConfigWithSecrets(options: LoadConfigOptions): Promise<TollgateConfig> {
  const preview = previewSecretManager(options);
  // No manager (or an invalid name, which the loader reports): the environment answers every reference.
  if (!isManagedSystem(preview.keyManagementSystem)) return loadConfig(options);

  const problems: string[] = [];
  const settings = readSecretManagerSettings(preview.keyManagementSystem, preview.keyManagementSettings, options.env, problems);
  const manager = problems.length === 0 ? createSecretManager(settings, options.env, problems) : undefined;
  if (manager === undefined || problems.length > 0) {
    await manager?.close();
    throw new ConfigError(`Invalid ${settings.system} settings:`, problems);
  }

  const cache = new SecretCache(manager, settings);
  const secretValues: Record<string, string> = {};
  const hosted = preview.referencedNames.filter((name) => isReadFromManager(settings, name));
  await Promise.all(
    hosted.map(async (name) => {
      try {
        secretValues[name] = await cache.load(name);
      } catch (error) {
        problems.push(`os.environ/${name}: cannot be read from ${settings.system}: ${describeFailure(error)}`);
      }
    }),
  );
  const references: SecretReference[] = [];
  let config: TollgateConfig;
  try {
    if (problems.length > 0) throw new ConfigError(`Cannot read secrets from ${settings.system}:`, problems.sort());
    config = loadConfig({ ...options, secretValues, onSecretReference: (reference) => references.push(reference) });
  } catch (error) {
    await manager.close();
    throw error;
  }
  for (const reference of references) keepLive(config, reference, cache);
  config.secretManager = new ManagedSecrets(manager, cache, settings);
  return config;
}

/**
 * Replaces the resolved value at `reference.path` by a getter on the cache: readers at request time (the
 * router's deployment api key) see the latest value, or a SecretUnavailableError once it has expired.
 */
function keepLive(config: TollgateConfig, reference: SecretReference, cache: SecretCache): void {
  const segments = [...reference.path.matchAll(/\[(\d+)\]|([^.[\]]+)/g)].map((match) => (match[1] !== undefined ? Number(match[1]) : match[2]));
  const key = segments.pop();
  let parent: unknown = config;
  for (const segment of segments) parent = typeof parent === 'object' && parent !== null ? (parent as Record<string | number, unknown>)[segment] : undefined;
  // A key containing '.' cannot be followed; that value keeps its boot-time resolution.
  if (key === undefined || typeof parent !== 'object' || parent === null || !Object.hasOwn(parent, key)) return;
  Object.defineProperty(parent, key, { get: () => reference.prefix + cache.current(reference.name), enumerable: true, configurable: true });
}

/** What the Nest side (SecretsService) drives: refresh lifecycle and virtual-key write-back. */
class ManagedSecrets implements ConfiguredSecretManager {
  readonly system: ManagedSystem;

  constructor(
    private readonly manager: SecretManager,
    private readonly cache: SecretCache,
    private readonly settings: SecretManagerSettings,
  ) {
    this.system = manager.system;
  }

  start(): Promise<void> {
    return this.cache.start();
  }

  async storeVirtualKey(keyName: string, key: string): Promise<boolean> {
    if (!this.settings.storeVirtualKeys) return false;
    await this.manager.write(`${this.settings.virtualKeyPrefix}${keyName}`, key);
    return true;
  }

  async close(): Promise<void> {
    this.cache.stop();
    await this.manager.close();
  }
}
