import { describe, expect, it } from 'vitest';
import { EntitlementSchema } from '../../schemas/entitlement';
import type { CustomerSnapshot } from '../kit';
import { chargebeeDemoFeatures } from './fixtures';
import {
  type ChargebeeSnapshotData,
  normalizeChargebeeSnapshot,
  resolveChargebeeFeatureType,
} from './mapper';
import type {
  ChargebeeCustomerEntitlement,
  ChargebeeFeature,
  ChargebeeSubscriptionEntitlement,
} from './wire';

const AT = new Date('2025-06-01T00:00:00Z');
const atSeconds = AT.getTime() / 1000;
const catalogue: ChargebeeFeature[] = chargebeeDemoFeatures.map((feature) => ({ ...feature }));

function ceRow(
  subscriptionId: string | null,
  featureId: string,
  value: string,
  extra: Partial<ChargebeeCustomerEntitlement> = {},
): ChargebeeCustomerEntitlement {
  return {
    customer_id: 'c1',
    ...(subscriptionId === null ? {} : { subscription_id: subscriptionId }),
    feature_id: featureId,
    value,
    name: value,
    is_enabled: true,
    object: 'customer_entitlement',
    ...extra,
  };
}

function ceSnapshot(
  rows: ChargebeeCustomerEntitlement[],
  features: ChargebeeFeature[] = catalogue,
  consolidated = false,
): CustomerSnapshot<ChargebeeSnapshotData> {
  return {
    vendor: 'chargebee',
    customerId: 'c1',
    fetchedAt: '2025-06-01T00:00:00.000Z',
    evaluatedAt: null,
    data: { source: 'customer_entitlements', consolidated, rows, features },
  };
}

function seRow(featureId: string, value: string, extra: Partial<ChargebeeSubscriptionEntitlement> = {}) {
  return {
    feature_id: featureId,
    value,
    is_overridden: false,
    is_enabled: true,
    object: 'subscription_entitlement',
    ...extra,
  } satisfies ChargebeeSubscriptionEntitlement;
}

function seSnapshot(
  subscriptions: Array<{ id: string; status?: string; rows: ChargebeeSubscriptionEntitlement[] }>,
  features: ChargebeeFeature[] = catalogue,
): CustomerSnapshot<ChargebeeSnapshotData> {
  return {
    vendor: 'chargebee',
    customerId: 'c1',
    fetchedAt: '2025-06-01T00:00:00.000Z',
    evaluatedAt: null,
    data: {
      source: 'subscription_entitlements',
      subscriptions: subscriptions.map((subscription) => ({
        subscription: { id: subscription.id, customer_id: 'c1', status: subscription.status ?? 'active' },
        entitlements: subscription.rows.map((row) => ({ subscription_id: subscription.id, ...row })),
      })),
      features,
    },
  };
}

function only(snapshot: CustomerSnapshot<ChargebeeSnapshotData>, at = AT) {
  const { entitlements } = normalizeChargebeeSnapshot(snapshot, at);
  expect(entitlements).toHaveLength(1);
  const [entitlement] = entitlements;
  if (!entitlement) throw new Error('no entitlement');
  // Every mapped entitlement must satisfy the public contract.
  EntitlementSchema.parse(entitlement);
  return entitlement;
}

describe('Chargebee mapping rules', () => {
  it('rule featureKey: one entitlement per feature_id, sorted by feature key in code-unit order', () => {
    const { entitlements } = normalizeChargebeeSnapshot(
      ceSnapshot([
        ceRow('s1', 'xero-integration', 'true'),
        ceRow('s1', 'Zeta', 'true'),
        ceRow('s1', 'user-licenses', '3'),
        ceRow('s2', 'user-licenses', '10'),
        ceRow('s1', 'api-calls', '5'),
      ]),
      AT,
    );
    // Upper case sorts before lower case in code-unit order.
    expect(entitlements.map((entitlement) => entitlement.featureKey)).toEqual([
      'Zeta',
      'api-calls',
      'user-licenses',
      'xero-integration',
    ]);
    expect(
      entitlements.every(
        (entitlement) => entitlement.vendor === 'chargebee' && entitlement.customerId === 'c1',
      ),
    ).toBe(true);
  });

  it('rule switch: boolean, ANY enabled row with "true" or "available" grants, value true', () => {
    const entitlement = only(
      ceSnapshot([ceRow('s1', 'xero-integration', 'false'), ceRow('s2', 'xero-integration', 'Available')]),
    );
    expect(entitlement).toMatchObject({
      type: 'boolean',
      hasAccess: true,
      reason: null,
      value: true,
      limit: null,
      unlimited: false,
      featureName: 'Xero Integration',
    });
    expect(entitlement.grants.map((grant) => [grant.sourceId, grant.hasAccess, grant.value])).toEqual([
      ['s1', false, false],
      ['s2', true, true],
    ]);
  });

  it('rule switch-off: only "false" rows → hasAccess false, reason not_entitled, value false', () => {
    const entitlement = only(ceSnapshot([ceRow('s1', 'xero-integration', 'false')]));
    expect(entitlement).toMatchObject({
      type: 'boolean',
      hasAccess: false,
      reason: 'not_entitled',
      value: false,
    });
  });

  it('rule quantity-sum: quantity → numeric, values of the rows SUM, remaining = limit, usage null', () => {
    const entitlement = only(
      ceSnapshot([ceRow('s1', 'user-licenses', '3'), ceRow('s2', 'user-licenses', '10')]),
    );
    expect(entitlement).toMatchObject({
      type: 'numeric',
      hasAccess: true,
      reason: null,
      unlimited: false,
      limit: 13,
      usage: null,
      remaining: 13,
      value: '13',
      unit: 'licence',
      featureName: 'User Licenses',
    });
    expect(entitlement.grants.map((grant) => grant.limit)).toEqual([3, 10]);
  });

  it('rule range-sum: range → numeric and sums like quantity', () => {
    const entitlement = only(
      ceSnapshot([ceRow('s1', 'api-calls', '5000'), ceRow('s2', 'api-calls', '2000')]),
    );
    expect(entitlement).toMatchObject({
      type: 'numeric',
      limit: 7000,
      remaining: 7000,
      value: '7000',
      unit: 'call',
    });
  });

  it('rule unlimited-wins: "unlimited" in any case wins over numbers → unlimited, limit and remaining null', () => {
    const entitlement = only(
      ceSnapshot([ceRow('s1', 'storage', '500'), ceRow('s2', 'storage', 'UNLIMITED')]),
    );
    expect(entitlement).toMatchObject({
      type: 'numeric',
      hasAccess: true,
      reason: null,
      unlimited: true,
      limit: null,
      remaining: null,
      value: 'unlimited',
    });
    expect(entitlement.grants.map((grant) => [grant.limit, grant.value])).toEqual([
      [500, '500'],
      [null, 'UNLIMITED'],
    ]);
  });

  it('rule unlimited-level: a value whose catalogue level has is_unlimited counts as unlimited', () => {
    const features: ChargebeeFeature[] = [
      {
        id: 'seats',
        name: 'Seats',
        type: 'quantity',
        levels: [
          { value: '5', level: 1, is_unlimited: false },
          { value: 'No limit', level: 2, is_unlimited: true },
        ],
      },
    ];
    const entitlement = only(
      ceSnapshot([ceRow('s1', 'seats', '5'), ceRow('s2', 'seats', 'no limit')], features),
    );
    expect(entitlement).toMatchObject({
      unlimited: true,
      limit: null,
      remaining: null,
      value: 'unlimited',
      hasAccess: true,
    });
  });

  it('rule quantity-zero: a total of 0 → hasAccess false, reason not_entitled (not limit_exceeded: nothing is metered)', () => {
    const entitlement = only(ceSnapshot([ceRow('s1', 'user-licenses', '0')]));
    expect(entitlement).toMatchObject({
      hasAccess: false,
      reason: 'not_entitled',
      limit: 0,
      remaining: 0,
      value: '0',
    });
  });

  it('rule quantity-unreadable: a value that is neither a number nor unlimited does not count', () => {
    const entitlement = only(
      ceSnapshot([ceRow('s1', 'user-licenses', 'lots'), ceRow('s2', 'user-licenses', '4')]),
    );
    expect(entitlement).toMatchObject({ hasAccess: true, limit: 4, value: '4' });
    expect(entitlement.grants.map((grant) => [grant.hasAccess, grant.limit])).toEqual([
      [false, null],
      [true, 4],
    ]);
  });

  it('rule custom-highest-level: custom → enum, the value with the highest catalogue level wins', () => {
    const entitlement = only(
      ceSnapshot([
        ceRow('s1', 'support-level', 'Chat'),
        ceRow('s2', 'support-level', 'Email'),
        ceRow('s3', 'support-level', 'Calls', { is_enabled: false }),
      ]),
    );
    expect(entitlement).toMatchObject({
      type: 'enum',
      hasAccess: true,
      reason: null,
      value: 'Chat',
      limit: null,
      unlimited: false,
    });
  });

  it('rule custom-unlisted: values missing from the levels rank below listed ones; among them the first wins', () => {
    const listed = only(
      ceSnapshot([ceRow('s1', 'support-level', 'Carrier pigeon'), ceRow('s2', 'support-level', 'Email')]),
    );
    expect(listed.value).toBe('Email');
    const unlisted = only(
      ceSnapshot([ceRow('s1', 'support-level', 'Pigeon'), ceRow('s2', 'support-level', 'Raven')]),
    );
    expect(unlisted.value).toBe('Pigeon');
    // Case differences still find the level (and the catalogue spelling is reported).
    const cased = only(
      ceSnapshot([ceRow('s1', 'support-level', 'calls'), ceRow('s2', 'support-level', 'Chat')]),
    );
    expect(cased.value).toBe('Calls');
  });

  it('rule disabled: rows with is_enabled false never count; all rows disabled → reason disabled', () => {
    const entitlement = only(
      ceSnapshot([
        ceRow('s1', 'user-licenses', '3', { is_enabled: false }),
        ceRow('s2', 'user-licenses', '10', { is_enabled: false }),
      ]),
    );
    expect(entitlement).toMatchObject({ hasAccess: false, reason: 'disabled', limit: null, value: null });
    const partly = only(
      ceSnapshot([
        ceRow('s1', 'user-licenses', '3', { is_enabled: false }),
        ceRow('s2', 'user-licenses', '10'),
      ]),
    );
    expect(partly).toMatchObject({ hasAccess: true, limit: 10 });
    expect(partly.grants.map((grant) => grant.hasAccess)).toEqual([false, true]);
  });

  it('rule enabled-required: a row without is_enabled is not counted (only is_enabled true grants)', () => {
    const entitlement = only(ceSnapshot([ceRow('s1', 'sso', 'true', { is_enabled: null })]));
    expect(entitlement).toMatchObject({ hasAccess: false, reason: 'disabled' });
  });

  it('rule grants: one grant per row, source subscription, sourceId = subscription_id, status null (customer_entitlements does not say)', () => {
    const entitlement = only(
      ceSnapshot([ceRow('s2', 'user-licenses', '10'), ceRow('s1', 'user-licenses', '3')]),
    );
    expect(entitlement.grants).toEqual([
      {
        source: 'subscription',
        sourceId: 's1',
        vendorId: null,
        hasAccess: true,
        limit: 3,
        usage: null,
        value: '3',
        status: null,
        activeFrom: null,
        activeTo: null,
      },
      {
        source: 'subscription',
        sourceId: 's2',
        vendorId: null,
        hasAccess: true,
        limit: 10,
        usage: null,
        value: '10',
        status: null,
        activeFrom: null,
        activeTo: null,
      },
    ]);
  });

  it('rule grant-status: through subscription_entitlements the grant status is the subscription status', () => {
    const entitlement = only(
      seSnapshot([
        { id: 's1', status: 'active', rows: [seRow('user-licenses', '3')] },
        { id: 's2', status: 'non_renewing', rows: [seRow('user-licenses', '10')] },
      ]),
    );
    expect(entitlement.grants.map((grant) => [grant.sourceId, grant.status])).toEqual([
      ['s1', 'active'],
      ['s2', 'non_renewing'],
    ]);
    expect(entitlement.limit).toBe(13);
  });

  it('rule consolidated: a row without subscription_id is a customer grant (source customer, sourceId the customer)', () => {
    const entitlement = only(ceSnapshot([ceRow(null, 'user-licenses', '13')], catalogue, true));
    expect(entitlement.grants).toEqual([
      expect.objectContaining({ source: 'customer', sourceId: 'c1', limit: 13, hasAccess: true }),
    ]);
    expect(entitlement.limit).toBe(13);
  });

  it('rule raw: raw holds the vendor rows exactly as received (unknown fields kept), in grant order', () => {
    const s2 = ceRow('s2', 'user-licenses', '10', {
      some_future_field: { nested: 1 },
    } as Partial<ChargebeeCustomerEntitlement>);
    const s1 = ceRow('s1', 'user-licenses', '3');
    const entitlement = only(ceSnapshot([s2, s1]));
    expect(entitlement.raw).toEqual([s1, s2]);
    expect(entitlement.raw?.[1]).toBe(s2);
  });

  it('rule missing-from-catalogue: the row still maps; type from feature_type, else from the values', () => {
    const fromRowType = only(
      seSnapshot(
        [
          {
            id: 's1',
            rows: [
              seRow('new-thing', '7', {
                feature_type: 'range',
                feature_name: 'New Thing',
                feature_unit: 'widget',
              }),
            ],
          },
        ],
        [],
      ),
    );
    expect(fromRowType).toMatchObject({
      type: 'numeric',
      limit: 7,
      featureName: 'New Thing',
      unit: 'widget',
    });
    const guessedSwitch = only(ceSnapshot([ceRow('s1', 'mystery', 'Available')], []));
    expect(guessedSwitch).toMatchObject({ type: 'boolean', hasAccess: true, featureName: null, unit: null });
    const guessedNumber = only(
      ceSnapshot([ceRow('s1', 'mystery', '4'), ceRow('s2', 'mystery', 'Unlimited')], []),
    );
    expect(guessedNumber).toMatchObject({ type: 'numeric', unlimited: true });
    const guessedEnum = only(ceSnapshot([ceRow('s1', 'mystery', 'Gold')], []));
    expect(guessedEnum).toMatchObject({ type: 'enum', value: 'Gold', hasAccess: true });
  });

  it('rule type-resolution: catalogue type first, then row feature_type, then value heuristics', () => {
    expect(resolveChargebeeFeatureType({ id: 'x', type: 'custom' }, ['switch'], ['true'])).toBe('custom');
    expect(resolveChargebeeFeatureType({ id: 'x', type: 'metered-someday' }, ['range'], ['x'])).toBe('range');
    expect(resolveChargebeeFeatureType(undefined, [null], ['true', 'Not Available'])).toBe('switch');
    expect(resolveChargebeeFeatureType(undefined, [null], ['12', 'unlimited'])).toBe('quantity');
    expect(resolveChargebeeFeatureType(undefined, [null], ['12', 'Gold'])).toBe('custom');
  });

  it('rule override-expiry: a row whose expires_at has passed no longer grants; nothing left → expired', () => {
    const expires = atSeconds - 60;
    const snapshot = seSnapshot([
      {
        id: 's1',
        rows: [
          seRow('support-level', 'Calls', {
            is_overridden: true,
            expires_at: expires,
            schedule_status: 'activated',
          }),
        ],
      },
    ]);
    const entitlement = only(snapshot);
    expect(entitlement).toMatchObject({
      hasAccess: false,
      reason: 'expired',
      value: null,
      activeTo: new Date(expires * 1000).toISOString(),
    });
    expect(entitlement.grants[0]).toMatchObject({
      hasAccess: false,
      activeTo: new Date(expires * 1000).toISOString(),
    });
    // One second before expiry the same snapshot still grants.
    const before = only(snapshot, new Date((expires - 1) * 1000));
    expect(before).toMatchObject({
      hasAccess: true,
      value: 'Calls',
      activeTo: new Date(expires * 1000).toISOString(),
    });
  });

  it('rule override-expiry-partial: an expired override drops out of a sum while the other rows still count', () => {
    const entitlement = only(
      seSnapshot([
        { id: 's1', rows: [seRow('user-licenses', '50', { is_overridden: true, expires_at: atSeconds })] },
        { id: 's2', rows: [seRow('user-licenses', '10')] },
      ]),
    );
    // expires_at == at counts as expired: the boundary belongs to the next period.
    expect(entitlement).toMatchObject({ hasAccess: true, limit: 10, value: '10' });
  });

  it('rule effective-from: a row whose effective_from is in the future does not grant yet → inactive', () => {
    const starts = atSeconds + 3600;
    const entitlement = only(
      seSnapshot([
        {
          id: 's1',
          rows: [seRow('storage', '50', { effective_from: starts, schedule_status: 'scheduled' })],
        },
      ]),
    );
    expect(entitlement).toMatchObject({
      hasAccess: false,
      reason: 'inactive',
      activeFrom: new Date(starts * 1000).toISOString(),
      activeTo: null,
    });
    expect(entitlement.grants[0]?.activeFrom).toBe(new Date(starts * 1000).toISOString());
  });

  it('rule reason-precedence: disabled only when every row is disabled; a scheduled row beats an expired one', () => {
    const entitlement = only(
      seSnapshot([
        { id: 's1', rows: [seRow('sso', 'true', { is_enabled: false })] },
        { id: 's2', rows: [seRow('sso', 'true', { expires_at: atSeconds - 10 })] },
        { id: 's3', rows: [seRow('sso', 'true', { effective_from: atSeconds + 10 })] },
      ]),
    );
    expect(entitlement.reason).toBe('inactive');
    const expiredAndDisabled = only(
      seSnapshot([
        { id: 's1', rows: [seRow('sso', 'true', { is_enabled: false })] },
        { id: 's2', rows: [seRow('sso', 'true', { expires_at: atSeconds - 10 })] },
      ]),
    );
    expect(expiredAndDisabled.reason).toBe('expired');
  });

  it('rule entitlement-window: activeFrom/activeTo come from the granting rows when all of them have one', () => {
    const from = atSeconds - 100;
    const to1 = atSeconds + 100;
    const to2 = atSeconds + 200;
    const bothWindowed = only(
      seSnapshot([
        { id: 's1', rows: [seRow('sso', 'true', { effective_from: from, expires_at: to1 })] },
        { id: 's2', rows: [seRow('sso', 'true', { effective_from: from + 50, expires_at: to2 })] },
      ]),
    );
    expect(bothWindowed.activeFrom).toBe(new Date(from * 1000).toISOString());
    expect(bothWindowed.activeTo).toBe(new Date(to2 * 1000).toISOString());
    const oneOpen = only(
      seSnapshot([
        { id: 's1', rows: [seRow('sso', 'true', { expires_at: to1 })] },
        { id: 's2', rows: [seRow('sso', 'true')] },
      ]),
    );
    expect(oneOpen.activeTo).toBeNull();
    expect(oneOpen.activeFrom).toBeNull();
  });

  it('rule changesAt: the earliest effective_from/expires_at strictly after at, across features; null without windows', () => {
    const snapshot = seSnapshot([
      {
        id: 's1',
        rows: [
          seRow('sso', 'true', { expires_at: atSeconds + 7200 }),
          seRow('storage', '50', { effective_from: atSeconds + 3600 }),
          seRow('api-calls', '10', { expires_at: atSeconds - 5 }),
        ],
      },
    ]);
    expect(normalizeChargebeeSnapshot(snapshot, AT).changesAt).toBe((atSeconds + 3600) * 1000);
    // At the boundary itself the next one is reported (strictly after).
    expect(normalizeChargebeeSnapshot(snapshot, new Date((atSeconds + 3600) * 1000)).changesAt).toBe(
      (atSeconds + 7200) * 1000,
    );
    expect(normalizeChargebeeSnapshot(snapshot, new Date((atSeconds + 7200) * 1000)).changesAt).toBeNull();
    expect(normalizeChargebeeSnapshot(ceSnapshot([ceRow('s1', 'sso', 'true')]), AT).changesAt).toBeNull();
  });

  it('rule no-feature-id: a row without feature_id cannot be keyed and maps to nothing', () => {
    const { entitlements } = normalizeChargebeeSnapshot(
      ceSnapshot([
        ceRow('s1', 'sso', 'true'),
        { customer_id: 'c1', subscription_id: 's1', value: 'true', is_enabled: true },
      ]),
      AT,
    );
    expect(entitlements.map((entitlement) => entitlement.featureKey)).toEqual(['sso']);
  });

  it('rule reason-invariant: hasAccess false ⇔ reason set, for every entitlement of a varied snapshot', () => {
    const { entitlements } = normalizeChargebeeSnapshot(
      seSnapshot([
        {
          id: 's1',
          rows: [
            seRow('sso', 'false'),
            seRow('storage', '0'),
            seRow('user-licenses', 'unlimited'),
            seRow('support-level', 'Chat', { is_enabled: false }),
            seRow('api-calls', '10', { expires_at: atSeconds - 1 }),
            seRow('data-retention', '90 days', { effective_from: atSeconds + 1 }),
            seRow('xero-integration', 'true'),
          ],
        },
      ]),
      AT,
    );
    expect(entitlements).toHaveLength(7);
    for (const entitlement of entitlements) {
      EntitlementSchema.parse(entitlement);
      expect(entitlement.hasAccess ? entitlement.reason === null : entitlement.reason !== null).toBe(true);
      expect(entitlement.raw).toHaveLength(entitlement.grants.length);
    }
    expect(
      Object.fromEntries(entitlements.map((entitlement) => [entitlement.featureKey, entitlement.reason])),
    ).toEqual({
      'api-calls': 'expired',
      'data-retention': 'inactive',
      sso: 'not_entitled',
      storage: 'not_entitled',
      'support-level': 'disabled',
      'user-licenses': null,
      'xero-integration': null,
    });
  });

  it('is pure and deterministic: the same snapshot and instant give equal results and the input is untouched', () => {
    const snapshot = ceSnapshot([ceRow('s2', 'user-licenses', '10'), ceRow('s1', 'user-licenses', '3')]);
    const copy = structuredClone(snapshot);
    const first = normalizeChargebeeSnapshot(snapshot, AT);
    const second = normalizeChargebeeSnapshot(snapshot, AT);
    expect(second).toEqual(first);
    expect(snapshot).toEqual(copy);
  });
});

describe('Chargebee mapping rules: cases the named tests leave open', () => {
  it('rule custom-unlisted (grant order): among unlisted values the first in grant order wins, not the first Chargebee sent', () => {
    // Chargebee sent s2 first; grants are ordered by subscription id, so s1's value is "first".
    const entitlement = only(
      ceSnapshot([ceRow('s2', 'support-level', 'Raven'), ceRow('s1', 'support-level', 'Pigeon')]),
    );
    expect(entitlement.grants.map((grant) => grant.sourceId)).toEqual(['s1', 's2']);
    expect(entitlement.value).toBe('Pigeon');
  });
});
