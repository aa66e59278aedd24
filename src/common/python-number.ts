/**
 * Formats a number as Python's `str()` does, for the LiteLLM messages clients match on verbatim: LiteLLM
 * builds them with f-strings, so `1e-9` reads `1e-09`, an integral float reads `100.0` and an int read from
 * YAML reads `1`. JavaScript's `String()` differs for all three.
 *
 * @param value a finite number
 * @param kind `float` for computed sizes (always a float in Python), `config` for a value read from YAML,
 *   where an integral number was an int
 */
export function pythonNumber(value: number, kind: 'float' | 'config'): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && kind === 'config' && Math.abs(value) < 1e16) return String(value);
  // The shortest round-trip digits, as both languages use; only the layout differs.
  const [mantissa, exponentText] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  // Python's repr switches to scientific notation below 1e-4 and from 1e16 on.
  if (exponent < -4 || exponent >= 16) {
    const sign = exponent < 0 ? '-' : '+';
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  const fixed = String(value);
  return Number.isInteger(value) ? `${fixed}.0` : fixed;
}
