import { GUARDRAIL_API_VERSION, GUARDRAIL_PHASES, type GuardrailPlugin, isGuardrailPlugin, SDK_VERSION, toGuardrailId } from '@tollgate/guardrail-sdk';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import semver from 'semver';

/** The guardrails Tollgate ships, by id (and by the other config names of a vendor's plugin); always allowed. */
export const BUILTIN_GUARDRAIL_PACKAGES: Readonly<Record<string, string>> = {
  'hide-secrets': '@tollgate/guardrail-hide-secrets',
  'banned-keywords': '@tollgate/guardrail-banned-keywords',
  'blocked-user-check': '@tollgate/guardrail-blocked-user-check',
  'detect-prompt-injection': '@tollgate/guardrail-detect-prompt-injection',
  // Moderation vendors, under the ids and the names LiteLLM's configs use for them.
  'llm-guard': '@tollgate/guardrail-llm-guard',
  'llmguard-moderations': '@tollgate/guardrail-llm-guard',
  llamaguard: '@tollgate/guardrail-llamaguard',
  'llamaguard-moderations': '@tollgate/guardrail-llamaguard',
  'google-text-moderation': '@tollgate/guardrail-google-text-moderation',
  lakera: '@tollgate/guardrail-lakera',
  'lakera-prompt-injection': '@tollgate/guardrail-lakera',
  'lakera-v2': '@tollgate/guardrail-lakera',
  aporia: '@tollgate/guardrail-aporia',
  'aporio-prompt-injection': '@tollgate/guardrail-aporia',
  'aporia-prompt-injection': '@tollgate/guardrail-aporia',
  presidio: '@tollgate/guardrail-presidio',
  bedrock: '@tollgate/guardrail-bedrock',
  'azure-content-safety': '@tollgate/guardrail-azure-content-safety',
  'openai-moderation': '@tollgate/guardrail-openai-moderation',
  // LiteLLM's callback name (`litellm_settings.callbacks: ["openai_moderations"]`).
  'openai-moderations': '@tollgate/guardrail-openai-moderation',
  'generic-guardrail-api': '@tollgate/guardrail-generic-guardrail-api',
};

/** A plugin loaded and checked: the package it came from and its plugin object. */
export interface LoadedGuardrailPlugin {
  readonly packageName: string;
  readonly packageVersion: string;
  readonly plugin: GuardrailPlugin<Record<string, unknown>>;
}

/** Why a configured plugin could not be loaded; boot stops on it. */
export class GuardrailLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GuardrailLoadError';
  }
}

interface PackageJson {
  name?: string;
  version?: string;
  tollgate?: { guardrail?: unknown };
}

type NodeRequire = ReturnType<typeof createRequire>;

/**
 * Finds and loads guardrail packages by name. Only built-ins and packages on the config's allow-list
 * (`general_settings.guardrail_packages`) are ever loaded: a config cannot make Tollgate run an arbitrary module.
 * Packages resolve from the config file's directory first (where an operator `npm install`s third-party
 * guardrails), then from Tollgate's own installation.
 */
export class GuardrailLoader {
  private readonly requires: NodeRequire[];
  private readonly manifests = new Map<string, { dir: string; json: PackageJson } | null>();

  constructor(
    private readonly allowedPackages: readonly string[],
    searchDirs: readonly string[],
  ) {
    this.requires = [...searchDirs.map((dir) => createRequire(join(dir, 'tollgate-resolve.js'))), createRequire(__filename)];
  }

  /**
   * The package a config reference names: an allowed package name as written, a built-in id (`hide_secrets`),
   * an allowed package declaring that id in `"tollgate": {"guardrail": "<id>"}`, or `tollgate-guardrail-<id>`.
   * @throws GuardrailLoadError when none is installed and allowed.
   */
  packageFor(reference: string): string {
    if (this.allowedPackages.includes(reference)) return reference;
    const id = toGuardrailId(reference.replace(/^tollgate-guardrail-/, ''));
    const builtin = BUILTIN_GUARDRAIL_PACKAGES[id];
    if (builtin) return builtin;
    const declared = this.allowedPackages.find((name) => this.packageJson(name)?.json.tollgate?.guardrail === id);
    if (declared) return declared;
    const conventional = `tollgate-guardrail-${id}`;
    if (this.packageJson(conventional)) {
      throw new GuardrailLoadError(`guardrail '${reference}': package ${conventional} is installed but not allowed; add it to general_settings.guardrail_packages`);
    }
    throw new GuardrailLoadError(
      `guardrail '${reference}' has no installed plugin: install a package declaring "tollgate": {"guardrail": "${id}"} (e.g. ${conventional}) and list it in general_settings.guardrail_packages`,
    );
  }

  /**
   * Loads the package, checks the brand, the API version, the SDK range, the phases and that the manifest id
   * matches package.json.
   * @throws GuardrailLoadError naming the package and what is wrong.
   */
  async load(packageName: string): Promise<LoadedGuardrailPlugin> {
    const found = this.packageJson(packageName);
    if (!found) throw new GuardrailLoadError(`guardrail package ${packageName} is not installed (looked in ${this.searchedDirs()})`);
    let exported: unknown;
    try {
      exported = await this.importEntry(packageName, found.dir);
    } catch (error) {
      throw new GuardrailLoadError(`guardrail package ${packageName} failed to load: ${error instanceof Error ? error.message : String(error)}`);
    }
    const plugin = pluginOf(exported);
    if (!plugin) throw new GuardrailLoadError(`guardrail package ${packageName} does not export a plugin made with defineGuardrail() from @tollgate/guardrail-sdk`);
    const problems = checkPlugin(plugin, found.json);
    if (problems.length > 0) throw new GuardrailLoadError(`guardrail package ${packageName}: ${problems.join('; ')}`);
    return { packageName, packageVersion: found.json.version ?? '0.0.0', plugin: plugin as GuardrailPlugin<Record<string, unknown>> };
  }

  private async importEntry(packageName: string, dir: string): Promise<unknown> {
    const require = this.requires.find((candidate) => dirOf(candidate, packageName) === dir) ?? this.requires[0];
    try {
      return require(packageName);
    } catch (error) {
      // An ES-module-only package: import() it by its resolved file.
      if ((error as { code?: string }).code !== 'ERR_REQUIRE_ESM') throw error;
      return import(pathToFileURL(require.resolve(packageName)).href);
    }
  }

  private packageJson(packageName: string): { dir: string; json: PackageJson } | null {
    if (!this.manifests.has(packageName)) {
      let found: { dir: string; json: PackageJson } | null = null;
      for (const require of this.requires) {
        const dir = dirOf(require, packageName);
        if (dir) {
          found = { dir, json: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson };
          break;
        }
      }
      this.manifests.set(packageName, found);
    }
    return this.manifests.get(packageName) ?? null;
  }

  private searchedDirs(): string {
    return this.requires.map((require) => require.resolve.paths('x')?.[0] ?? '?').join(', ');
  }
}

/** The package's directory as `require` would find it (package.json presence, whatever its `exports` allow). */
function dirOf(require: NodeRequire, packageName: string): string | undefined {
  for (const base of require.resolve.paths(packageName) ?? []) {
    const dir = join(base, packageName);
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  return undefined;
}

function pluginOf(exported: unknown): GuardrailPlugin<unknown> | undefined {
  if (isGuardrailPlugin(exported)) return exported;
  const inner = typeof exported === 'object' && exported !== null ? (exported as { default?: unknown }).default : undefined;
  if (isGuardrailPlugin(inner)) return inner;
  // `export default` compiled to CommonJS and then imported as ESM nests one level deeper.
  const nested = typeof inner === 'object' && inner !== null ? (inner as { default?: unknown }).default : undefined;
  return isGuardrailPlugin(nested) ? nested : undefined;
}

function checkPlugin(plugin: GuardrailPlugin<unknown>, json: PackageJson): string[] {
  const problems: string[] = [];
  const manifest = plugin.manifest;
  if (plugin.apiVersion !== GUARDRAIL_API_VERSION) problems.push(`plugin API version ${String(plugin.apiVersion)} is not ${GUARDRAIL_API_VERSION}`);
  if (typeof manifest?.id !== 'string') return [...problems, 'the manifest has no id'];
  if (json.tollgate?.guardrail !== manifest.id)
    problems.push(`package.json "tollgate": {"guardrail"} is ${JSON.stringify(json.tollgate?.guardrail)}, the manifest id is '${manifest.id}'`);
  if (typeof manifest.sdk !== 'string' || semver.validRange(manifest.sdk) === null) problems.push(`manifest.sdk ${JSON.stringify(manifest.sdk)} is not a semver range`);
  else if (!semver.satisfies(SDK_VERSION, manifest.sdk)) problems.push(`built for guardrail SDK ${manifest.sdk}, Tollgate provides ${SDK_VERSION}`);
  if (!Array.isArray(manifest.phases) || manifest.phases.length === 0 || manifest.phases.some((phase) => !GUARDRAIL_PHASES.includes(phase))) {
    problems.push(`manifest.phases ${JSON.stringify(manifest.phases)} must list phases among ${GUARDRAIL_PHASES.join(', ')}`);
  }
  if (typeof manifest.configSchema !== 'object' || manifest.configSchema === null) problems.push('manifest.configSchema must be a JSON Schema object');
  if (typeof plugin.create !== 'function') problems.push('create is not a function');
  return problems;
}
