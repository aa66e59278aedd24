/**
 * Reads the `usage` object out of a provider's JSON text without parsing the rest, which for embeddings
 * is megabytes of numbers. Finds the last top-level-looking `"usage":` key (OpenAI puts usage after the
 * data) and parses just its balanced `{…}`. Returns null when there is none or it is not an object.
 */
export function usageFromJsonText(json: string): Record<string, unknown> | null {
  const key = json.lastIndexOf('"usage"');
  if (key < 0) return null;
  let start = key + 7;
  while (start < json.length && (json[start] === ' ' || json[start] === ':' || json[start] === '\n' || json[start] === '\r' || json[start] === '\t')) start++;
  if (json[start] !== '{') return null;
  let depth = 0;
  let inString = false;
  for (let i = start; i < json.length; i++) {
    const c = json[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      try {
        const parsed: unknown = JSON.parse(json.slice(start, i + 1));
        return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : null;
      } catch {
        return null;
      }
    }
  }
  return null;
}
