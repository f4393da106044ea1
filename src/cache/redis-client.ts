import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logger';
import { LogThrottle } from './log-throttle';

/**
 * `shared`: one long-lived client per Node process. `per-request`: one client per Worker request
 * (or per `waitUntil` task), because an I/O object created in one Worker request cannot be used from
 * another ("code had hung"); see TOOLCHAIN.md.
 */
export type RedisClientMode = 'shared' | 'per-request';

/** Options of {@link createRedisClient}. */
export interface RedisClientOptions {
  mode: RedisClientMode;
  /** Connection errors go here (warn, throttled); never the URL, which may carry a password. */
  logger: Logger;
  /** TCP/TLS connect budget. Default 2000 ms shared, 1000 ms per request. */
  connectTimeoutMs?: number;
  /** Longest pause between reconnect attempts of a shared client. Default 2000 ms. */
  maxReconnectDelayMs?: number;
  /**
   * ioredis's own per-command timeout: a backstop that frees commands abandoned by the cache's much
   * tighter race-based timeout. Default 2000 ms.
   */
  commandTimeoutMs?: number;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Builds the ioredis client of one mode. `url` is `redis://` or `rediss://` (TLS), with credentials
 * if needed; it is never logged.
 *
 * - `shared` (Node): connects at once; the offline queue is off and a command is retried at most
 *   once, so while Redis is down commands fail immediately instead of piling up behind a reconnect;
 *   reconnects forever with capped backoff.
 * - `per-request` (Workers): connects lazily on the first command, which waits in the offline queue
 *   for the connection; no ready check (it would cost an extra round trip per request) and no
 *   reconnect within the request (the breaker and the next request take over). Close it with
 *   {@link closeRedisClient} inside `waitUntil`.
 *
 * Either way an `error` listener is attached, so a dead Redis is logged, not a crash.
 */
export function createRedisClient(url: string, options: RedisClientOptions): Redis {
  const maxReconnectDelayMs = options.maxReconnectDelayMs ?? 2000;
  const common: RedisOptions = {
    commandTimeout: options.commandTimeoutMs ?? 2000,
    autoResendUnfulfilledCommands: false,
  };
  const modeOptions: RedisOptions =
    options.mode === 'shared'
      ? {
          lazyConnect: false,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectTimeout: options.connectTimeoutMs ?? 2000,
          retryStrategy: (attempt: number) =>
            // Capped exponential backoff with a little jitter so instances do not reconnect in step.
            Math.min(50 * 2 ** Math.min(attempt, 10), maxReconnectDelayMs) + Math.floor(Math.random() * 50),
        }
      : {
          lazyConnect: true,
          enableOfflineQueue: true,
          enableReadyCheck: false,
          maxRetriesPerRequest: 0,
          connectTimeout: options.connectTimeoutMs ?? 1000,
          retryStrategy: () => null,
        };
  const client = new Redis(url, { ...common, ...modeOptions });
  const throttle = new LogThrottle(30_000);
  let failing = false;
  client.on('error', (error: unknown) => {
    failing = true;
    const heldBack = throttle.admit('redis_connection_error', Date.now());
    if (heldBack !== null) {
      options.logger.warn('redis_connection_error', {
        mode: options.mode,
        error: describe(error),
        suppressedSinceLast: heldBack,
      });
    }
  });
  client.on('ready', () => {
    if (failing) options.logger.info('redis_connection_restored', { mode: options.mode });
    failing = false;
  });
  return client;
}

/**
 * Waits until the client is ready, up to `timeoutMs`; resolves false instead of throwing. The Node
 * entry can await it before listening so the first requests do not trip the breaker while the
 * shared client is still connecting.
 */
export function waitForRedisReady(client: Redis, timeoutMs: number): Promise<boolean> {
  if (client.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    client.once('ready', onReady);
  });
}

/**
 * Closes a client politely (`QUIT`) and then for sure (`disconnect()`), and resolves once the socket
 * has closed (`end`), all within `timeoutMs`, so a Worker's `waitUntil` covers the real close. Never
 * throws. A lazy client that never connected is only disconnected: `QUIT` would open a connection
 * just to close it.
 */
export async function closeRedisClient(client: Redis, timeoutMs = 500): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'wait') {
    client.disconnect();
    return;
  }
  const deadline = Date.now() + timeoutMs;
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  // QUIT fails when the connection is already broken; disconnect() below still releases it.
  const quit = client.quit().then(
    () => undefined,
    () => undefined,
  );
  await raceWithTimeout(quit, deadline - Date.now());
  client.disconnect();
  await raceWithTimeout(ended, deadline - Date.now());
}

async function raceWithTimeout(promise: Promise<void>, timeoutMs: number): Promise<void> {
  if (timeoutMs <= 0) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      promise,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
