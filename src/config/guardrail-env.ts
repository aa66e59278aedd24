/**
 * Environment variables LiteLLM's guardrails read when their config names no value (`LLM_GUARD_API_BASE`,
 * `LAKERA_API_KEY`, …). A guardrail plugin asks for one with a config-schema default `os.environ/NAME`; the registry
 * answers it from these values only, so a plugin reads no environment of its own and no other variable.
 * Grouped by vendor, one name a line.
 */
export const GUARDRAIL_ENV_NAMES: readonly string[] = [
  // LLM Guard
  'LLM_GUARD_API_BASE',
  // Google Text Moderation (a service-account or authorized-user JSON file)
  'GOOGLE_APPLICATION_CREDENTIALS',
  // Lakera
  'LAKERA_API_KEY',
  'LAKERA_API_BASE',
  // Aporia (LiteLLM reads these spellings)
  'APORIO_API_KEY',
  'APORIO_API_BASE',
];

/** The set values of {@link GUARDRAIL_ENV_NAMES} ("" counts as unset, as compose files write it). */
export function guardrailEnvOf(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const name of GUARDRAIL_ENV_NAMES) {
    const value = env[name];
    if (value !== undefined && value !== '') values[name] = value;
  }
  return values;
}
