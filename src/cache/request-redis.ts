import { AsyncLocalStorage } from 'node:async_hooks';
import type { Redis } from 'ioredis';

/**
 * The Redis client of the Worker request whose vendor load is running, for code the isolate shares
 * across requests (the upstream client's shared request budget). A Worker's I/O object belongs to the
 * request that created it, so the isolate-wide budget must use the current request's client, found
 * here, never one kept from an earlier request. Only entered on Workers (native AsyncLocalStorage
 * under `nodejs_compat`); on Node the one shared client serves every call.
 */
const current = new AsyncLocalStorage<Redis>();

/** Runs a vendor load with `redis` as the current request's client (as is when there is none). */
export function runWithRequestRedis<T>(redis: Redis | null, work: () => Promise<T>): Promise<T> {
  return redis === null ? work() : current.run(redis, work);
}

/** The current request's client, or null outside a load. */
export function currentRequestRedis(): Redis | null {
  return current.getStore() ?? null;
}
