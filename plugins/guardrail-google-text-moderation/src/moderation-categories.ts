/** Google's sixteen moderation categories, by the snake_case names of LiteLLM's threshold settings. */
export const MODERATION_CATEGORIES = [
  'toxic',
  'insult',
  'profanity',
  'derogatory',
  'sexual',
  'death_harm_and_tragedy',
  'violent',
  'firearms_and_weapons',
  'public_safety',
  'health',
  'religion_and_belief',
  'illicit_drugs',
  'war_and_conflict',
  'politics',
  'finance',
  'legal',
] as const;

export type ModerationCategory = (typeof MODERATION_CATEGORIES)[number];

/** LiteLLM's default: a category must be 80 % confident to refuse. */
export const DEFAULT_CONFIDENCE_THRESHOLD = 0.8;

/**
 * The config keys of a category's threshold: `<category>_confidence_threshold` (what LiteLLM's code reads, and the
 * seed's table for the first five) and `<category>_threshold` (the seed's table for the other eleven).
 */
export function thresholdKeys(category: string): [string, string] {
  return [`${category}_confidence_threshold`, `${category}_threshold`];
}

/** `Death, Harm & Tragedy` → `death_harm_and_tragedy`, as LiteLLM normalises Google's category names. */
export function categoryKey(name: string): string {
  return name.toLowerCase().replace(/&/g, 'and').replace(/,/g, '').trim().replace(/\s+/g, '_');
}

/** Each category's threshold: its own setting, else the global `google_moderation_confidence_threshold`, else 0.8. */
export function thresholdsOf(config: Readonly<Record<string, unknown>>): { byCategory: ReadonlyMap<string, number>; fallback: number } {
  const global = config.google_moderation_confidence_threshold;
  const fallback = typeof global === 'number' ? global : DEFAULT_CONFIDENCE_THRESHOLD;
  const byCategory = new Map<string, number>();
  for (const category of MODERATION_CATEGORIES) {
    const value = thresholdKeys(category)
      .map((key) => config[key])
      .find((candidate): candidate is number => typeof candidate === 'number');
    byCategory.set(category, value ?? fallback);
  }
  return { byCategory, fallback };
}
