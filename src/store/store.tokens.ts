import type { RedisFailureMode } from '../config/config.types';

/** The shared-state Redis connection (a RedisConnection), or null when the gateway runs on one instance. */
export const SHARED_REDIS = Symbol('SHARED_REDIS');

/** What callers of the store need to know about it: how long leases live, what to do when it is down. */
export interface StoreSettings {
  readonly leaseMs: number;
  readonly failureMode: RedisFailureMode;
}

export const STORE_SETTINGS = Symbol('STORE_SETTINGS');
