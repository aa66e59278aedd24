import type { VirtualKeyRecord } from '../common/access/virtual-key';
import type { Usage } from '../routing/openai.types';

/** Reservation for a reply of unknown length before a key has any history. */
const DEFAULT_COMPLETION_ESTIMATE = 256;
const MAX_TRACKED_KEYS = 100_000;

/**
 * How long a key's replies usually are (a moving average of completion tokens), so a call without `max_tokens`
 * reserves what that key's calls typically cost instead of a blind guess.
 */
export class ReplyLengths {
  private readonly averages = new Map<string, number>();

  typical(key: VirtualKeyRecord | undefined): number {
    return (key && this.averages.get(key.id)) ?? DEFAULT_COMPLETION_ESTIMATE;
  }

  observe(key: VirtualKeyRecord | undefined, usage: Usage | null | undefined): void {
    const tokens = usage?.completion_tokens;
    if (!key || typeof tokens !== 'number' || !Number.isFinite(tokens)) return;
    const previous = this.averages.get(key.id);
    const next = previous === undefined ? tokens : previous * 0.8 + tokens * 0.2;
    if (previous !== undefined || this.averages.size < MAX_TRACKED_KEYS) this.averages.set(key.id, next);
  }
}
