import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';

/**
 * `litellm_settings.blocked_user_list`: a list of end-user ids, or the path of a text file with one id per
 * line (relative paths are read from the config file's directory). Read once at boot.
 * @throws Error naming the setting when the file cannot be read.
 */
export function readBlockedUserList(value: string | string[] | undefined, configPath: string | undefined): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.map((id) => id.trim()).filter(Boolean);
  const path = isAbsolute(value) || !configPath ? value : resolve(dirname(configPath), value);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new Error(`litellm_settings.blocked_user_list: cannot read ${path} (${reason})`, { cause: error });
  }
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
}
