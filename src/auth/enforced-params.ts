/**
 * `enforced_params` (config and per key): dotted paths that every LLM request body must carry, e.g. `user` and
 * `metadata.generation_name`.
 * @returns the first missing path in LiteLLM's notation (`user`, `[metadata][generation_name]`), or null.
 */
export function missingEnforcedParam(body: unknown, paths: readonly string[]): string | null {
  for (const path of paths) {
    const segments = path.split('.').filter((segment) => segment !== '');
    if (segments.length === 0) continue;
    let value: unknown = body;
    let present = true;
    for (const segment of segments) {
      if (typeof value !== 'object' || value === null || !Object.prototype.hasOwnProperty.call(value, segment)) {
        present = false;
        break;
      }
      value = (value as Record<string, unknown>)[segment];
    }
    if (!present) return segments.length === 1 ? segments[0] : segments.map((segment) => `[${segment}]`).join('');
  }
  return null;
}
