/**
 * The small part of semver the conformance kit needs to check `manifest.sdk` without a runtime dependency:
 * `1.2.3`, `^1.2.3`, `~1.2.3`, `1.x`, `1`, `*`, comparators (`>=1.0.0 <2.0.0`) and `||` alternatives.
 * Pre-release tags are not supported (the SDK ships none). The host uses the full `semver` package.
 */

type Triple = [number, number, number];

function parseVersion(text: string): Triple | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(text.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

function compare(a: Triple, b: Triple): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** A partial version (`1`, `1.2`, `1.x`) as [lowest included, first excluded]. */
function partialBounds(text: string): [Triple, Triple] | undefined {
  const parts = text.replace(/^v/, '').split('.');
  if (parts.length > 3 || parts.some((part) => !/^(\d+|x|\*|X)$/.test(part))) return undefined;
  const fixed: number[] = [];
  for (const part of parts) {
    if (!/^\d+$/.test(part)) break;
    fixed.push(Number(part));
  }
  if (fixed.length === 3) return [fixed as Triple, [fixed[0], fixed[1], fixed[2] + 1]];
  if (fixed.length === 0)
    return [
      [0, 0, 0],
      [Infinity, 0, 0],
    ];
  const low: Triple = [fixed[0], fixed[1] ?? 0, 0];
  const high: Triple = fixed.length === 1 ? [fixed[0] + 1, 0, 0] : [fixed[0], fixed[1] + 1, 0];
  return [low, high];
}

function satisfiesComparator(version: Triple, comparator: string): boolean {
  const match = /^(\^|~|>=|<=|>|<|=)?\s*(.+)$/.exec(comparator);
  if (!match) return false;
  const [, operator = '', target] = match;
  if (operator === '^' || operator === '~') {
    const base = parseVersion(target);
    if (!base) return false;
    let high: Triple;
    if (operator === '~') high = [base[0], base[1] + 1, 0];
    else if (base[0] > 0) high = [base[0] + 1, 0, 0];
    else if (base[1] > 0) high = [0, base[1] + 1, 0];
    else high = [0, 0, base[2] + 1];
    return compare(version, base) >= 0 && compare(version, high) < 0;
  }
  const bounds = partialBounds(target);
  if (!bounds) return false;
  const [low, high] = bounds;
  switch (operator) {
    case '>=':
      return compare(version, low) >= 0;
    case '>':
      return compare(version, high) >= 0;
    case '<':
      return compare(version, low) < 0;
    case '<=':
      return compare(version, high) < 0;
    default:
      return compare(version, low) >= 0 && compare(version, high) < 0;
  }
}

/** True when `version` (x.y.z) lies in `range`; false for anything it cannot parse. */
export function satisfiesVersionRange(version: string, range: string): boolean {
  const parsed = parseVersion(version);
  if (!parsed) return false;
  return range.split('||').some((alternative) => {
    const comparators = alternative
      .trim()
      .replace(/(\^|~|>=|<=|>|<|=)\s+/g, '$1')
      .split(/\s+/)
      .filter(Boolean);
    return comparators.length > 0 ? comparators.every((comparator) => satisfiesComparator(parsed, comparator)) : true;
  });
}

/** True for a plain x.y.z version. */
export function isPlainVersion(version: string): boolean {
  return parseVersion(version) !== undefined;
}
