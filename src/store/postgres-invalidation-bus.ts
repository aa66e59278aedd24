import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { BusHandlers, type InvalidationBus, type InvalidationPayload } from './invalidation-bus';

const CHANNEL = 'tollgate_invalidate';
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; long id lists go out in several messages. */
const MAX_PAYLOAD_BYTES = 7_000;
const RECONNECT_DELAY_MS = 1_000;

/**
 * The invalidation bus on PostgreSQL LISTEN/NOTIFY, for instances that share a database server but no Redis.
 * One dedicated connection listens; NOTIFY goes out on its own short query. After the listening connection is
 * lost and opened again, caches are dropped (notifications sent meanwhile are gone).
 */
export class PostgresInvalidationBus implements InvalidationBus {
  readonly kind = 'postgres' as const;
  private readonly logger = new Logger('InvalidationBus');
  private readonly handlers: BusHandlers;
  private listener?: Client;
  private closed = false;
  private connectedOnce = false;
  private reconnectTimer?: NodeJS.Timeout;

  constructor(
    private readonly databaseUrl: string,
    origin: string = randomUUID(),
  ) {
    this.handlers = new BusHandlers(origin);
  }

  /** Starts listening; a failure is retried in the background (the boot goes on). */
  async start(): Promise<void> {
    await this.listen();
  }

  publish(topic: string, payload: InvalidationPayload): void {
    for (const part of split(payload)) {
      const message = this.handlers.envelope(topic, part);
      void this.notify(message);
    }
  }

  subscribe(topic: string, handler: (payload: InvalidationPayload) => void): void {
    this.handlers.subscribe(topic, handler);
  }

  onResync(listener: () => void): void {
    this.handlers.onResync(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    await this.listener?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new Client({ connectionString: this.databaseUrl, application_name: 'tollgate-invalidation' });
    client.on('notification', (message) => {
      if (message.channel === CHANNEL && message.payload) this.handlers.deliver(message.payload);
    });
    client.on('error', () => this.lose(client));
    client.on('end', () => this.lose(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch {
      await client.end().catch(() => undefined);
      this.scheduleReconnect();
      return;
    }
    this.listener = client;
    if (this.connectedOnce) {
      this.logger.warn('invalidation channel reconnected: cached keys, teams, end users and models are dropped and read again');
      this.handlers.resync();
    }
    this.connectedOnce = true;
  }

  private lose(client: Client): void {
    if (this.listener !== client) return;
    this.listener = undefined;
    void client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.listen();
    }, RECONNECT_DELAY_MS);
    this.reconnectTimer.unref();
  }

  private async notify(message: string): Promise<void> {
    // The listening connection can send too; without it a short-lived one does (the others resync if it fails).
    const client = this.listener;
    try {
      if (client) {
        await client.query('SELECT pg_notify($1, $2)', [CHANNEL, message]);
        return;
      }
      const once = new Client({ connectionString: this.databaseUrl, application_name: 'tollgate-invalidation' });
      await once.connect();
      try {
        await once.query('SELECT pg_notify($1, $2)', [CHANNEL, message]);
      } finally {
        await once.end().catch(() => undefined);
      }
    } catch {
      // The database is down: every listener lost its connection too and resyncs when it is back.
    }
  }
}

/** Splits a payload whose id lists would not fit one NOTIFY. */
function split(payload: InvalidationPayload): InvalidationPayload[] {
  if (Buffer.byteLength(JSON.stringify(payload)) < MAX_PAYLOAD_BYTES) return [payload];
  const parts: Record<string, string[]>[] = [];
  let current: Record<string, string[]> = {};
  let size = 0;
  for (const [name, ids] of Object.entries(payload)) {
    for (const id of ids) {
      const bytes = Buffer.byteLength(id) + 4;
      if (size + bytes > MAX_PAYLOAD_BYTES && size > 0) {
        parts.push(current);
        current = {};
        size = 0;
      }
      (current[name] ??= []).push(id);
      size += bytes;
    }
  }
  if (size > 0) parts.push(current);
  return parts;
}
