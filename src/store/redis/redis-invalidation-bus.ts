import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { BusHandlers, type InvalidationBus, type InvalidationPayload } from '../invalidation-bus';
import type { RedisClient, RedisConnection } from './redis-connection';

/**
 * The invalidation bus on Redis pub/sub: one channel, every instance subscribed on its own connection (a
 * subscribed connection runs nothing else). Published on the store's command connection, so a change reaches the
 * others within a Redis round trip. After the subscriber reconnects, caches are dropped (messages sent meanwhile
 * are gone).
 */
export class RedisInvalidationBus implements InvalidationBus {
  readonly kind = 'redis' as const;
  private readonly logger = new Logger('InvalidationBus');
  private readonly handlers: BusHandlers;
  private readonly subscriber: RedisClient;
  private readonly channel: string;
  private subscribedOnce = false;
  /** The connection dropped since the last subscription: messages may have been missed. */
  private lost = false;
  /** The first subscription came after the boot had moved on (Redis was down): caches may be stale already. */
  private startedLate = false;

  constructor(
    private readonly connection: RedisConnection,
    keyPrefix: string,
    origin: string = randomUUID(),
  ) {
    this.handlers = new BusHandlers(origin);
    this.channel = `${keyPrefix}invalidate`;
    this.subscriber = connection.duplicate();
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.handlers.deliver(message);
    });
    this.subscriber.on('close', () => {
      if (this.subscribedOnce) this.lost = true;
    });
    // Subscribed again on every (re)connection, rather than trusting a resubscription that runs with no offline
    // queue; whatever was published while this instance was not subscribed is lost, so its caches start over.
    this.subscriber.on('ready', () => void this.subscribeNow());
    this.subscriber.on('error', () => undefined);
  }

  /** Subscribes; resolves when subscribed or after `timeoutMs` (the boot goes on, a reconnection subscribes later). */
  async start(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.subscribedOnce && Date.now() < deadline) {
      await this.subscribeNow();
      if (!this.subscribedOnce) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!this.subscribedOnce) this.startedLate = true;
  }

  private async subscribeNow(): Promise<void> {
    try {
      await this.subscriber.subscribe(this.channel);
    } catch {
      return; // not connected: the next 'ready' tries again
    }
    const missed = this.lost || (!this.subscribedOnce && this.startedLate);
    this.subscribedOnce = true;
    this.lost = false;
    if (missed) {
      this.logger.warn('invalidation channel (re)subscribed after a gap: cached keys, teams, end users and models are dropped and read again');
      this.handlers.resync();
    }
  }

  publish(topic: string, payload: InvalidationPayload): void {
    const message = this.handlers.envelope(topic, payload);
    this.connection
      .call(() => this.connection.client.publish(this.channel, message))
      .catch(() => {
        // Redis is down: the other instances resync when their subscriber reconnects.
      });
  }

  subscribe(topic: string, handler: (payload: InvalidationPayload) => void): void {
    this.handlers.subscribe(topic, handler);
  }

  onResync(listener: () => void): void {
    this.handlers.onResync(listener);
  }

  async close(): Promise<void> {
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }
}
