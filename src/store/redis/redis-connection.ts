import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import Redis, { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisSettings } from '../../config/config.types';
import type { StoreHealth } from '../counter-store';
import { SharedStoreUnavailableError } from '../store.errors';

/** A Lua script with the SHA1 Redis knows it by, so calls send the hash (EVALSHA) rather than the source. */
export interface RedisScript {
  readonly source: string;
  readonly sha: string;
}

export function redisScript(source: string): RedisScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

export type RedisClient = Redis | Cluster;

export interface RedisConnectionOptions {
  commandTimeoutMs: number;
  /** Names the connection in the log ("shared state", "response cache"). */
  label?: string;
}

const RECONNECT_MAX_DELAY_MS = 2_000;

/**
 * One Redis client (a server, a Sentinel-managed primary or a Cluster) and whether it can be reached. Commands
 * fail at once while it is disconnected (no offline queue: a call must not wait for Redis to come back) and after
 * `commandTimeoutMs` when it does not answer (a blackholed server); every failure turns `healthy` off, said once
 * in the log, and the next success (or reconnection) turns it on again, said once too.
 */
export class RedisConnection implements StoreHealth {
  readonly kind = 'redis' as const;
  readonly client: RedisClient;
  private readonly logger: Logger;
  private up = false;
  private readonly listeners: ((healthy: boolean) => void)[] = [];
  private lastFailure = 'not connected yet';
  private closed = false;

  constructor(
    private readonly settings: RedisSettings,
    options: RedisConnectionOptions,
  ) {
    this.logger = new Logger(`Redis (${options.label ?? 'shared state'})`);
    this.client = createClient(settings, options.commandTimeoutMs);
    this.client.on('ready', () => this.mark(true, 'ready'));
    this.client.on('close', () => this.mark(false, 'connection closed'));
    this.client.on('end', () => this.mark(false, 'connection ended'));
    // ioredis reports every failed (re)connection attempt here; the state change is what the log says.
    this.client.on('error', (error: Error) => this.mark(false, describe(error)));
  }

  get healthy(): boolean {
    return this.up;
  }

  /** Where the server is, for the boot log: host or URL without credentials. */
  get description(): string {
    return describeTarget(this.settings);
  }

  onHealthChange(listener: (healthy: boolean) => void): void {
    this.listeners.push(listener);
  }

  /** Waits until the client is ready, at most `timeoutMs`; false when it is not (the gateway boots anyway, not ready). */
  async waitUntilReady(timeoutMs: number): Promise<boolean> {
    if (this.up) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.up), timeoutMs);
      timer.unref();
      this.onHealthChange((healthy) => {
        if (!healthy) return;
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /**
   * Runs a script atomically on the server.
   * @throws SharedStoreUnavailableError when Redis cannot be reached or does not answer in time.
   */
  async run(script: RedisScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    return this.call(async () => {
      try {
        return await this.client.evalsha(script.sha, keys.length, ...keys, ...args);
      } catch (error) {
        // First use on this server (or it restarted empty): send the source once, then the hash works again.
        if (error instanceof Error && error.message.startsWith('NOSCRIPT')) return this.client.eval(script.source, keys.length, ...keys, ...args);
        throw error;
      }
    });
  }

  /**
   * Any other command, with the same failure handling.
   * @throws SharedStoreUnavailableError
   */
  async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      const result = await command();
      if (!this.up) this.mark(true, 'answering again');
      return result;
    } catch (error) {
      this.mark(false, describe(error));
      throw new SharedStoreUnavailableError();
    }
  }

  /** A second client for pub/sub (a subscribed connection can run nothing else). */
  duplicate(): RedisClient {
    return this.client.duplicate();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.quit().catch(() => this.client.disconnect());
  }

  private mark(healthy: boolean, reason: string): void {
    if (!healthy) this.lastFailure = reason;
    if (this.up === healthy || this.closed) return;
    this.up = healthy;
    // Once per change, not per failed command or reconnection attempt: the log stays readable through an outage.
    if (healthy) this.logger.log(`reachable at ${this.description}`);
    else this.logger.error(`unreachable at ${this.description} (${this.lastFailure})`);
    for (const listener of this.listeners) {
      try {
        listener(healthy);
      } catch {
        // A listener failing must not stop the others from hearing about the change.
      }
    }
  }
}

function createClient(settings: RedisSettings, commandTimeoutMs: number): RedisClient {
  const common: RedisOptions = {
    username: settings.username,
    password: settings.password,
    db: settings.db,
    tls: settings.tls ? { rejectUnauthorized: settings.tls.rejectUnauthorized, servername: settings.tls.servername } : undefined,
    // A call never waits for Redis to come back: it fails at once and the failure mode decides.
    enableOfflineQueue: false,
    // An admission script that timed out may still have run: resending it could take a second hold. Leases free
    // what a lost reply took.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: commandTimeoutMs,
    connectTimeout: Math.max(1_000, commandTimeoutMs * 5),
    retryStrategy: (attempt: number) => Math.min(attempt * 100, RECONNECT_MAX_DELAY_MS),
    lazyConnect: false,
  };
  if (settings.clusterNodes && settings.clusterNodes.length > 0) {
    const options: ClusterOptions = {
      redisOptions: common,
      enableOfflineQueue: false,
      clusterRetryStrategy: (attempt: number) => Math.min(attempt * 100, RECONNECT_MAX_DELAY_MS),
    };
    return new Cluster(settings.clusterNodes, options);
  }
  if (settings.sentinels && settings.sentinels.length > 0) {
    return new Redis({ ...common, sentinels: settings.sentinels, name: settings.sentinelName ?? 'mymaster', sentinelPassword: settings.sentinelPassword });
  }
  if (settings.url) return new Redis(settings.url, common);
  return new Redis({ ...common, host: settings.host ?? '127.0.0.1', port: settings.port ?? 6379 });
}

/** The target without credentials (a URL's password never reaches the log). */
export function describeTarget(settings: RedisSettings): string {
  if (settings.clusterNodes?.length) return `cluster ${settings.clusterNodes.map((node) => `${node.host}:${node.port}`).join(',')}`;
  if (settings.sentinels?.length) return `sentinel primary ${settings.sentinelName ?? 'mymaster'}`;
  if (settings.url) {
    try {
      const url = new URL(settings.url);
      return `${url.protocol}//${url.hostname}:${url.port || '6379'}`;
    } catch {
      return 'the configured URL';
    }
  }
  return `${settings.host ?? '127.0.0.1'}:${settings.port ?? 6379}`;
}

/** An error's name and first line: ioredis' messages name hosts and states, never credentials. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return typeof error;
  const firstLine = error.message.split('\n')[0].slice(0, 160);
  return `${error.name}: ${firstLine}`;
}
