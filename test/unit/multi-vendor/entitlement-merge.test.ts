import { describe, expect, it } from 'vitest';
import type { Entitlement, VendorId } from '../../../schemas/entitlement';
import {
  mergeEntitlements,
  sourceEntitlementsOf,
  type VendorEntitlements,
} from '../../../src/services/entitlement-merge';
import {
  emptyFeatureCatalog,
  type FeatureCatalog,
  parseFeatureCatalog,
} from '../../../src/services/feature-catalog';

/** A vendor entitlement with one grant; everything not given is the neutral value. */
function entitlement(vendor: VendorId, featureKey: string, fields: Partial<Entitlement> = {}): Entitlement {
  const hasAccess = fields.hasAccess ?? true;
  return {
    object: 'entitlement',
    vendor,
    customerId: `${vendor}-customer`,
    featureKey,
    featureName: null,
    type: 'numeric',
    hasAccess,
    reason: hasAccess ? null : 'not_entitled',
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
        source: 'subscription',
        sourceId: `${vendor}-${featureKey}`,
        vendorId: null,
        hasAccess,
        limit: fields.limit ?? null,
        usage: fields.usage ?? null,
        value: fields.value ?? null,
        status: 'active',
        activeFrom: null,
        activeTo: null,
      },
    ],
    raw: [{ vendor, featureKey }],
    ...fields,
  };
}

function catalog(json: unknown): FeatureCatalog {
  const parsed = parseFeatureCatalog(json, { variable: 'FEATURE_CATALOG' });
  if (parsed.catalog === null) throw new Error(parsed.problems.join('\n'));
  return parsed.catalog;
}

const seatsSum = catalog({ seats: { sources: { chargebee: 'user-licenses', paygentic: 'max_users' } } });
const seatsMax = catalog({
  seats: { sources: { chargebee: 'user-licenses', paygentic: 'max_users' }, merge: 'max' },
});

function vendors(...entries: Entitlement[]): VendorEntitlements[] {
  const byVendor = new Map<VendorId, Entitlement[]>();
  for (const entry of entries) {
    const vendor = entry.vendor as VendorId;
    byVendor.set(vendor, [...(byVendor.get(vendor) ?? []), entry]);
  }
  return [...byVendor].map(([vendor, list]) => ({
    vendor,
    customerId: `${vendor}-customer`,
    entitlements: list.sort((a, b) => (a.featureKey < b.featureKey ? -1 : 1)),
  }));
}

function mergeOne(merged: Entitlement[], key = 'seats'): Entitlement {
  const found = merged.filter((entry) => entry.featureKey === key);
  expect(found).toHaveLength(1);
  return found[0] as Entitlement;
}

describe('merge rules, row by row', () => {
  it('one source: the vendor entitlement unchanged apart from key, app customer, sources and grant vendor', () => {
    const source = entitlement('chargebee', 'user-licenses', {
      limit: 13,
      remaining: 13,
      value: '13',
      featureName: 'User Licenses',
      unit: 'licence',
    });
    const [merged] = mergeEntitlements({ customerId: 'acme', vendors: vendors(source), catalog: seatsSum });
    const { grants, sources, featureKey, customerId, ...rest } = merged as Entitlement;
    const { grants: sourceGrants, featureKey: _key, customerId: _id, ...sourceRest } = source;
    expect(rest).toEqual(sourceRest);
    expect({ featureKey, customerId }).toEqual({ featureKey: 'seats', customerId: 'acme' });
    expect(sources).toEqual([
      { vendor: 'chargebee', customerId: 'chargebee-customer', featureKey: 'user-licenses' },
    ]);
    expect(grants).toEqual(sourceGrants.map((grant) => ({ ...grant, vendor: 'chargebee' })));
  });

  it('one source takes the catalogue name', () => {
    const named = catalog({ seats: { sources: { chargebee: 'user-licenses' }, name: 'Seats' } });
    const [merged] = mergeEntitlements({
      customerId: 'acme',
      vendors: vendors(entitlement('chargebee', 'user-licenses', { featureName: 'User Licenses' })),
      catalog: named,
    });
    expect(merged?.featureName).toBe('Seats');
  });

  it('sum: limits and usage add up, remaining is the sum of each remaining, value the merged limit', () => {
    const merged = mergeOne(
      mergeEntitlements({
        customerId: 'acme',
        vendors: vendors(
          entitlement('chargebee', 'user-licenses', {
            type: 'numeric',
            limit: 10,
            remaining: 10,
            value: '10',
          }),
          entitlement('paygentic', 'max_users', { type: 'metered', limit: 5, usage: 2, remaining: 3 }),
        ),
        catalog: seatsSum,
      }),
    );
    expect(merged).toMatchObject({
      vendor: null,
      type: 'metered',
      hasAccess: true,
      reason: null,
      unlimited: false,
      limit: 15,
      usage: 2,
      remaining: 13,
      value: '15',
    });
  });

  it('sum keeps a vendor balance that is not limit - usage (Σ remaining, not Σ limit - Σ usage)', () => {
    const merged = mergeOne(
      mergeEntitlements({
        customerId: 'acme',
        vendors: vendors(
          entitlement('chargebee', 'user-licenses', { type: 'metered', limit: 10, usage: 2, remaining: 5 }),
          entitlement('paygentic', 'max_users', { type: 'metered', limit: 5, usage: 0, remaining: 5 }),
        ),
        catalog: seatsSum,
      }),
    );
    expect(merged).toMatchObject({ limit: 15, usage: 2, remaining: 10 });
  });

  it('max: the largest limit and the largest usage, remaining recomputed', () => {
    const merged = mergeOne(
      mergeEntitlements({
        customerId: 'acme',
        vendors: vendors(
          entitlement('chargebee', 'user-licenses', { type: 'metered', limit: 10, usage: 4, remaining: 6 }),
          entitlement('paygentic', 'max_users', { type: 'metered', limit: 5, usage: 7, remaining: -2 }),
        ),
        catalog: seatsMax,
      }),
    );
    expect(merged).toMatchObject({ limit: 10, usage: 7, remaining: 3, value: '10' });
  });

  it('unlimited wins over any limit, under sum and max, usage still merged', () => {
    for (const rule of [seatsSum, seatsMax]) {
      const merged = mergeOne(
        mergeEntitlements({
          customerId: 'acme',
          vendors: vendors(
            entitlement('chargebee', 'user-licenses', { unlimited: true, value: 'unlimited' }),
            entitlement('paygentic', 'max_users', { type: 'metered', limit: 5, usage: 2, remaining: 3 }),
          ),
          catalog: rule,
        }),
      );
      expect(merged).toMatchObject({
        unlimited: true,
        limit: null,
        remaining: null,
        usage: 2,
        value: 'unlimited',
      });
    }
  });

  it('an unlimited source without access does not win', () => {
    const merged = mergeOne(
      mergeEntitlements({
        customerId: 'acme',
        vendors: vendors(
          entitlement('chargebee', 'user-licenses', { unlimited: true, hasAccess: false, reason: 'expired' }),
          entitlement('paygentic', 'max_users', { limit: 5, remaining: 5 }),
        ),
        catalog: seatsSum,
      }),
    );
    expect(merged).toMatchObject({ unlimited: false, limit: 5, remaining: 5, hasAccess: true });
  });

  it('a used-up quota still counts; an inactive one does not', () => {
    const exhausted = mergeOne(
      mergeEntitlements({
        customerId: 'acme',
        vendors: vendors(
          entitlement('chargebee', 'user-licenses', {
            type: 'metered',
            limit: 100,
            usage: 100,
            remaining: 0,
            hasAccess: false,
            reason: 'limit_exceeded',
          }),
          entitlement('paygentic', 'max_users', { type: 'metered', limit: 50, usage: 10, remaining: 40 }),
        ),
        catalog: seatsSum,
      }),
    );
    expect(exhausted).toMatchObject({ hasAccess: true, limit: 150, usage: 110, remaining: 40 });
    const inactive = mergeOne(
      mergeEntitlements({
        customerId: 'acme',
        vendors: vendors(
          entitlement('chargebee', 'user-licenses', {
            limit: 100,
            remaining: 100,
            hasAccess: false,
            reason: 'inactive',
          }),
          entitlement('paygentic', 'max_users', { type: 'metered', limit: 50, usage: 10, remaining: 40 }),
        ),
        catalog: seatsSum,
      }),
    );
    expect(inactive).toMatchObject({ hasAccess: true, limit: 50, usage: 10, remaining: 40 });
  });

  it('with no source counting, the numbers come from every source and access is denied', () => {
    const merged = mergeOne(
      mergeEntitlements({
        customerId: 'acme',
        vendors: vendors(
          entitlement('chargebee', 'user-licenses', {
            limit: 3,
            remaining: 3,
            hasAccess: false,
            reason: 'expired',
          }),
          entitlement('paygentic', 'max_users', {
            limit: 4,
            remaining: 4,
            hasAccess: false,
            reason: 'disabled',
          }),
        ),
        catalog: seatsSum,
      }),
    );
    expect(merged).toMatchObject({ hasAccess: false, reason: 'expired', limit: 7, remaining: 7 });
  });

  it('access is any: one granting source is enough', () => {
    const merged = mergeOne(
      mergeEntitlements({
        customerId: 'acme',
        vendors: vendors(
          entitlement('chargebee', 'user-licenses', { type: 'boolean', hasAccess: false, reason: 'expired' }),
          entitlement('paygentic', 'max_users', { type: 'boolean', hasAccess: true, value: true }),
        ),
        catalog: seatsSum,
      }),
    );
    expect(merged).toMatchObject({
      type: 'boolean',
      hasAccess: true,
      reason: null,
      value: true,
      limit: null,
    });
  });

  it.each([
    [['not_entitled', 'expired', 'limit_exceeded'], 'limit_exceeded'],
    [['expired', 'inactive', 'disabled'], 'inactive'],
    [['disabled', 'expired'], 'expired'],
    [['not_entitled', 'disabled'], 'disabled'],
    [['not_entitled', 'not_entitled'], 'not_entitled'],
  ] as const)('no access: reasons %j give %s (the one closest to access)', (reasons, expected) => {
    const three = catalog({
      f: { sources: { zenskar: 'f', paygentic: 'f', chargebee: 'f' }, type: 'boolean' },
    });
    const sources = reasons.map((reason, index) =>
      entitlement((['zenskar', 'paygentic', 'chargebee'] as const)[index] as VendorId, 'f', {
        type: 'boolean',
        hasAccess: false,
        reason,
      }),
    );
    const merged = mergeOne(
      mergeEntitlements({ customerId: 'acme', vendors: vendors(...sources), catalog: three }),
      'f',
    );
    expect(merged).toMatchObject({ hasAccess: false, reason: expected });
  });

  it.each([
    [['boolean', 'numeric'], 'numeric'],
    [['numeric', 'metered'], 'metered'],
    [['config', 'enum'], 'enum'],
    [['boolean', 'config'], 'config'],
    [['enum', 'numeric'], 'numeric'],
  ] as const)('types %j disagree: the higher rank wins (%s)', (types, expected) => {
    const merged = mergeOne(
      mergeEntitlements({
        customerId: 'acme',
        vendors: vendors(
          entitlement('chargebee', 'user-licenses', { type: types[0] }),
          entitlement('paygentic', 'max_users', { type: types[1] }),
        ),
        catalog: seatsSum,
      }),
    );
    expect(merged.type).toBe(expected);
  });

  it('a declared catalogue type settles a disagreement', () => {
    const declared = catalog({
      seats: { sources: { chargebee: 'user-licenses', paygentic: 'max_users' }, type: 'boolean' },
    });
    const merged = mergeOne(
      mergeEntitlements({
        customerId: 'acme',
        vendors: vendors(
          entitlement('chargebee', 'user-licenses', { type: 'numeric', limit: 3, remaining: 3, value: '3' }),
          entitlement('paygentic', 'max_users', { type: 'boolean', value: true }),
        ),
        catalog: declared,
      }),
    );
    expect(merged).toMatchObject({ type: 'boolean', limit: null, remaining: null, value: '3' });
  });

  describe('enum', () => {
    const plan = (levels?: string[]) =>
      catalog({
        plan: {
          sources: { paygentic: 'tier', chargebee: 'plan' },
          type: 'enum',
          ...(levels ? { levels } : {}),
        },
      });

    it('with levels: the highest level granted wins, whatever the precedence', () => {
      const merged = mergeOne(
        mergeEntitlements({
          customerId: 'acme',
          vendors: vendors(
            entitlement('paygentic', 'tier', { type: 'enum', value: 'pro' }),
            entitlement('chargebee', 'plan', { type: 'enum', value: 'Enterprise' }),
          ),
          catalog: plan(['free', 'pro', 'enterprise']),
        }),
        'plan',
      );
      expect(merged.value).toBe('Enterprise');
      // Every vendor's value stays in its grants.
      expect(merged.grants.map((grant) => [grant.vendor, grant.sourceId])).toEqual([
        ['paygentic', 'paygentic-tier'],
        ['chargebee', 'chargebee-plan'],
      ]);
    });

    it('with levels: a value outside the list ranks below every level; a source without access is ignored', () => {
      const merged = mergeOne(
        mergeEntitlements({
          customerId: 'acme',
          vendors: vendors(
            entitlement('paygentic', 'tier', { type: 'enum', value: 'legacy-gold' }),
            entitlement('chargebee', 'plan', { type: 'enum', value: 'free' }),
            entitlement('zenskar', 'plan', {
              type: 'enum',
              value: 'enterprise',
              hasAccess: false,
              reason: 'expired',
            }),
          ),
          catalog: catalog({
            plan: {
              sources: { paygentic: 'tier', chargebee: 'plan', zenskar: 'plan' },
              type: 'enum',
              levels: ['free', 'pro', 'enterprise'],
            },
          }),
        }),
        'plan',
      );
      expect(merged.value).toBe('free');
    });

    it('without levels: the first source in the catalogue order that grants access', () => {
      const merged = mergeOne(
        mergeEntitlements({
          customerId: 'acme',
          vendors: vendors(
            entitlement('chargebee', 'plan', { type: 'enum', value: 'enterprise' }),
            entitlement('paygentic', 'tier', { type: 'enum', value: 'pro' }),
          ),
          catalog: plan(),
        }),
        'plan',
      );
      expect(merged.value).toBe('pro');
      expect(merged.sources?.map((source) => source.vendor)).toEqual(['paygentic', 'chargebee']);
    });
  });

  it('config: the first granting source in precedence order gives config and value; all rows stay in raw', () => {
    const settings = catalog({
      settings: { sources: { zenskar: 'cfg', chargebee: 'cfg', paygentic: 'cfg' }, type: 'config' },
    });
    const merged = mergeOne(
      mergeEntitlements({
        customerId: 'acme',
        vendors: vendors(
          entitlement('zenskar', 'cfg', {
            type: 'config',
            config: { region: 'eu' },
            hasAccess: false,
            reason: 'expired',
          }),
          entitlement('chargebee', 'cfg', { type: 'config', config: { region: 'us' }, value: 'us' }),
          entitlement('paygentic', 'cfg', { type: 'config', config: { region: 'ap' }, value: 'ap' }),
        ),
        catalog: settings,
      }),
      'settings',
    );
    expect(merged).toMatchObject({ config: { region: 'us' }, value: 'us', hasAccess: true });
    expect(merged.raw).toEqual([
      { vendor: 'zenskar', featureKey: 'cfg' },
      { vendor: 'chargebee', featureKey: 'cfg' },
      { vendor: 'paygentic', featureKey: 'cfg' },
    ]);
  });

  it('unmapped vendor features keep their key; the same unmapped key at two vendors is one feature, summed, in vendor order', () => {
    const merged = mergeEntitlements({
      customerId: 'acme',
      vendors: vendors(
        entitlement('chargebee', 'api-calls', { type: 'metered', limit: 100, usage: 10, remaining: 90 }),
        entitlement('zenskar', 'api-calls', { type: 'metered', limit: 50, usage: 5, remaining: 45 }),
        entitlement('chargebee', 'sso', { type: 'boolean', value: true }),
      ),
      catalog: emptyFeatureCatalog,
    });
    expect(merged.map((entry) => entry.featureKey)).toEqual(['api-calls', 'sso']);
    expect(merged[0]).toMatchObject({ limit: 150, usage: 15, remaining: 135, vendor: null });
    expect(merged[0]?.sources?.map((source) => source.vendor)).toEqual(['zenskar', 'chargebee']);
    expect(merged[1]).toMatchObject({ vendor: 'chargebee', featureKey: 'sso' });
  });

  it('collision: an unmapped vendor feature named like an app key is answered as <vendor>:<key>, once each', () => {
    const merged = mergeEntitlements({
      customerId: 'acme',
      vendors: vendors(
        entitlement('chargebee', 'user-licenses', { limit: 3, remaining: 3 }),
        entitlement('chargebee', 'seats', { limit: 1, remaining: 1 }),
        entitlement('zenskar', 'seats', { limit: 2, remaining: 2 }),
      ),
      catalog: seatsSum,
    });
    expect(merged.map((entry) => [entry.featureKey, entry.limit])).toEqual([
      ['chargebee:seats', 1],
      ['seats', 3],
      ['zenskar:seats', 2],
    ]);
  });

  it('window: earliest start and latest end of the counting sources; an open bound stays open', () => {
    const windowed = (from: string | null, to: string | null, hasAccess = true) =>
      ({ activeFrom: from, activeTo: to, hasAccess, reason: hasAccess ? null : 'expired' }) as const;
    const run = (a: Partial<Entitlement>, b: Partial<Entitlement>) =>
      mergeOne(
        mergeEntitlements({
          customerId: 'acme',
          vendors: vendors(
            entitlement('chargebee', 'user-licenses', a),
            entitlement('paygentic', 'max_users', b),
          ),
          catalog: seatsSum,
        }),
      );
    expect(
      run(
        windowed('2026-01-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z'),
        windowed('2025-06-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'),
      ),
    ).toMatchObject({ activeFrom: '2025-06-01T00:00:00.000Z', activeTo: '2027-01-01T00:00:00.000Z' });
    expect(
      run(windowed(null, '2026-06-01T00:00:00.000Z'), windowed('2025-06-01T00:00:00.000Z', null)),
    ).toMatchObject({
      activeFrom: null,
      activeTo: null,
    });
    // The expired source does not widen the window of the granting one.
    expect(
      run(
        windowed('2026-01-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z'),
        windowed('2020-01-01T00:00:00.000Z', '2021-01-01T00:00:00.000Z', false),
      ),
    ).toMatchObject({ activeFrom: '2026-01-01T00:00:00.000Z', activeTo: '2026-06-01T00:00:00.000Z' });
  });

  it('name and unit: first non-null in precedence order; grants, sources and raw in precedence order', () => {
    const merged = mergeOne(
      mergeEntitlements({
        customerId: 'acme',
        vendors: vendors(
          entitlement('paygentic', 'max_users', {
            featureName: 'Max users',
            unit: null,
            limit: 1,
            remaining: 1,
          }),
          entitlement('chargebee', 'user-licenses', {
            featureName: 'User Licenses',
            unit: 'licence',
            limit: 2,
            remaining: 2,
          }),
        ),
        catalog: seatsSum,
      }),
    );
    expect(merged).toMatchObject({ featureName: 'User Licenses', unit: 'licence', customerId: 'acme' });
    expect(merged.sources).toEqual([
      { vendor: 'chargebee', customerId: 'chargebee-customer', featureKey: 'user-licenses' },
      { vendor: 'paygentic', customerId: 'paygentic-customer', featureKey: 'max_users' },
    ]);
    expect(merged.grants.map((grant) => grant.vendor)).toEqual(['chargebee', 'paygentic']);
    expect(sourceEntitlementsOf(merged).map((source) => source.entitlement.featureKey)).toEqual([
      'user-licenses',
      'max_users',
    ]);
  });

  it('sorts by featureKey in code-unit order, one entitlement per key', () => {
    const merged = mergeEntitlements({
      customerId: 'acme',
      vendors: vendors(
        entitlement('chargebee', 'b'),
        entitlement('chargebee', 'B'),
        entitlement('paygentic', 'a'),
        entitlement('paygentic', 'b'),
        entitlement('zenskar', 'é'),
      ),
      catalog: emptyFeatureCatalog,
    });
    expect(merged.map((entry) => entry.featureKey)).toEqual(['B', 'a', 'b', 'é']);
  });
});
