import { Logger } from '@nestjs/common';
import type { ActivationMode, Guardrail, GuardrailLogger, GuardrailPhase } from '@tollgate/guardrail-sdk';
import Ajv from 'ajv';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../config/config.errors';
import type { TollgateConfig } from '../config/config.types';
import { collectGuardrails, guardrailPackagesOf, type GuardrailInstanceSpec, type OnError } from './guardrail-config';
import { resolveEnvDefaults, settingsActivation } from './guardrail-instance-settings';
import { GuardrailLoader, GuardrailLoadError } from './guardrail-loader';

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_STREAM_WINDOW_CHARS = 256;

/** A configured guardrail, its plugin loaded and its instance created; what the runner works with. */
export interface GuardrailInstance {
  /** The configured name (what requests, keys and teams refer to). */
  readonly name: string;
  /** The plugin's manifest id (`hide-secrets`). */
  readonly id: string;
  readonly packageName: string;
  readonly form: GuardrailInstanceSpec['form'];
  readonly phases: ReadonlySet<GuardrailPhase>;
  readonly priority: number;
  /** Position in the config, the tie-breaker after priority. */
  readonly order: number;
  readonly defaultOn: boolean;
  readonly onError: OnError;
  readonly timeoutMs: number;
  readonly streamWindowChars: number;
  readonly activation: ActivationMode;
  readonly guardrail: Guardrail;
  readonly logger: GuardrailLogger;
}

/** A Nest logger behind the SDK's logger interface, named after the instance. */
export function guardrailLogger(name: string): GuardrailLogger {
  const logger = new Logger(`Guardrail:${name}`);
  return { debug: (m) => logger.debug(m), log: (m) => logger.log(m), warn: (m) => logger.warn(m), error: (m) => logger.error(m) };
}

/**
 * Every configured guardrail instance, loaded at boot. A guardrail that cannot be loaded, whose SDK range or
 * config is wrong, or whose `mode` names a phase its plugin does not implement stops boot: running without a
 * configured check would be worse than not running.
 */
export class GuardrailRegistry {
  private constructor(
    readonly instances: readonly GuardrailInstance[],
    readonly warnings: readonly string[],
  ) {}

  /** An empty registry (no guardrails configured). */
  static empty(): GuardrailRegistry {
    return new GuardrailRegistry([], []);
  }

  /**
   * Loads and checks every configured guardrail.
   * @throws ConfigError listing every problem found (never a config value: blocks may hold credentials).
   */
  static async load(config: Pick<TollgateConfig, 'litellm_settings' | 'guardrails' | 'general_settings' | 'configPath' | 'guardrailEnv'>): Promise<GuardrailRegistry> {
    const collected = collectGuardrails(config);
    const problems = [...collected.problems];
    const configDir = config.configPath ? dirname(config.configPath) : process.cwd();
    const loader = new GuardrailLoader(guardrailPackagesOf(config), [configDir, process.cwd()]);
    const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true });
    const instances: GuardrailInstance[] = [];
    for (const [order, spec] of collected.instances.entries()) {
      try {
        const loaded = await loader.load(loader.packageFor(spec.plugin));
        const manifest = loaded.plugin.manifest;
        const fromSettings = settingsActivation(spec, manifest.id);
        const activation = spec.activation ?? fromSettings.activation;
        const own = [...(fromSettings.problem ? [fromSettings.problem] : []), ...problemsOf(spec, activation, manifest.phases, manifest.activationModes)];
        if (own.length > 0) {
          problems.push(...own.map((problem) => `${spec.origin}: ${problem}`));
          continue;
        }
        const validated = structuredClone(spec.config) as Record<string, unknown>;
        const validate = ajv.compile(manifest.configSchema);
        if (!validate(validated)) {
          for (const error of validate.errors ?? []) problems.push(`${spec.origin}: config${error.instancePath || ''} ${error.message ?? 'is invalid'} (${manifest.id} schema)`);
          continue;
        }
        const pluginConfig = resolveEnvDefaults(validated, config.guardrailEnv ?? {});
        const logger = guardrailLogger(spec.name);
        const guardrail = await loaded.plugin.create(pluginConfig, {
          instanceName: spec.name,
          logger,
          resolvePath: (path) => (isAbsolute(path) ? path : resolve(configDir, path)),
        });
        const phases = effectivePhases(spec, manifest.phases, manifest.defaultPhases);
        instances.push({
          name: spec.name,
          id: manifest.id,
          packageName: loaded.packageName,
          form: spec.form,
          phases,
          priority: manifest.priority ?? 0,
          order,
          defaultOn: spec.defaultOn,
          onError: spec.onError,
          timeoutMs: spec.timeoutMs ?? manifest.timeoutMs ?? DEFAULT_TIMEOUT_MS,
          streamWindowChars: manifest.streamWindowChars ?? DEFAULT_STREAM_WINDOW_CHARS,
          activation: activation ?? 'all',
          guardrail,
          logger,
        });
      } catch (error) {
        const reason = error instanceof GuardrailLoadError ? error.message : `${spec.plugin} failed to start: ${error instanceof Error ? error.message : String(error)}`;
        problems.push(`${spec.origin}: ${reason}`);
      }
    }
    if (problems.length > 0) {
      await Promise.allSettled(instances.map((instance) => instance.guardrail.close?.()));
      throw new ConfigError('Invalid guardrail configuration:', problems);
    }
    instances.sort((a, b) => b.priority - a.priority || a.order - b.order);
    return new GuardrailRegistry(instances, collected.warnings);
  }

  /** Calls every instance's `close()`; failures are logged, never thrown (shutdown goes on). */
  async close(): Promise<void> {
    await Promise.all(
      this.instances.map(async (instance) => {
        try {
          await instance.guardrail.close?.();
        } catch (error) {
          instance.logger.error(`close failed: ${error instanceof Error ? error.name : typeof error}`);
        }
      }),
    );
  }
}

function problemsOf(
  spec: GuardrailInstanceSpec,
  activation: ActivationMode | undefined,
  supported: readonly GuardrailPhase[],
  activationModes: readonly ActivationMode[] | undefined,
): string[] {
  const problems: string[] = [];
  // `streaming` comes with `post_call` implicitly; only the phases the operator named must be supported.
  for (const phase of spec.phases ?? []) {
    if (phase !== 'streaming' && !supported.includes(phase)) problems.push(`mode ${phase} is not supported by this guardrail (it supports ${supported.join(', ')})`);
  }
  if (activation && activation !== 'all' && !(activationModes ?? []).includes(activation)) {
    problems.push(`guardrail_mode ${activation} is not supported by this guardrail`);
  }
  return problems;
}

function effectivePhases(spec: GuardrailInstanceSpec, supported: readonly GuardrailPhase[], defaults: readonly GuardrailPhase[] | undefined): Set<GuardrailPhase> {
  const wanted = spec.phases ?? defaults ?? supported.filter((phase) => phase !== 'logging_only');
  return new Set(wanted.filter((phase) => supported.includes(phase)));
}
