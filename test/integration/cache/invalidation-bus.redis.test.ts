import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createEntry } from '../../../src/cache/cache-entry';
import { cacheKey, cacheScopeKey } from '../../../src/cache/cache-key';
import { type CacheState, createCacheState } from '../../../src/cache/cache-state';
import {
  createInvalidationBus,
  type InvalidationBus,
  type InvalidationMessage,
  invalidationChannel,
  subscriberConnectionName,
} from '../../../src/cache/invalidation-bus';
import { recordingLogger } from '../../unit/cache/cache-test-support';

/**
 * The invalidation bus on the real Redis: each "instance" has its own cache state (memory tier), its
 * own publishing connection and its own subscriber connection, as separate gateway processes would.
 * Every test uses its own key version, hence its own channel: runs sharing the Redis never hear each
 * other.
 */

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const lifetime = { freshMs: 60_000, staleMs: 60_000, negativeTtlMs: 1000 };
const clients: Redis[] = [];
const buses: InvalidationBus[] = [];

interface Instance {
  state: CacheState;
  bus: InvalidationBus;
  applied: InvalidationMessage[];
  redis: Redis;
}

function startInstance(keyVersion: string, name: string): Instance {
  const redis = new Redis(REDIS_URL);
  clients.push(redis);
  const state = createCacheState({ clock: { now: () => Date.now() }, logger: recordingLogger() });
  const applied: InvalidationMessage[] = [];
  const bus = createInvalidationBus({
    redis,
    state,
    logger: recordingLogger(),
    keyVersion,
    instanceId: name,
    onApplied: (message) => applied.push(message),
  });
  buses.push(bus);
  return { state, bus, applied, redis };
}

function keyOf(version: string, id: string): string {
  return cacheKey({ version, tenant: 'bus-tenant', vendor: 'chargebee', namespace: 'snapshot', id });
}

function remember(state: CacheState, key: string, storedAt: number): void {
  state.memory.set(key, { entry: createEntry({ id: key }, lifetime, storedAt), verifiedAt: storedAt }, 100);
}

/** Waits until every listed instance has applied `count` messages (message delivery is asynchronous). */
async function appliedBy(instances: Instance[], count: number): Promise<void> {
  await vi.waitFor(
    () => {
      for (const instance of instances) expect(instance.applied.length).toBeGreaterThanOrEqual(count);
    },
    { timeout: 5000, interval: 2 },
  );
}

afterEach(async () => {
  await Promise.all(buses.splice(0).map((bus) => bus.close()));
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.quit().catch(() => undefined)));
});

describe('the invalidation bus', () => {
  it('drops deleted keys from the memory tier of every other instance, not its own copy of the news', async () => {
    const version = `it-bus-${randomUUID()}`;
    const [one, two, three] = ['one', 'two', 'three'].map((name) => startInstance(version, name)) as [
      Instance,
      Instance,
      Instance,
    ];
    expect(await Promise.all([one.bus.start(), two.bus.start(), three.bus.start()])).toEqual([
      true,
      true,
      true,
    ]);
    expect(one.bus.channel).toBe(`eg:${version}:invalidate`);
    const changed = keyOf(version, 'cust-1');
    const untouched = keyOf(version, 'cust-2');
    for (const instance of [one, two, three]) {
      remember(instance.state, changed, Date.now());
      remember(instance.state, untouched, Date.now());
    }

    expect(await one.bus.publish({ kind: 'delete', keys: [changed] })).toBe(true);
    await appliedBy([two, three], 1);
    for (const other of [two, three]) {
      expect(other.state.memory.peek(changed)).toBeUndefined();
      expect(other.state.memory.peek(untouched)).toBeDefined();
      expect(other.bus.stats.keysDropped).toBe(1);
    }
    // The publisher heard its own message and left its memory alone (it applied the change itself).
    await vi.waitFor(() => expect(one.bus.stats.ownSkipped).toBe(1), { timeout: 5000, interval: 2 });
    expect(one.applied).toEqual([]);
    expect(one.state.memory.peek(changed)).toBeDefined();
  });

  it('a write drops older memory copies and keeps the copy of that very load', async () => {
    const version = `it-bus-${randomUUID()}`;
    const writer = startInstance(version, 'writer');
    const behind = startInstance(version, 'behind');
    const current = startInstance(version, 'current');
    await Promise.all([writer.bus.start(), behind.bus.start(), current.bus.start()]);
    const key = keyOf(version, 'cust-w');
    const storedAt = Date.now();
    remember(behind.state, key, storedAt - 5000);
    remember(current.state, key, storedAt);

    await writer.bus.publish({ kind: 'write', key, storedAt });
    await appliedBy([behind, current], 1);
    expect(behind.state.memory.peek(key)).toBeUndefined();
    expect(current.state.memory.peek(key)?.entry.storedAt).toBe(storedAt);
  });

  it('a scope generation reaches the other instances, and only moves forward', async () => {
    const version = `it-bus-${randomUUID()}`;
    const sender = startInstance(version, 'sender');
    const receiver = startInstance(version, 'receiver');
    await Promise.all([sender.bus.start(), receiver.bus.start()]);
    const scopeKey = cacheScopeKey({
      version,
      tenant: 'bus-tenant',
      vendor: 'chargebee',
      namespace: 'snapshot',
    });
    receiver.state.scopeGenerations.set(scopeKey, 2000);

    await sender.bus.publish({ kind: 'scope', scopeKey, generation: 1000 });
    await sender.bus.publish({ kind: 'scope', scopeKey, generation: 3000 });
    await appliedBy([receiver], 2);
    expect(receiver.state.scopeGenerations.get(scopeKey)).toBe(3000);
  });

  it('ignores unreadable messages and keeps listening', async () => {
    const version = `it-bus-${randomUUID()}`;
    const receiver = startInstance(version, 'receiver');
    await receiver.bus.start();
    const key = keyOf(version, 'cust-x');
    remember(receiver.state, key, Date.now());
    const raw = new Redis(REDIS_URL);
    clients.push(raw);
    const channel = invalidationChannel(version);
    await raw.publish(channel, 'not json');
    await raw.publish(channel, JSON.stringify({ v: 1, from: 'x', message: { kind: 'delete', keys: [42] } }));
    await raw.publish(channel, JSON.stringify({ v: 2, from: 'x', message: { kind: 'delete', keys: [key] } }));
    await raw.publish(channel, JSON.stringify({ v: 1, from: 'x', message: { kind: 'delete', keys: [key] } }));
    await appliedBy([receiver], 1);
    expect(receiver.bus.stats.unreadable).toBe(3);
    expect(receiver.state.memory.peek(key)).toBeUndefined();
  });

  it('resubscribes by itself after its connection is killed', async () => {
    const version = `it-bus-${randomUUID()}`;
    const sender = startInstance(version, 'sender');
    const receiverName = `receiver-${randomUUID()}`;
    const receiver = startInstance(version, receiverName);
    await Promise.all([sender.bus.start(), receiver.bus.start()]);
    const admin = new Redis(REDIS_URL);
    clients.push(admin);
    const name = subscriberConnectionName(receiverName);
    const ids = String(await admin.client('LIST'))
      .split('\n')
      .filter((line) => line.includes(` name=${name} `))
      .map((line) => /\bid=(\d+)/.exec(line)?.[1]);
    expect(ids).toHaveLength(1);
    await admin.client('KILL', 'ID', String(ids[0]));
    // Back: the channel has its two subscribers again, the receiver's under a new connection.
    await vi.waitFor(
      async () => {
        expect(receiver.bus.status()).toBe('subscribed');
        expect(await admin.pubsub('NUMSUB', receiver.bus.channel)).toEqual([receiver.bus.channel, 2]);
      },
      { timeout: 10_000, interval: 20 },
    );
    const key = keyOf(version, 'cust-r');
    remember(receiver.state, key, Date.now());
    await sender.bus.publish({ kind: 'delete', keys: [key] });
    await appliedBy([receiver], 1);
    expect(receiver.state.memory.peek(key)).toBeUndefined();
  });
});
