import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCacheState } from '../../../src/cache/cache-state';
import { createEventDeduplicator } from '../../../src/cache/event-deduplicator';
import { closeRedisClient, createRedisClient, waitForRedisReady } from '../../../src/cache/redis-client';
import { manualClock, recordingLogger } from '../../unit/cache/cache-test-support';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const VERSION = `it-dedupe-${process.pid}-${Date.now().toString(36)}`;

let admin: Redis;
const clients: Redis[] = [];

async function deduplicator(url = REDIS_URL) {
  const logger = recordingLogger();
  const redis = createRedisClient(url, { mode: 'shared', logger });
  clients.push(redis);
  if (url === REDIS_URL) expect(await waitForRedisReady(redis, 3000)).toBe(true);
  const state = createCacheState({ clock: manualClock(Date.now()), logger });
  return { state, dedupe: createEventDeduplicator({ state, redis, keyVersion: VERSION }) };
}

beforeAll(() => {
  admin = new Redis(REDIS_URL);
});

afterAll(async () => {
  const keys = await admin.keys(`eg:${VERSION}:*`);
  if (keys.length > 0) await admin.del(...keys);
  await Promise.all(clients.map((client) => closeRedisClient(client)));
  await admin.quit();
});

describe('webhook event de-duplication over Redis', () => {
  it('is true only the first time across instances, scoped by tenant and vendor, with a Redis TTL', async () => {
    const first = await deduplicator();
    const second = await deduplicator();
    const event = { tenant: 'acme', vendor: 'chargebee', id: 'ev_16BHbhF4s42tO2lK' };

    expect(await first.dedupe.rememberOnce(event, 60_000)).toBe(true);
    expect(await first.dedupe.rememberOnce(event, 60_000)).toBe(false);
    expect(await second.dedupe.rememberOnce(event, 60_000)).toBe(false); // another instance, same Redis
    expect(await second.dedupe.rememberOnce({ ...event, vendor: 'paygentic' }, 60_000)).toBe(true);
    expect(await second.dedupe.rememberOnce({ ...event, tenant: 'other' }, 60_000)).toBe(true);

    const key = first.dedupe.key(event);
    expect(key).toBe(`eg:${VERSION}:acme:chargebee:webhook-event:ev_16BHbhF4s42tO2lK`);
    const pttl = await admin.pttl(key);
    expect(pttl).toBeGreaterThan(55_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
  });

  it('forget lets a redelivery through after a failed handling', async () => {
    const a = await deduplicator();
    const b = await deduplicator();
    const event = { tenant: 'acme', vendor: 'zenskar', id: 'evt-1' };
    expect(await a.dedupe.rememberOnce(event, 60_000)).toBe(true);
    await a.dedupe.forget(event);
    expect(await admin.exists(a.dedupe.key(event))).toBe(0);
    expect(await b.dedupe.rememberOnce(event, 60_000)).toBe(true);
  });

  it('falls back to memory when Redis is unreachable', async () => {
    const { dedupe, state } = await deduplicator('redis://127.0.0.1:1');
    const event = { tenant: 'acme', vendor: 'chargebee', id: 'ev_offline' };
    expect(await dedupe.rememberOnce(event, 60_000)).toBe(true);
    expect(await dedupe.rememberOnce(event, 60_000)).toBe(false);
    expect(state.metrics.redisErrors).toBeGreaterThanOrEqual(1);
  });
});
