/**
 * Tells every other gateway instance that records they may hold in a cache changed (a key blocked, deleted or
 * rotated, a team or end user updated, a model added …), so each evicts them and reads the database again on the
 * next call. The instance that made the change updates its own caches directly; the bus carries the news to the
 * others: Redis pub/sub when Redis is configured, PostgreSQL LISTEN/NOTIFY on a database server without Redis,
 * nothing at all for one embedded instance.
 *
 * Delivery is at most once (pub/sub keeps nothing for a subscriber that was away): whenever a bus may have missed
 * messages (its connection dropped and came back), it calls the `onResync` listeners, which drop whole caches.
 */
export interface InvalidationBus {
  readonly kind: 'local' | 'redis' | 'postgres';
  /** Sends `payload` on `topic` to every other instance. Never throws: a lost message is covered by resync. */
  publish(topic: string, payload: InvalidationPayload): void;
  /** Calls `handler` for every message on `topic` from another instance. */
  subscribe(topic: string, handler: (payload: InvalidationPayload) => void): void;
  /** Called when messages may have been missed: caches fed by this bus must forget everything they hold. */
  onResync(listener: () => void): void;
  close(): Promise<void>;
}

/** What a message carries: ids and names only (never a secret); each subscriber checks the shape it expects. */
export type InvalidationPayload = Readonly<Record<string, readonly string[]>>;

export const INVALIDATION_BUS = Symbol('INVALIDATION_BUS');

/** Topics of the owning services. */
export const InvalidationTopic = {
  keys: 'keys',
  teams: 'teams',
  customers: 'customers',
  models: 'models',
  guardrails: 'guardrails',
  /** A runtime setting (tollgate_proxy_settings) changed: read it again. */
  settings: 'settings',
  /** Admin UI sessions ended (logout, revocation): every instance forgets them at once. */
  uiSessions: 'ui_sessions',
} as const;

/** One instance: nobody else to tell. */
export class LocalInvalidationBus implements InvalidationBus {
  readonly kind = 'local' as const;
  publish(): void {}
  subscribe(): void {}
  onResync(): void {}
  async close(): Promise<void> {}
}

/** The wire form shared by the Redis and PostgreSQL buses: who sent it (own messages are dropped), the topic and the payload. */
export interface BusEnvelope {
  readonly o: string;
  readonly t: string;
  readonly p: InvalidationPayload;
}

/** Parses a message from the wire; anything that is not a well-formed envelope is dropped. */
export function parseEnvelope(text: string): BusEnvelope | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { o, t, p } = value as Record<string, unknown>;
  if (typeof o !== 'string' || typeof t !== 'string' || typeof p !== 'object' || p === null || Array.isArray(p)) return undefined;
  for (const list of Object.values(p)) if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) return undefined;
  return { o, t, p: p as InvalidationPayload };
}

/** Topic → handlers, with the dispatch both network buses share. */
export class BusHandlers {
  private readonly handlers = new Map<string, ((payload: InvalidationPayload) => void)[]>();
  private readonly resyncListeners: (() => void)[] = [];

  constructor(private readonly origin: string) {}

  subscribe(topic: string, handler: (payload: InvalidationPayload) => void): void {
    const list = this.handlers.get(topic);
    if (list) list.push(handler);
    else this.handlers.set(topic, [handler]);
  }

  onResync(listener: () => void): void {
    this.resyncListeners.push(listener);
  }

  envelope(topic: string, payload: InvalidationPayload): string {
    return JSON.stringify({ o: this.origin, t: topic, p: payload } satisfies BusEnvelope);
  }

  deliver(text: string): void {
    const envelope = parseEnvelope(text);
    if (!envelope || envelope.o === this.origin) return;
    for (const handler of this.handlers.get(envelope.t) ?? []) {
      try {
        handler(envelope.p);
      } catch {
        // One cache failing to evict must not keep the others from hearing the message.
      }
    }
  }

  resync(): void {
    for (const listener of this.resyncListeners) {
      try {
        listener();
      } catch {
        // As above: every cache gets its chance to forget.
      }
    }
  }
}
