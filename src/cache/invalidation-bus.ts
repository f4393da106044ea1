import type { Redis } from 'ioredis';
import type { Logger } from '../logger';
import { CACHE_KEY_VERSION } from './cache-key';
import type { CacheState } from './cache-state';
import { LogThrottle } from './log-throttle';

/**
 * Invalidation broadcast between Node instances sharing one Redis: every change one instance makes
 * to the shared tier (an invalidation by a webhook or the refresh route, a new value written by a
 * load, a scope-wide generation bump) is published on one Redis channel, and every other instance
 * drops the affected keys from its memory tier on receipt. Their next read then goes to Redis and
 * finds the change, instead of serving memory until the re-check window (`memoryTrustMs`, 2 s)
 * runs out.
 *
 * Messages are hints. Correctness never depends on them: Redis stays the source of truth, a memory
 * copy is still re-checked against Redis after `memoryTrustMs`, so a message lost while the
 * subscriber reconnects costs at most that window, as without the bus.
 *
 * Workers have no long-lived connections (an I/O object belongs to one request), so they do not
 * subscribe: there the re-check window is the only path (docs/scale-out.md).
 */

/** What changed, by cache key (`eg:<version>:<tenant>:<vendor>:<namespace>:<id>`, see cache-key.ts). */
export type InvalidationMessage =
  /** Entries deleted from every tier (webhook, refresh route): drop them from memory. */
  | { kind: 'delete'; keys: string[] }
  /** A new value was stored (a load finished): drop older memory copies so the next read gets it. */
  | { kind: 'write'; key: string; storedAt: number }
  /** Every entry of a scope (tenant, vendor, namespace) stored at or before `generation` is outdated. */
  | { kind: 'scope'; scopeKey: string; generation: number };

/** What travels on the channel: the message plus who sent it. */
interface Envelope {
  v: 1;
  /** The sending instance; an instance skips its own messages (it applied the change already). */
  from: string;
  message: InvalidationMessage;
}

/** Counters for tests and diagnostics. */
export interface InvalidationBusStats {
  published: number;
  publishFailures: number;
  received: number;
  /** Messages of this instance, skipped. */
  ownSkipped: number;
  /** Memory entries dropped because of a message. */
  keysDropped: number;
  /** Messages that could not be read (another deployment's format, garbage). */
  unreadable: number;
}

/** Options of {@link createInvalidationBus}. */
export interface InvalidationBusOptions {
  /** The process's shared client: publishes (and is duplicated for the subscriber connection). */
  redis: Redis;
  /** The memory tier (and scope generations) the received messages act on. */
  state: CacheState;
  logger: Logger;
  /** Key version of the cache; the channel is per version: `eg:<version>:invalidate`. */
  keyVersion?: string;
  /** Identifies this instance in its messages. Default: a random UUID. */
  instanceId?: string;
  /** Budget of one PUBLISH. Default 250 ms. */
  publishTimeoutMs?: number;
  /** Told about every applied message (after the memory tier was updated). */
  onApplied?: (message: InvalidationMessage) => void;
}

/** The invalidation bus of one Node process. */
export interface InvalidationBus {
  readonly channel: string;
  readonly instanceId: string;
  readonly stats: InvalidationBusStats;
  /**
   * Publishes a change. Resolves true once Redis accepted it, false when it could not (logged,
   * throttled); never rejects and never waits longer than the publish timeout.
   */
  publish(message: InvalidationMessage): Promise<boolean>;
  /**
   * Subscribes (the subscriber connection reconnects and resubscribes by itself). Resolves true once
   * subscribed, false after `timeoutMs` (default 2000) or on failure; never rejects.
   */
  start(timeoutMs?: number): Promise<boolean>;
  /** `subscribed` while messages arrive; `connecting` while the subscriber (re)connects. */
  status(): 'subscribed' | 'connecting' | 'closed';
  /** Closes the subscriber connection (the shared publishing client is the caller's). */
  close(): Promise<void>;
}

/** The channel of one key version. */
export function invalidationChannel(keyVersion: string = CACHE_KEY_VERSION): string {
  return `eg:${encodeURIComponent(keyVersion)}:invalidate`;
}

/** The `CLIENT SETNAME` of an instance's subscriber connection. */
export function subscriberConnectionName(instanceId: string): string {
  return `eg-invalidation-${instanceId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

function parseEnvelope(raw: string): Envelope | undefined {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const envelope = value as Partial<Envelope>;
  const message = envelope.message as Partial<InvalidationMessage> | undefined;
  if (
    envelope.v !== 1 ||
    typeof envelope.from !== 'string' ||
    typeof message !== 'object' ||
    message === null
  )
    return undefined;
  if (message.kind === 'delete') {
    const keys = (message as { keys?: unknown }).keys;
    if (!Array.isArray(keys) || !keys.every((key) => typeof key === 'string')) return undefined;
  } else if (message.kind === 'write') {
    const { key, storedAt } = message as { key?: unknown; storedAt?: unknown };
    if (typeof key !== 'string' || typeof storedAt !== 'number') return undefined;
  } else if (message.kind === 'scope') {
    const { scopeKey, generation } = message as { scopeKey?: unknown; generation?: unknown };
    if (typeof scopeKey !== 'string' || typeof generation !== 'number' || !Number.isFinite(generation))
      return undefined;
  } else return undefined;
  return envelope as Envelope;
}

/** Applies a message to the memory tier; returns how many memory entries it dropped. */
export function applyInvalidation(state: CacheState, message: InvalidationMessage): number {
  switch (message.kind) {
    case 'delete': {
      let dropped = 0;
      for (const key of message.keys) if (state.memory.delete(key)) dropped += 1;
      return dropped;
    }
    case 'write': {
      // A copy of the same load (or of a later one) stays; an older one goes, so the next read
      // fetches the new value from Redis.
      const slot = state.memory.peek(message.key);
      if (slot === undefined || slot.entry.storedAt >= message.storedAt) return 0;
      return state.memory.delete(message.key) ? 1 : 0;
    }
    case 'scope': {
      const known = state.scopeGenerations.get(message.scopeKey);
      if (known === undefined || message.generation > known)
        state.scopeGenerations.set(message.scopeKey, message.generation);
      return 0;
    }
  }
}

/**
 * Creates the bus of one Node process: publishes through the shared client, receives on a duplicate
 * connection (a subscribed Redis connection can do nothing else). Call {@link InvalidationBus.start}
 * once, and {@link InvalidationBus.close} at shutdown.
 */
export function createInvalidationBus(options: InvalidationBusOptions): InvalidationBus {
  const { redis, state, logger } = options;
  const channel = invalidationChannel(options.keyVersion);
  const instanceId = options.instanceId ?? crypto.randomUUID();
  const publishTimeoutMs = options.publishTimeoutMs ?? 250;
  const throttle = new LogThrottle(30_000);
  const stats: InvalidationBusStats = {
    published: 0,
    publishFailures: 0,
    received: 0,
    ownSkipped: 0,
    keysDropped: 0,
    unreadable: 0,
  };
  // Commands queue while the subscriber (re)connects, so the first SUBSCRIBE does not need a ready
  // connection; ioredis resubscribes by itself after every reconnect (`autoResubscribe`).
  // Named, so an operator can tell it apart in `CLIENT LIST`.
  const subscriber = redis.duplicate({
    enableOfflineQueue: true,
    autoResubscribe: true,
    lazyConnect: true,
    connectionName: subscriberConnectionName(instanceId),
  });
  let subscribed = false;
  /** Set once `start` was called: from then on every `ready` means resubscribed. */
  let wanted = false;
  let closed = false;

  const warn = (event: string, fields: Record<string, unknown>) => {
    const heldBack = throttle.admit(event, Date.now());
    if (heldBack !== null) logger.warn(event, { ...fields, suppressedSinceLast: heldBack });
  };

  subscriber.on('error', (error: unknown) => {
    warn('invalidation_bus_connection_error', {
      error: error instanceof Error ? error.message : String(error),
    });
  });
  subscriber.on('close', () => {
    if (subscribed) logger.info('invalidation_bus_disconnected', { channel });
    subscribed = false;
  });
  subscriber.on('ready', () => {
    // ioredis resubscribes as part of getting ready after a reconnect.
    if (!closed && wanted) {
      if (!subscribed) logger.info('invalidation_bus_subscribed', { channel });
      subscribed = true;
    }
  });
  subscriber.on('message', (from: string, raw: string) => {
    if (from !== channel) return;
    stats.received += 1;
    const envelope = parseEnvelope(raw);
    if (envelope === undefined) {
      stats.unreadable += 1;
      warn('invalidation_bus_unreadable_message', { channel, bytes: raw.length });
      return;
    }
    if (envelope.from === instanceId) {
      stats.ownSkipped += 1;
      return;
    }
    stats.keysDropped += applyInvalidation(state, envelope.message);
    options.onApplied?.(envelope.message);
  });

  return {
    channel,
    instanceId,
    stats,
    async publish(message) {
      const envelope: Envelope = { v: 1, from: instanceId, message };
      let timer: ReturnType<typeof setTimeout> | undefined;
      const pending = redis.publish(channel, JSON.stringify(envelope));
      try {
        await Promise.race([
          pending,
          new Promise<never>((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`PUBLISH did not answer within ${publishTimeoutMs} ms`)),
              publishTimeoutMs,
            );
          }),
        ]);
        stats.published += 1;
        return true;
      } catch (error) {
        pending.catch(() => undefined);
        stats.publishFailures += 1;
        // Other instances catch up through the re-check window.
        warn('invalidation_bus_publish_failed', {
          channel,
          kind: message.kind,
          error: error instanceof Error ? error.message : String(error),
        });
        return false;
      } finally {
        clearTimeout(timer);
      }
    },
    start(timeoutMs = 2000) {
      wanted = true;
      // Queued until the connection is up, so with Redis down at start the subscription still
      // happens once it comes back; the caller only waits `timeoutMs` for it.
      const subscribing = subscriber.subscribe(channel).then(
        () => {
          if (!subscribed && !closed) logger.info('invalidation_bus_subscribed', { channel });
          subscribed = !closed;
          return true;
        },
        (error: unknown) => {
          warn('invalidation_bus_subscribe_failed', {
            channel,
            error: error instanceof Error ? error.message : String(error),
          });
          return false;
        },
      );
      let timer: ReturnType<typeof setTimeout> | undefined;
      return Promise.race([
        subscribing,
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), timeoutMs);
        }),
      ]).finally(() => clearTimeout(timer));
    },
    status() {
      if (closed) return 'closed';
      return subscribed ? 'subscribed' : 'connecting';
    },
    async close() {
      closed = true;
      subscribed = false;
      // QUIT would wait in the offline queue for a connection that may never come back.
      if (subscriber.status !== 'ready') {
        subscriber.disconnect();
        return;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        subscriber.quit().catch(() => undefined),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, 500);
        }),
      ]);
      clearTimeout(timer);
      subscriber.disconnect();
    },
  };
}
