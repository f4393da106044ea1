import { describe, expect, it } from 'vitest';
import type { CustomerSnapshot } from '../kit';
import { mapStripeGrant, normalizeStripeSnapshot, type StripeSnapshotData, stripeFeatureKey } from './mapper';
import { type StripeActiveEntitlement, stripeActiveEntitlementSchema } from './wire';

// One describe block per mapping rule (docs/mapping.md, Stripe section), each named after its rule.

const at = new Date('2026-06-01T12:00:00Z');

function feature(
  id: string,
  lookupKey: string | null,
  name: string | null,
  extra: Record<string, unknown> = {},
) {
  return {
    id,
    object: 'entitlements.feature',
    active: true,
    livemode: false,
    lookup_key: lookupKey,
    metadata: {},
    name,
    ...extra,
  };
}

/** A row as Stripe sends it, parsed through the wire schema like the adapter does. */
function row(
  id: string,
  featureValue: unknown,
  lookupKey: string | null = null,
  extra: Record<string, unknown> = {},
) {
  return stripeActiveEntitlementSchema().parse({
    id,
    object: 'entitlements.active_entitlement',
    feature: featureValue,
    livemode: false,
    lookup_key: lookupKey,
    ...extra,
  });
}

function snapshot(rows: StripeActiveEntitlement[]): CustomerSnapshot<StripeSnapshotData> {
  return {
    vendor: 'stripe',
    customerId: 'cus_map',
    fetchedAt: '2026-06-01T11:59:00.000Z',
    evaluatedAt: null,
    data: { rows },
  };
}

describe('stripe mapper: featureKey is the expanded feature’s lookup_key', () => {
  it('uses feature.lookup_key, even when the row’s own copy differs', () => {
    expect(stripeFeatureKey(row('ent_1', feature('feat_1', 'sso', 'SSO'), 'sso'))).toBe('sso');
    expect(stripeFeatureKey(row('ent_2', feature('feat_2', 'renamed', 'SSO'), 'stale_copy'))).toBe('renamed');
  });

  it('falls back to the row’s lookup_key when the feature is not expanded or has none', () => {
    expect(stripeFeatureKey(row('ent_1', 'feat_1', 'sso'))).toBe('sso');
    expect(stripeFeatureKey(row('ent_2', feature('feat_2', null, 'SSO'), 'sso'))).toBe('sso');
    expect(stripeFeatureKey(row('ent_3', feature('feat_3', '', 'SSO'), 'sso'))).toBe('sso');
  });

  it('falls back to the feature id when neither carries a lookup key', () => {
    expect(stripeFeatureKey(row('ent_1', 'feat_noKey'))).toBe('feat_noKey');
    expect(stripeFeatureKey(row('ent_2', feature('feat_alsoNoKey', null, 'X'), ''))).toBe('feat_alsoNoKey');
  });
});

describe('stripe mapper: one boolean entitlement with access per feature key', () => {
  it('maps a held feature to type boolean, hasAccess true, reason null, and no quantities, window or config', () => {
    const [entitlement] = normalizeStripeSnapshot(
      snapshot([row('ent_1', feature('feat_1', 'sso', 'SSO'), 'sso')]),
      at,
    ).entitlements;
    expect(entitlement).toEqual({
      object: 'entitlement',
      vendor: 'stripe',
      customerId: 'cus_map',
      featureKey: 'sso',
      featureName: 'SSO',
      type: 'boolean',
      hasAccess: true,
      reason: null,
      unlimited: false,
      limit: null,
      usage: null,
      remaining: null,
      value: null,
      config: null,
      unit: null,
      activeFrom: null,
      activeTo: null,
      grants: [
        {
          source: 'active_entitlement',
          sourceId: 'feat_1',
          vendorId: 'ent_1',
          hasAccess: true,
          limit: null,
          usage: null,
          value: null,
          status: 'active',
          activeFrom: null,
          activeTo: null,
        },
      ],
      raw: [expect.objectContaining({ id: 'ent_1' })],
    });
  });

  it('sorts entitlements by featureKey in code-unit order', () => {
    const rows = [
      row('ent_1', feature('feat_1', 'b', null)),
      row('ent_2', feature('feat_2', 'B', null)),
      row('ent_3', feature('feat_3', 'a', null)),
      row('ent_4', feature('feat_4', 'é', null)),
    ];
    expect(
      normalizeStripeSnapshot(snapshot(rows), at).entitlements.map((entitlement) => entitlement.featureKey),
    ).toEqual(['B', 'a', 'b', 'é']);
  });

  it('groups several rows with one key into one entitlement whose grants are the rows, in listing order', () => {
    const rows = [
      row('ent_2', feature('feat_a', 'sso', 'SSO')),
      row('ent_other', feature('feat_b', 'api', 'API')),
      row('ent_1', feature('feat_c', 'sso', 'SSO (legacy)')),
    ];
    const { entitlements } = normalizeStripeSnapshot(snapshot(rows), at);
    expect(entitlements).toHaveLength(2);
    const sso = entitlements.find((entitlement) => entitlement.featureKey === 'sso');
    expect(sso?.grants.map((grant) => [grant.vendorId, grant.sourceId])).toEqual([
      ['ent_2', 'feat_a'],
      ['ent_1', 'feat_c'],
    ]);
    expect(sso?.raw?.map((item) => (item as StripeActiveEntitlement).id)).toEqual(['ent_2', 'ent_1']);
  });

  it('a customer holding nothing has no entitlements', () => {
    expect(normalizeStripeSnapshot(snapshot([]), at)).toEqual({ entitlements: [], changesAt: null });
  });
});

describe('stripe mapper: featureName', () => {
  it('is the expanded feature’s name; the first non-empty one when rows disagree', () => {
    const rows = [
      row('ent_1', feature('feat_1', 'sso', '')),
      row('ent_2', feature('feat_2', 'sso', 'Single sign-on')),
    ];
    expect(normalizeStripeSnapshot(snapshot(rows), at).entitlements[0]?.featureName).toBe('Single sign-on');
  });

  it('is null when the feature is not expanded (never invented from the key)', () => {
    expect(
      normalizeStripeSnapshot(snapshot([row('ent_1', 'feat_1', 'sso')]), at).entitlements[0]?.featureName,
    ).toBeNull();
  });
});

describe('stripe mapper: an archived feature still granted keeps access', () => {
  it('feature.active false: hasAccess true, grant status active (Stripe lists only entitlements in force)', () => {
    const [entitlement] = normalizeStripeSnapshot(
      snapshot([row('ent_1', feature('feat_old', 'legacy_reports', 'Legacy reports', { active: false }))]),
      at,
    ).entitlements;
    expect(entitlement).toMatchObject({ featureKey: 'legacy_reports', hasAccess: true, reason: null });
    expect(entitlement?.grants[0]).toMatchObject({ hasAccess: true, status: 'active' });
  });
});

describe('stripe mapper: grants', () => {
  it('one per row: source active_entitlement, sourceId = feature id (expanded or not), vendorId = ent_ id', () => {
    expect(mapStripeGrant(row('ent_x', 'feat_plain', 'k'))).toMatchObject({
      source: 'active_entitlement',
      sourceId: 'feat_plain',
      vendorId: 'ent_x',
    });
    expect(mapStripeGrant(row('ent_y', feature('feat_expanded', 'k', 'K')))).toMatchObject({
      sourceId: 'feat_expanded',
      vendorId: 'ent_y',
    });
  });
});

describe('stripe mapper: raw rows', () => {
  it('raw = the rows as received, unknown keys included', () => {
    const received = row('ent_1', feature('feat_1', 'sso', 'SSO', { metadata: { tier: 'gold' } }), 'sso', {
      future_field: { nested: true },
    });
    const [entitlement] = normalizeStripeSnapshot(snapshot([received]), at).entitlements;
    expect(entitlement?.raw).toEqual([received]);
    expect(entitlement?.raw?.[0]).toHaveProperty('future_field', { nested: true });
  });
});

describe('stripe mapper: time', () => {
  it('the answer is the same at every instant and never changes by itself (changesAt null)', () => {
    const data = snapshot([row('ent_1', feature('feat_1', 'sso', 'SSO'))]);
    const past = normalizeStripeSnapshot(data, new Date('2000-01-01T00:00:00Z'));
    const future = normalizeStripeSnapshot(data, new Date('2100-01-01T00:00:00Z'));
    expect(past).toEqual(future);
    expect(past.changesAt).toBeNull();
  });
});

describe('stripe mapper: purity', () => {
  it('is deterministic and leaves the snapshot untouched', () => {
    const data = snapshot([
      row('ent_2', feature('feat_2', 'b', 'B')),
      row('ent_1', feature('feat_1', 'a', 'A')),
    ]);
    const before = structuredClone(data);
    const first = normalizeStripeSnapshot(data, at);
    const second = normalizeStripeSnapshot(data, at);
    expect(second).toEqual(first);
    expect(data).toEqual(before);
  });
});
