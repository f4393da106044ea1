import type { Redis } from 'ioredis';
import type { Logger } from '../logger';
import { LogThrottle } from './log-throttle';

/**
 * One Lua script run on Redis with a fallback: the plumbing shared by the vendor budget
 * (`src/http/shared-rate-budget.ts`) and the caller rate limiter (`src/rate-limit/caller-rate-limiter.ts`).
 *
 * - The script is sent once per process or isolate (`SCRIPT LOAD`) and then called by its SHA
 *   (`EVALSHA`); a Redis that lost its script cache (restart, failover) answers `NOSCRIPT`, and the
 *   script is loaded again and the call retried once.
 * - Each call is bounded: `commandTimeoutMs` on a ready connection, `connectTimeoutMs` while the
 *   client is still connecting (a Worker's per-request client connects on its first command).
 * - A failure or a timeout answers the caller's fallback instead, logs (throttled: one line per 30 s
 *   with the count held back) and rests Redis for `retryRedisAfterMs`, during which every call goes
 *   straight to the fallback; the first call that Redis answers again is logged too. Callers are
 *   never failed because Redis is.
 */

/** Where the SHA of a loaded script is kept: plain data, shared by every request of a process or isolate. */
export interface ScriptCache {
  sha: string | null;
}

/** How long a script call may take, and how long Redis rests after a failure. */
export interface RedisScriptTiming {
  /** Budget of one script call on a ready connection. Default 500 ms. */
  commandTimeoutMs?: number | undefined;
  /** Budget of a call sent while the client is still connecting (a Worker's first command). Default 1000 ms. */
  connectTimeoutMs?: number | undefined;
  /** How long calls go straight to the fallback after a Redis failure. Default 5000 ms. */
  retryRedisAfterMs?: number | undefined;
}

/** Options of {@link createRedisScript}. */
export interface RedisScriptOptions {
  /** The Lua source. */
  source: string;
  /** What a timeout error calls the script (`the rate limit script`). */
  name: string;
  /** Local time: only for the rest after a failure (the scripts read Redis' own clock). */
  clock: { now(): number };
  logger: Logger;
  /** Log events: Redis failing (warn, throttled) and answering again (info). */
  events: { unavailable: string; restored: string };
  /** Fields of the `unavailable` line that say what stands in for Redis meanwhile. */
  fallbackFields?: Record<string, unknown>;
  timing?: RedisScriptTiming;
  /** Where the loaded SHA is kept (default: this script's own; tests pass one to see a `NOSCRIPT` reload). */
  cache?: ScriptCache;
}

/** A script of one process or isolate. */
export interface RedisScript {
  /**
   * Runs the script on `client` and answers `use(reply)`; answers `fallback()` instead when there is
   * no client, when Redis rests after a failure, or when this call fails or times out (which starts
   * a rest). `use` runs inside the guard: a reply it cannot read counts as a failure.
   */
  run<T>(
    client: Redis | null,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
    use: (reply: unknown) => T,
    fallback: () => T,
  ): Promise<T>;
  /** Runs the script once, best effort (a refund): a failure is ignored and starts no rest. */
  runQuietly(client: Redis, keys: readonly string[], args: ReadonlyArray<string | number>): void;
  /** Whether a call may go to Redis now (no rest after a failure in force). */
  available(): boolean;
  /** Whether the last call that went to Redis failed (Redis has not answered since). */
  degraded(): boolean;
}

/** A script call that took longer than its budget. */
export class RedisScriptTimeoutError extends Error {
  constructor(name: string, timeoutMs: number) {
    super(`${name} did not answer within ${timeoutMs} ms`);
    this.name = 'RedisScriptTimeoutError';
  }
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/** Creates one script's runner; create it once per process or isolate, like the SHA it keeps. */
export function createRedisScript(options: RedisScriptOptions): RedisScript {
  const commandTimeoutMs = options.timing?.commandTimeoutMs ?? 500;
  const connectTimeoutMs = options.timing?.connectTimeoutMs ?? 1000;
  const retryRedisAfterMs = options.timing?.retryRedisAfterMs ?? 5000;
  const { clock, logger, events } = options;
  const cache = options.cache ?? { sha: null };
  const throttle = new LogThrottle(30_000);
  let redisSkippedUntil = 0;
  let degraded = false;

  async function withTimeout<T>(client: Redis, command: () => Promise<T>): Promise<T> {
    const timeoutMs = client.status === 'ready' ? commandTimeoutMs : connectTimeoutMs;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const pending = command();
    try {
      return await Promise.race([
        pending,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new RedisScriptTimeoutError(options.name, timeoutMs)), timeoutMs);
        }),
      ]);
    } catch (error) {
      // The abandoned command may still settle later: not an unhandled rejection.
      pending.catch(() => undefined);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** EVALSHA, loading the script first when this process has no SHA, or again when Redis lost it. */
  async function evaluate(
    client: Redis,
    keys: readonly string[],
    args: ReadonlyArray<string | number>,
  ): Promise<unknown> {
    const load = async () => {
      cache.sha = String(await client.script('LOAD', options.source));
      return cache.sha;
    };
    const sha = cache.sha ?? (await load());
    try {
      return await client.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return client.evalsha(await load(), keys.length, ...keys, ...args);
    }
  }

  function failed(error: unknown): void {
    redisSkippedUntil = clock.now() + retryRedisAfterMs;
    degraded = true;
    const heldBack = throttle.admit(events.unavailable, Date.now());
    if (heldBack !== null)
      logger.warn(events.unavailable, {
        error: error instanceof Error ? error.message : String(error),
        ...options.fallbackFields,
        retryInMs: retryRedisAfterMs,
        suppressedSinceLast: heldBack,
      });
  }

  const available = () => clock.now() >= redisSkippedUntil;

  return {
    async run(client, keys, args, use, fallback) {
      if (client === null || !available()) return fallback();
      let answer: ReturnType<typeof use>;
      try {
        answer = use(await withTimeout(client, () => evaluate(client, keys, args)));
      } catch (error) {
        failed(error);
        return fallback();
      }
      if (degraded) logger.info(events.restored, { scope: 'shared' });
      degraded = false;
      return answer;
    },
    runQuietly(client, keys, args) {
      void withTimeout(client, () => evaluate(client, keys, args)).catch(() => undefined);
    },
    available,
    degraded: () => degraded,
  };
}
