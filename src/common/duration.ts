const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, mo: 2_592_000_000 } as const;

export type DurationUnit = keyof typeof UNIT_MS;

/**
 * Parses LiteLLM's duration strings (`30s`, `30m`, `30h`, `30d`, also `2w` and `1mo` = 30 days, as LiteLLM's
 * budget windows count them) into milliseconds. A bare number, or a string of digits, counts seconds, which is
 * how clients send `grace_period`. Returns undefined for anything else so callers can word their own 400.
 */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  const match = /^\s*(\d+)\s*(s|m|h|d|w|mo)?\s*$/.exec(value);
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[(match[2] as DurationUnit | undefined) ?? 's'];
}

/** `from` + the duration, or undefined when the text is not a duration. */
export function addDuration(from: Date, value: string | number): Date | undefined {
  const ms = parseDuration(value);
  return ms === undefined ? undefined : new Date(from.getTime() + ms);
}
