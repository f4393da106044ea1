import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { closeRedisClient, createRedisClient, waitForRedisReady } from '../../../src/cache/redis-client';
import { recordingLogger } from '../../unit/cache/cache-test-support';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const KEY = `eg:it-client-${process.pid}-${Date.now().toString(36)}:probe`;

let admin: Redis;

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

beforeAll(() => {
  admin = new Redis(REDIS_URL);
});

afterAll(async () => {
  await admin.del(KEY);
  await admin.quit();
});

describe('createRedisClient', () => {
  it('shared: connects eagerly, no offline queue, one retry per request, capped reconnect backoff', async () => {
    const client = createRedisClient(REDIS_URL, { mode: 'shared', logger: recordingLogger() });
    try {
      expect(client.options).toMatchObject({
        lazyConnect: false,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
      });
      expect(await waitForRedisReady(client, 3000)).toBe(true);
      await client.set(KEY, 'shared', 'PX', 10_000);
      expect(await admin.get(KEY)).toBe('shared');
      // Exponential from 100 ms, capped at 2 s, plus up to 49 ms of jitter (the lowest and highest
      // draws of Math.random, so the bounds are checked exactly, not by chance).
      const backoff = client.options.retryStrategy;
      const random = vi.spyOn(Math, 'random');
      random.mockReturnValue(0);
      expect([1, 2, 5, 50].map((attempt) => backoff?.(attempt))).toEqual([100, 200, 1600, 2000]);
      random.mockReturnValue(0.999_999);
      expect([1, 2, 5, 50].map((attempt) => backoff?.(attempt))).toEqual([149, 249, 1649, 2049]);
      random.mockRestore();
    } finally {
      await closeRedisClient(client);
    }
    expect(client.status).toBe('end');
  });

  it('shared: a dead Redis is logged (throttled), fails commands at once and never crashes', async () => {
    const logger = recordingLogger();
    const client = createRedisClient(`redis://127.0.0.1:${await closedPort()}`, {
      mode: 'shared',
      logger,
      maxReconnectDelayMs: 50,
    });
    try {
      expect(await waitForRedisReady(client, 400)).toBe(false);
      // Refused on the spot, not queued until a reconnect or a timeout.
      await expect(client.get(KEY)).rejects.toThrow(/enableOfflineQueue options is false/);
      const errors = logger.lines.filter((line) => line.event === 'redis_connection_error');
      expect(errors).toHaveLength(1); // several reconnect attempts failed; one line per 30 s
      expect(JSON.stringify(errors[0]?.fields)).not.toContain('redis://'); // the URL (and password) is never logged
    } finally {
      await closeRedisClient(client);
    }
  });

  it('per-request: connects lazily, the first command waits for the connection, closed with QUIT', async () => {
    const client = createRedisClient(REDIS_URL, { mode: 'per-request', logger: recordingLogger() });
    expect(client.status).toBe('wait');
    expect(client.options).toMatchObject({
      lazyConnect: true,
      enableOfflineQueue: true,
      enableReadyCheck: false,
    });
    expect(client.options.retryStrategy?.(1)).toBeNull();

    expect(await client.set(KEY, 'per-request', 'PX', 10_000)).toBe('OK');
    expect(await admin.get(KEY)).toBe('per-request');
    const quit = vi.spyOn(client, 'quit');
    await closeRedisClient(client);
    expect(quit).toHaveBeenCalledTimes(1);
    expect(client.status).toBe('end');
  });

  it('per-request: closing a client that never connected does not open a connection', async () => {
    const client = createRedisClient(REDIS_URL, { mode: 'per-request', logger: recordingLogger() });
    const quit = vi.spyOn(client, 'quit');
    await closeRedisClient(client);
    expect(quit).not.toHaveBeenCalled();
    expect(client.status).toBe('end');
  });

  it('per-request: a dead Redis fails the first command and the client gives up (no reconnect)', async () => {
    const client = createRedisClient(`redis://127.0.0.1:${await closedPort()}`, {
      mode: 'per-request',
      logger: recordingLogger(),
      connectTimeoutMs: 300,
    });
    await expect(client.get(KEY)).rejects.toThrow(/Connection is closed/);
    expect(client.status).toBe('end');
    await closeRedisClient(client);
    expect(client.status).toBe('end');
  });
});
