import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedisClient, createRedisClient, waitForRedisReady } from '../../../src/cache/redis-client';
import { createRedisLinkStore, linkKey } from '../../../src/services/customer-link-store';
import { recordingLogger } from '../../unit/cache/cache-test-support';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
// A unique key version keeps this run's keys apart from every other run on the shared Redis.
const VERSION = `it-links-${process.pid}-${Date.now().toString(36)}`;

let admin: Redis;
const clients: Redis[] = [];

async function freshStore() {
  const redis = createRedisClient(REDIS_URL, { mode: 'shared', logger: recordingLogger() });
  clients.push(redis);
  expect(await waitForRedisReady(redis, 3000)).toBe(true);
  return createRedisLinkStore(redis, { version: VERSION });
}

beforeAll(() => {
  admin = new Redis(REDIS_URL);
});

afterAll(async () => {
  for (const tenant of ['t1', 't2'])
    for (const id of ['acme', 'a:b']) await admin.del(linkKey(tenant, id, VERSION));
  await Promise.all(clients.map((client) => closeRedisClient(client)));
  await admin.quit();
});

describe('customer links in Redis', () => {
  it('stores a hash per tenant and app customer, without TTL, readable by a new client (a restarted gateway)', async () => {
    const first = await freshStore();
    await first.put('t1', 'acme', { chargebee: 'cb_1', paygentic: 'cus_1' });
    const key = linkKey('t1', 'acme', VERSION);
    expect(key).toBe(`eg:links:${VERSION}:t1:acme`);
    expect(await admin.type(key)).toBe('hash');
    expect(await admin.hgetall(key)).toEqual({ chargebee: 'cb_1', paygentic: 'cus_1' });
    expect(await admin.ttl(key)).toBe(-1);
    const second = await freshStore();
    expect(await second.get('t1', 'acme')).toEqual({ paygentic: 'cus_1', chargebee: 'cb_1' });
    expect(await second.get('t2', 'acme')).toBeNull();
  });

  it('PUT replaces every field at once; DELETE removes the key', async () => {
    const store = await freshStore();
    await store.put('t1', 'a:b', { chargebee: 'cb_1', zenskar: 'z-1' });
    await store.put('t1', 'a:b', { paygentic: 'cus_2' });
    expect(await store.get('t1', 'a:b')).toEqual({ paygentic: 'cus_2' });
    expect(await store.delete('t1', 'a:b')).toBe(true);
    expect(await store.delete('t1', 'a:b')).toBe(false);
    expect(await admin.exists(linkKey('t1', 'a:b', VERSION))).toBe(0);
  });

  it('ignores fields naming no known vendor', async () => {
    const store = await freshStore();
    await admin.hset(linkKey('t2', 'acme', VERSION), { chargebee: 'cb_9', retired: 'r-1' });
    expect(await store.get('t2', 'acme')).toEqual({ chargebee: 'cb_9' });
  });

  it('Redis unreachable: every operation is links_store_unavailable (503, retryable)', async () => {
    const redis = createRedisClient('redis://127.0.0.1:1', {
      mode: 'shared',
      logger: recordingLogger(),
      connectTimeoutMs: 200,
    });
    clients.push(redis);
    const store = createRedisLinkStore(redis, { version: VERSION });
    for (const operation of [
      () => store.get('t1', 'acme'),
      () => store.put('t1', 'acme', { chargebee: 'cb_1' }),
      () => store.delete('t1', 'acme'),
    ])
      await expect(operation()).rejects.toMatchObject({
        code: 'links_store_unavailable',
        status: 503,
        retryable: true,
      });
  });
});
