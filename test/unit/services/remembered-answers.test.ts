import { describe, expect, it } from 'vitest';
import type { CustomerSnapshot, VendorAdapter } from '../../../adapters/kit';
import type { CheckResult } from '../../../schemas/check';
import type { Entitlement } from '../../../schemas/entitlement';
import type { TenantConfig } from '../../../src/config';
import { CursorCodec } from '../../../src/services/cursor';
import { checkResultJson, entitlementListJson } from '../../../src/services/entitlement-json';
import { EntitlementService, type SnapshotLoader } from '../../../src/services/entitlement-service';

/**
 * The service remembers answers that depend only on the normalized entitlements and the question
 * (first list pages, checks without requestedUsage or at). These tests pin what must never happen:
 * an answer reused across tenants, customers, snapshot versions, instants or questions.
 */

interface Row {
  key: string;
  limit: number;
  /** When the feature ends (epoch ms), or null. */
  endsAt?: number | null;
}

type Data = { rows: Row[] };

const START = Date.parse('2026-06-01T00:00:00Z');

function adapter(): VendorAdapter<Data> {
  const fake: VendorAdapter<Data> = {
    specificationVersion: 'v1',
    vendor: 'chargebee',
    timeEvaluation: 'gateway',
    validateCustomerId: () => null,
    // Ids are case-insensitive at this fake vendor: two spellings share one snapshot.
    canonicalCustomerId: (id) => id.toLowerCase(),
    async loadCustomer() {
      throw new Error('loads go through the test loader');
    },
    normalize(snapshot, at) {
      const now = at.getTime();
      const entitlements: Entitlement[] = snapshot.data.rows
        .map((row) => {
          const active = row.endsAt == null || now < row.endsAt;
          return {
            object: 'entitlement' as const,
            vendor: 'chargebee' as const,
            customerId: snapshot.customerId,
            featureKey: row.key,
            featureName: row.key,
            type: 'numeric' as const,
            hasAccess: active,
            reason: active ? null : ('expired' as const),
            unlimited: false,
            limit: row.limit,
            usage: null,
            remaining: row.limit,
            value: String(row.limit),
            config: null,
            unit: null,
            activeFrom: null,
            activeTo: row.endsAt == null ? null : new Date(row.endsAt).toISOString(),
            grants: [],
            raw: [row],
          };
        })
        .sort((left, right) => (left.featureKey < right.featureKey ? -1 : 1));
      const future = snapshot.data.rows
        .map((row) => row.endsAt)
        .filter((endsAt): endsAt is number => typeof endsAt === 'number' && endsAt > now);
      return { entitlements, changesAt: future.length > 0 ? Math.min(...future) : null };
    },
  };
  return fake;
}

/** A tenant's store of snapshots (what the cache would hold), replaceable like a reload. */
function world(tenantId: string) {
  const snapshots = new Map<string, CustomerSnapshot<Data>>();
  const tenant: TenantConfig = {
    id: tenantId,
    apiKeyHashes: [],
    vendors: { chargebee: { site: 's', apiKey: 'k', baseUrl: 'http://x' } } as TenantConfig['vendors'],
    webhooks: {},
  };
  let now = START;
  const vendorAdapter = adapter();
  /** What the synchronous path asked of the cache, by way. */
  const reads = { byRequest: 0, byKey: [] as string[], counted: 0 };
  /** App customers linked to an account of the vendor (links can move, as through the links API). */
  const links = new Map<string, string>();
  const linksOf = (customerId: string) => {
    const linked = links.get(customerId);
    return linked === undefined
      ? null
      : { links: { chargebee: linked }, origins: { chargebee: 'dynamic' as const } };
  };
  const hit = (customerId: string) => {
    const snapshot = snapshots.get(customerId);
    return snapshot === undefined
      ? undefined
      : { snapshot, cache: { status: 'hit' as const, ageSeconds: 0, ttlSeconds: 60 } };
  };
  const loadSnapshot: SnapshotLoader = async ({ customerId }) => {
    const snapshot = snapshots.get(customerId);
    if (snapshot === undefined) throw new Error(`no snapshot for ${customerId}`);
    return { snapshot, cache: { status: 'hit', ageSeconds: 0, ttlSeconds: 60 } };
  };
  return {
    store(customerId: string, rows: Row[]) {
      snapshots.set(customerId, {
        vendor: 'chargebee',
        customerId,
        fetchedAt: new Date(now).toISOString(),
        evaluatedAt: null,
        data: { rows },
      });
    },
    advance(ms: number) {
      now += ms;
    },
    link(appCustomerId: string, vendorCustomerId: string) {
      links.set(appCustomerId, vendorCustomerId);
    },
    /** Drops a customer's snapshot, as an eviction or an invalidation does. */
    forget(customerId: string) {
      snapshots.delete(customerId);
    },
    reads,
    /** A request's service (one per request, as the routes build them). */
    service(options: { forceRefresh?: boolean } = {}) {
      const forceRefresh = options.forceRefresh ?? false;
      return new EntitlementService({
        tenant,
        adapterFor: () => vendorAdapter,
        loadSnapshot,
        cursors: new CursorCodec('remembered-answers-cursor-secret-0123456789'),
        now: () => now,
        forceRefresh,
        loadContext: () => ({ remember: async (_namespace, _id, load) => load() }),
        onUnexpectedError: () => {},
        resolveLinks: async (customerId) => linksOf(customerId),
        resolveLinksNow: linksOf,
        // The synchronous path (checkNow, listNow, batch items): the same snapshots, found at once
        // (a forced refresh finds none, like the cache).
        loadSnapshotNow: (request) => {
          reads.byRequest += 1;
          return request.forceRefresh ? undefined : hit(request.customerId);
        },
        countSnapshotHitNow: () => {
          reads.counted += 1;
        },
        snapshotKeyNow: (vendor, customerId) => `${tenantId}:${vendor}:${customerId}`,
        loadSnapshotNowAt: (key) => {
          reads.byKey.push(key);
          return hit(key.slice(`${tenantId}:chargebee:`.length));
        },
      });
    },
  };
}

const check = async (
  w: ReturnType<typeof world>,
  customerId: string,
  featureKey: string,
  requestedUsage?: number,
) => {
  const result = await w
    .service()
    .check(customerId, featureKey, requestedUsage === undefined ? {} : { requestedUsage });
  return { result, json: JSON.parse(checkResultJson(result)) as Record<string, unknown> };
};

describe('remembered answers', () => {
  it('a repeated check is the same answer and the same body (what makes a repeat a lookup)', async () => {
    const w = world('t1');
    w.store('c1', [{ key: 'seats', limit: 5 }]);
    const first = await check(w, 'c1', 'seats');
    const second = await check(w, 'c1', 'seats');
    expect(second.result).toBe(first.result);
    expect(checkResultJson(second.result)).toBe(checkResultJson(first.result));
    expect(first.json).toMatchObject({ customerId: 'c1', featureKey: 'seats', limit: 5, hasAccess: true });
  });

  it('a new snapshot (reload) answers with its own data', async () => {
    const w = world('t1');
    w.store('c1', [{ key: 'seats', limit: 5 }]);
    expect((await check(w, 'c1', 'seats')).json.limit).toBe(5);
    w.store('c1', [{ key: 'seats', limit: 9 }]);
    expect((await check(w, 'c1', 'seats')).json.limit).toBe(9);
    const page = await w.service().list('c1', { limit: 50, featureKeys: [], includeRaw: false });
    expect(JSON.parse(entitlementListJson(page)).data[0].limit).toBe(9);
  });

  it('tenants with the same customer and feature never see each other’s answers', async () => {
    const a = world('tenant-a');
    const b = world('tenant-b');
    a.store('c1', [{ key: 'seats', limit: 1 }]);
    b.store('c1', [{ key: 'seats', limit: 2 }]);
    for (let round = 0; round < 3; round++) {
      expect((await check(a, 'c1', 'seats')).json.limit).toBe(1);
      expect((await check(b, 'c1', 'seats')).json.limit).toBe(2);
      const pageA = await a.service().list('c1', { limit: 50, featureKeys: [], includeRaw: false });
      const pageB = await b.service().list('c1', { limit: 50, featureKeys: [], includeRaw: false });
      expect(JSON.parse(entitlementListJson(pageA)).data[0].limit).toBe(1);
      expect(JSON.parse(entitlementListJson(pageB)).data[0].limit).toBe(2);
    }
  });

  it('each spelling of a customer id is answered with its own spelling, though they share a snapshot', async () => {
    const w = world('t1');
    w.store('acme', [{ key: 'seats', limit: 5 }]);
    expect((await check(w, 'acme', 'seats')).json.customerId).toBe('acme');
    expect((await check(w, 'ACME', 'seats')).json.customerId).toBe('ACME');
    expect((await check(w, 'acme', 'seats')).json.customerId).toBe('acme');
  });

  it('a feature ending is seen as soon as its instant passes (the set changes at changesAt)', async () => {
    const w = world('t1');
    w.store('c1', [{ key: 'seats', limit: 5, endsAt: START + 1000 }]);
    expect((await check(w, 'c1', 'seats')).json.hasAccess).toBe(true);
    w.advance(1000);
    expect((await check(w, 'c1', 'seats')).json).toMatchObject({ hasAccess: false, reason: 'expired' });
  });

  it('requestedUsage is answered for the usage asked, never from a remembered answer', async () => {
    const w = world('t1');
    w.store('c1', [{ key: 'seats', limit: 5 }]);
    expect((await check(w, 'c1', 'seats')).json.hasAccess).toBe(true);
    expect((await check(w, 'c1', 'seats', 9)).json).toMatchObject({
      hasAccess: false,
      reason: 'limit_exceeded',
    });
    expect((await check(w, 'c1', 'seats', 2)).json).toMatchObject({ hasAccess: true, requestedUsage: 2 });
    expect((await check(w, 'c1', 'seats')).json).toMatchObject({ hasAccess: true, requestedUsage: null });
  });

  it('list pages are remembered per question: limit, filters and raw rows each get their own', async () => {
    const w = world('t1');
    w.store('c1', [
      { key: 'a', limit: 1 },
      { key: 'b', limit: 2 },
      { key: 'c', limit: 3 },
    ]);
    const list = async (query: Partial<Parameters<EntitlementService['list']>[1]>) =>
      JSON.parse(
        entitlementListJson(
          await w.service().list('c1', { limit: 50, featureKeys: [], includeRaw: false, ...query }),
        ),
      );
    expect((await list({})).data.map((row: Entitlement) => row.featureKey)).toEqual(['a', 'b', 'c']);
    const two = await list({ limit: 2 });
    expect(two.data.map((row: Entitlement) => row.featureKey)).toEqual(['a', 'b']);
    expect(two.nextCursor).toEqual(expect.any(String));
    expect((await list({ featureKeys: ['b'] })).data.map((row: Entitlement) => row.featureKey)).toEqual([
      'b',
    ]);
    expect((await list({ includeRaw: true })).data[0].raw).toEqual([{ key: 'a', limit: 1 }]);
    expect((await list({})).data[0].raw).toBeUndefined();
    // The next page (a cursor) is answered from the cursor, not from the first page.
    const next = await list({ limit: 2, cursor: two.nextCursor });
    expect(next.data.map((row: Entitlement) => row.featureKey)).toEqual(['c']);
  });

  it('answers given without waiting are the answers check gives (requestedUsage and NUL in keys included)', async () => {
    const w = world('t1');
    w.store('c1', [
      { key: 'f', limit: 5 },
      { key: 'f\u00005', limit: 7 },
    ]);
    const questions: Array<[string, number | undefined]> = [
      ['f', undefined],
      ['f', 5],
      ['f', 6],
      ['f\u00005', undefined],
      ['f\u0000', 5],
      ['g', 1],
    ];
    // Twice: the second round is answered from what the first remembered.
    for (let round = 0; round < 2; round++)
      for (const [featureKey, requestedUsage] of questions) {
        const query = requestedUsage === undefined ? {} : { requestedUsage };
        const now = w.service().checkNow('c1', featureKey, query);
        const later = await w.service().check('c1', featureKey, query);
        expect(now, `${JSON.stringify(featureKey)} ${requestedUsage}`).toBeDefined();
        expect(checkResultJson(now as CheckResult)).toBe(checkResultJson(later));
      }
    const batch = await w.service().batch({
      checks: questions.map(([featureKey, requestedUsage]) =>
        requestedUsage === undefined
          ? { customerId: 'c1', featureKey }
          : { customerId: 'c1', featureKey, requestedUsage },
      ),
    });
    for (const [index, [featureKey, requestedUsage]] of questions.entries()) {
      const query = requestedUsage === undefined ? {} : { requestedUsage };
      const expected = await w.service().check('c1', featureKey, query);
      expect(checkResultJson(batch.results[index] as CheckResult)).toBe(checkResultJson(expected));
    }
  });

  it('unknown feature keys asked many times do not grow without bound (still answered right)', async () => {
    const w = world('t1');
    w.store('c1', [{ key: 'seats', limit: 5 }]);
    for (let index = 0; index < 500; index++) {
      expect((await check(w, 'c1', `missing-${index}`)).json).toMatchObject({
        hasAccess: false,
        reason: 'not_entitled',
        featureKey: `missing-${index}`,
      });
    }
    expect((await check(w, 'c1', 'seats')).json.limit).toBe(5);
  });
});

describe('repeated checks (the synchronous path, asked again)', () => {
  const checkNow = (w: ReturnType<typeof world>, customerId: string, featureKey: string) =>
    w.service().checkNow(customerId, featureKey, {});

  it('a repeat reads the kept snapshot key once, counts the hit, and is the same answer', () => {
    const w = world('t1');
    w.store('acme', [{ key: 'seats', limit: 5 }]);
    const first = checkNow(w, 'ACME', 'seats');
    expect(first).toMatchObject({ customerId: 'ACME', featureKey: 'seats', limit: 5 });
    expect(w.reads).toEqual({ byRequest: 1, byKey: [], counted: 1 });
    const service = w.service();
    const again = service.checkNow('ACME', 'seats', {});
    expect(again).toBe(first);
    // The canonical id's key, kept from the first answer; the request-shaped read is not repeated.
    expect(w.reads).toEqual({ byRequest: 1, byKey: ['t1:chargebee:acme'], counted: 2 });
    expect(service.cacheReports).toEqual([{ status: 'hit', ageSeconds: 0, ttlSeconds: 60 }]);
  });

  it('one request asking the same check many times (a batch) reads and counts the snapshot once', () => {
    const w = world('t1');
    w.store('c1', [{ key: 'seats', limit: 5 }]);
    checkNow(w, 'c1', 'seats');
    const service = w.service();
    for (let item = 0; item < 3; item++) expect(service.checkNow('c1', 'seats', {})?.limit).toBe(5);
    expect(w.reads.byKey).toHaveLength(1);
    expect(w.reads.counted).toBe(2);
    expect(service.cacheReports).toHaveLength(1);
  });

  it('a new snapshot under the kept key is answered from its own data', () => {
    const w = world('t1');
    w.store('c1', [{ key: 'seats', limit: 5 }]);
    expect(checkNow(w, 'c1', 'seats')?.limit).toBe(5);
    expect(checkNow(w, 'c1', 'seats')?.limit).toBe(5);
    w.store('c1', [{ key: 'seats', limit: 9 }]);
    expect(checkNow(w, 'c1', 'seats')?.limit).toBe(9);
    expect(checkNow(w, 'c1', 'seats')?.limit).toBe(9);
  });

  it('no repeat once the snapshot is gone from memory (the whole path decides, here: wait)', () => {
    const w = world('t1');
    w.store('c1', [{ key: 'seats', limit: 5 }]);
    checkNow(w, 'c1', 'seats');
    checkNow(w, 'c1', 'seats');
    w.forget('c1');
    expect(checkNow(w, 'c1', 'seats')).toBeUndefined();
  });

  it('a feature ending ends the repeat at its instant', () => {
    const w = world('t1');
    w.store('c1', [{ key: 'seats', limit: 5, endsAt: START + 1000 }]);
    expect(checkNow(w, 'c1', 'seats')?.hasAccess).toBe(true);
    w.advance(999);
    expect(checkNow(w, 'c1', 'seats')?.hasAccess).toBe(true);
    w.advance(1);
    expect(checkNow(w, 'c1', 'seats')).toMatchObject({ hasAccess: false, reason: 'expired' });
  });

  it('a clock set back before the answer was computed is not a repeat', () => {
    const w = world('t1');
    w.store('c1', [{ key: 'seats', limit: 5 }]);
    checkNow(w, 'c1', 'seats');
    w.advance(1000);
    checkNow(w, 'c1', 'seats');
    const read = w.reads.byKey.length;
    expect(checkNow(w, 'c1', 'seats')?.limit).toBe(5);
    expect(w.reads.byKey).toHaveLength(read + 1);
    w.advance(-2000);
    const before = w.reads.byRequest;
    expect(checkNow(w, 'c1', 'seats')?.limit).toBe(5);
    // Answered by the whole path (its own request-shaped read), not as a repeat.
    expect(w.reads.byRequest).toBe(before + 1);
  });

  it('a forced refresh (Cache-Control: no-cache) is never a repeat', () => {
    const w = world('t1');
    w.store('c1', [{ key: 'seats', limit: 5 }]);
    checkNow(w, 'c1', 'seats');
    checkNow(w, 'c1', 'seats');
    expect(w.service({ forceRefresh: true }).checkNow('c1', 'seats', {})).toBeUndefined();
  });

  it('an app customer linked to another account is answered from that account', () => {
    const w = world('t1');
    w.store('c1', [{ key: 'seats', limit: 1 }]);
    w.store('c2', [{ key: 'seats', limit: 2 }]);
    w.link('app-1', 'c1');
    const ask = () => w.service().checkNow('app-1', 'seats', { vendor: 'chargebee' });
    expect(ask()).toMatchObject({ customerId: 'app-1', limit: 1 });
    expect(ask()).toMatchObject({ customerId: 'app-1', limit: 1 });
    w.link('app-1', 'c2');
    expect(ask()).toMatchObject({ customerId: 'app-1', limit: 2 });
    expect(ask()).toMatchObject({ customerId: 'app-1', limit: 2 });
  });

  it('tenants with the same customer, feature and keys never share a repeat', () => {
    const a = world('shared-id');
    const b = world('shared-id');
    a.store('c1', [{ key: 'seats', limit: 1 }]);
    b.store('c1', [{ key: 'seats', limit: 2 }]);
    for (let round = 0; round < 3; round++) {
      expect(checkNow(a, 'c1', 'seats')?.limit).toBe(1);
      expect(checkNow(b, 'c1', 'seats')?.limit).toBe(2);
    }
  });
});
