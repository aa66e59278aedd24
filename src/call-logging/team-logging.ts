import type { LoggingSinkSettings, LoggingSinkTrigger } from '../config/config.types';

/** A team's `metadata.logging` entry that cannot be used, with the field it is about. */
export class TeamLoggingError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'TeamLoggingError';
  }
}

/** What `callback_vars` values are replaced with when a team is shown. */
export const MASKED = '********';

const TEAM_CALLBACKS = new Set(['langfuse', 'generic_api']);
const SECRET_VARS = new Set(['langfuse_secret_key', 'generic_logger_headers']);

/**
 * LiteLLM's team-based logging: a team's `metadata.logging` is a list of
 * `{callback_name, callback_type: success | failure | success_and_failure, callback_vars}`, sending that team's calls
 * to its own destination besides the proxy's. Tollgate serves `langfuse` (`langfuse_public_key`,
 * `langfuse_secret_key`, `langfuse_host`) and `generic_api` (`generic_logger_endpoint`, `generic_logger_headers`).
 * @throws TeamLoggingError naming the first unusable field
 */
export function parseTeamLogging(value: unknown): LoggingSinkSettings[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new TeamLoggingError('metadata.logging must be a list of {callback_name, callback_type, callback_vars}', 'metadata.logging');
  return value.map((entry: unknown, index) => {
    const field = `metadata.logging[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new TeamLoggingError(`${field} must be an object`, field);
    const { callback_name: name, callback_type: type, callback_vars: vars } = entry as Record<string, unknown>;
    if (typeof name !== 'string' || !TEAM_CALLBACKS.has(name)) throw new TeamLoggingError(`${field}.callback_name must be one of: langfuse, generic_api`, `${field}.callback_name`);
    const on = triggersOf(type, `${field}.callback_type`);
    if (typeof vars !== 'object' || vars === null || Array.isArray(vars)) throw new TeamLoggingError(`${field}.callback_vars must be an object`, `${field}.callback_vars`);
    const text = (key: string): string | undefined => {
      const raw = (vars as Record<string, unknown>)[key];
      return typeof raw === 'string' && raw.trim() !== '' ? raw.trim() : undefined;
    };
    const url = (key: string, fallback?: string): string => {
      const given = text(key) ?? fallback;
      if (!given || !/^https?:\/\/[^\s/]+/i.test(given)) throw new TeamLoggingError(`${field}.callback_vars.${key} must be an http(s) URL`, `${field}.callback_vars.${key}`);
      return given.replace(/\/+$/, '');
    };
    if (name === 'langfuse') {
      const publicKey = text('langfuse_public_key');
      const secretKey = text('langfuse_secret_key');
      if (!publicKey || !secretKey) throw new TeamLoggingError(`${field}.callback_vars needs langfuse_public_key and langfuse_secret_key`, `${field}.callback_vars`);
      return { kind: 'langfuse', on, host: url('langfuse_host', 'https://cloud.langfuse.com'), publicKey, secretKey };
    }
    return {
      kind: 'generic_api',
      on,
      endpoint: url('generic_logger_endpoint'),
      headers: headersOf((vars as Record<string, unknown>).generic_logger_headers, `${field}.callback_vars.generic_logger_headers`),
    };
  });
}

/** The team's metadata as members may see it: every secret of its logging destinations masked. */
export function maskTeamLogging(metadata: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const logging = metadata.logging;
  if (!Array.isArray(logging)) return { ...metadata };
  return {
    ...metadata,
    logging: logging.map((entry: unknown) => {
      if (typeof entry !== 'object' || entry === null) return entry;
      const vars = (entry as Record<string, unknown>).callback_vars;
      if (typeof vars !== 'object' || vars === null) return entry;
      return { ...entry, callback_vars: Object.fromEntries(Object.entries(vars).map(([key, value]) => [key, SECRET_VARS.has(key) ? MASKED : value])) };
    }),
  };
}

/**
 * A team written back as it was read (masked) keeps its secrets: a masked `callback_vars` value takes the stored
 * value of the same destination (same position and callback name).
 */
export function keepMaskedSecrets(next: Readonly<Record<string, unknown>>, previous: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const logging = next.logging;
  const before = previous.logging;
  if (!Array.isArray(logging) || !Array.isArray(before)) return { ...next };
  return {
    ...next,
    logging: logging.map((entry: unknown, index) => {
      const old = before[index] as Record<string, unknown> | undefined;
      if (typeof entry !== 'object' || entry === null || typeof old !== 'object' || old === null) return entry;
      const record = entry as Record<string, unknown>;
      if (record.callback_name !== old.callback_name || typeof record.callback_vars !== 'object' || record.callback_vars === null) return entry;
      const oldVars = (old.callback_vars ?? {}) as Record<string, unknown>;
      const vars = Object.fromEntries(Object.entries(record.callback_vars).map(([key, value]) => [key, value === MASKED && key in oldVars ? oldVars[key] : value]));
      return { ...record, callback_vars: vars };
    }),
  };
}

function triggersOf(type: unknown, field: string): LoggingSinkTrigger[] {
  if (type === undefined || type === null || type === 'success_and_failure') return ['success', 'failure'];
  if (type === 'success') return ['success'];
  if (type === 'failure') return ['failure'];
  throw new TeamLoggingError(`${field} must be success, failure or success_and_failure`, field);
}

function headersOf(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((item) => typeof item === 'string')) return { ...(value as Record<string, string>) };
  throw new TeamLoggingError(`${field} must be a mapping of header names to strings`, field);
}
