import { describe, expect, it } from 'vitest';
import { EntitlementSchema } from '../../schemas/entitlement';
import type { CustomerSnapshot } from '../kit';
import {
  mapPaygenticGrant,
  normalizePaygenticSnapshot,
  type PaygenticSnapshotData,
  paygenticChangesAt,
} from './mapper';
import { type PaygenticEntitlementRow, paygenticEntitlementRowSchema } from './wire';

// One row per mapping rule of docs/mapping.md (Paygentic); every test name below is listed there.

const fetchedAt = '2026-06-01T12:00:00.000Z';
const fetchedAtDate = new Date(fetchedAt);

function row(overrides: Partial<PaygenticEntitlementRow> & Pick<PaygenticEntitlementRow, 'entitlementId'>) {
  return {
    hasAccess: true,
    featureKey: 'sso_enabled',
    featureType: 'boolean',
    config: null,
    productId: 'prod_main',
    activeFrom: '2024-01-01T00:00:00Z',
    activeTo: null,
    status: 'active',
    ...overrides,
  } satisfies PaygenticEntitlementRow;
}

function snapshot(
  rows: PaygenticEntitlementRow[],
  evaluatedAt: string | null = null,
): CustomerSnapshot<PaygenticSnapshotData> {
  return { vendor: 'paygentic', customerId: 'cus_test', fetchedAt, evaluatedAt, data: { rows } };
}

function normalizeOne(
  rows: PaygenticEntitlementRow[],
  at = fetchedAtDate,
  evaluatedAt: string | null = null,
) {
  const { entitlements } = normalizePaygenticSnapshot(snapshot(rows, evaluatedAt), at);
  expect(entitlements).toHaveLength(1);
  const [entitlement] = entitlements;
  if (!entitlement) throw new Error('no entitlement');
  // Every mapped entitlement must satisfy the public schema, raw included.
  EntitlementSchema.parse(entitlement);
  return entitlement;
}

describe('paygentic mapper: grouping and identity', () => {
  it('groups rows by featureKey into one entitlement each, sorted by code unit', () => {
    const rows = [
      row({ entitlementId: 'ent_1', featureKey: 'b-feature' }),
      row({ entitlementId: 'ent_2', featureKey: 'B-feature' }),
      row({ entitlementId: 'ent_3', featureKey: 'a-feature' }),
      row({ entitlementId: 'ent_4', featureKey: 'b-feature', productId: 'prod_other' }),
      row({ entitlementId: 'ent_5', featureKey: '_underscore' }),
    ];
    const { entitlements } = normalizePaygenticSnapshot(snapshot(rows), fetchedAtDate);
    // Code-unit order: uppercase (0x42) < underscore (0x5f) < lowercase (0x61); not localeCompare.
    expect(entitlements.map((entitlement) => entitlement.featureKey)).toEqual([
      'B-feature',
      '_underscore',
      'a-feature',
      'b-feature',
    ]);
    const combined = entitlements.find((entitlement) => entitlement.featureKey === 'b-feature');
    expect(combined?.grants.map((grant) => grant.vendorId)).toEqual(['ent_1', 'ent_4']);
    expect(entitlements.every((entitlement) => entitlement.vendor === 'paygentic')).toBe(true);
    expect(entitlements.every((entitlement) => entitlement.customerId === 'cus_test')).toBe(true);
  });

  it('featureName and unit are null (Paygentic rows carry none)', () => {
    const entitlement = normalizeOne([row({ entitlementId: 'ent_1', featureKey: 'max_users' })]);
    expect(entitlement.featureName).toBeNull();
    expect(entitlement.unit).toBeNull();
  });

  it('unlimited is always false (Paygentic has no unlimited marker)', () => {
    const entitlement = normalizeOne([
      row({ entitlementId: 'ent_1', featureType: 'static', config: { limit: 1_000_000_000 } }),
    ]);
    expect(entitlement.unlimited).toBe(false);
    expect(entitlement.limit).toBe(1_000_000_000);
  });
});

describe('paygentic mapper: types and quantities', () => {
  it('boolean row → type boolean with no quantities', () => {
    const entitlement = normalizeOne([row({ entitlementId: 'ent_1' })]);
    expect(entitlement).toMatchObject({
      type: 'boolean',
      hasAccess: true,
      reason: null,
      limit: null,
      usage: null,
      remaining: null,
      value: null,
      config: null,
    });
  });

  it('static row with a numeric config.limit → numeric: limit, remaining and value = config.limit', () => {
    const entitlement = normalizeOne([
      row({ entitlementId: 'ent_1', featureKey: 'max_users', featureType: 'static', config: { limit: 25 } }),
    ]);
    expect(entitlement).toMatchObject({
      type: 'numeric',
      limit: 25,
      remaining: 25,
      usage: null,
      value: 25,
      config: { limit: 25 },
    });
  });

  it('static row without a numeric limit → config, config = the row config', () => {
    const config = { limitGB: 500, allowedFileTypes: ['pdf', 'csv'] };
    const stringLimit = normalizeOne([
      row({ entitlementId: 'ent_2', featureType: 'static', config: { limit: '25' } }),
    ]);
    const entitlement = normalizeOne([row({ entitlementId: 'ent_1', featureType: 'static', config })]);
    expect(entitlement).toMatchObject({ type: 'config', config, limit: null, remaining: null, value: null });
    // A limit that is not a JSON number is not invented into one.
    expect(stringLimit).toMatchObject({ type: 'config', limit: null, config: { limit: '25' } });
  });

  it('static row with config null → config with config null', () => {
    const entitlement = normalizeOne([row({ entitlementId: 'ent_1', featureType: 'static', config: null })]);
    expect(entitlement).toMatchObject({ type: 'config', config: null, limit: null });
  });

  it('several numeric rows with access → limit is the largest, not the sum', () => {
    const entitlement = normalizeOne([
      row({ entitlementId: 'ent_1', featureType: 'static', config: { limit: 25 } }),
      row({ entitlementId: 'ent_2', featureType: 'static', config: { limit: 50 }, productId: 'prod_addon' }),
      row({ entitlementId: 'ent_3', featureType: 'static', config: { limit: 10 }, productId: 'prod_old' }),
    ]);
    expect(entitlement).toMatchObject({ type: 'numeric', limit: 50, remaining: 50, value: 50 });
  });

  it('numeric rows without access do not raise the limit of rows with access', () => {
    const entitlement = normalizeOne([
      row({ entitlementId: 'ent_1', featureType: 'static', config: { limit: 25 } }),
      row({
        entitlementId: 'ent_2',
        featureType: 'static',
        config: { limit: 500 },
        hasAccess: false,
        status: 'canceled',
      }),
    ]);
    expect(entitlement).toMatchObject({ hasAccess: true, limit: 25 });
  });

  it('metered row → metered: remaining = balance, usage = usageInPeriod, limit = balance + usageInPeriod', () => {
    const entitlement = normalizeOne([
      row({ entitlementId: 'ent_1', featureType: 'metered', balance: 8_500, usageInPeriod: 1_500 }),
    ]);
    expect(entitlement).toMatchObject({
      type: 'metered',
      remaining: 8_500,
      usage: 1_500,
      limit: 10_000,
      value: null,
      config: null,
    });
  });

  it('metered row missing balance or usageInPeriod → the unknown figures and limit are null', () => {
    const noUsage = normalizeOne([row({ entitlementId: 'ent_1', featureType: 'metered', balance: 40 })]);
    expect(noUsage).toMatchObject({ type: 'metered', remaining: 40, usage: null, limit: null });
    const noBalance = normalizeOne([
      row({ entitlementId: 'ent_2', featureType: 'metered', balance: null, usageInPeriod: 3 }),
    ]);
    expect(noBalance).toMatchObject({ remaining: null, usage: 3, limit: null });
  });

  it('several metered rows with access → balances, usages and limits are summed', () => {
    const entitlement = normalizeOne([
      row({ entitlementId: 'ent_1', featureType: 'metered', balance: 100, usageInPeriod: 20 }),
      row({
        entitlementId: 'ent_2',
        featureType: 'metered',
        balance: 5,
        usageInPeriod: 15,
        productId: 'prod_b',
      }),
      // No access: its pool is not available, so it does not add to what remains.
      row({
        entitlementId: 'ent_3',
        featureType: 'metered',
        balance: 0,
        usageInPeriod: 900,
        hasAccess: false,
        productId: 'prod_c',
      }),
    ]);
    expect(entitlement).toMatchObject({ type: 'metered', remaining: 105, usage: 35, limit: 140 });
  });

  it('primary row (first with access) decides type and config', () => {
    const entitlement = normalizeOne([
      row({
        entitlementId: 'ent_1',
        featureType: 'static',
        config: { limit: 5 },
        hasAccess: false,
        status: 'expired',
      }),
      row({ entitlementId: 'ent_2', featureType: 'static', config: { tier: 'gold' } }),
      row({ entitlementId: 'ent_3', featureType: 'static', config: { tier: 'silver' } }),
    ]);
    expect(entitlement).toMatchObject({ type: 'config', config: { tier: 'gold' }, hasAccess: true });
  });

  it('with no row with access, the first row is primary', () => {
    const entitlement = normalizeOne([
      row({
        entitlementId: 'ent_1',
        featureType: 'static',
        config: { limit: 5 },
        hasAccess: false,
        status: 'canceled',
      }),
      row({ entitlementId: 'ent_2', featureType: 'boolean', hasAccess: false, status: 'canceled' }),
    ]);
    expect(entitlement).toMatchObject({ type: 'numeric', limit: 5, config: { limit: 5 }, hasAccess: false });
  });

  it('unknown featureType → config-like when it has a config object, boolean otherwise', () => {
    const withConfig = normalizeOne([
      row({ entitlementId: 'ent_1', featureType: 'credits', config: { limit: 12 } }),
    ]);
    expect(withConfig).toMatchObject({ type: 'numeric', limit: 12 });
    const withoutConfig = normalizeOne([
      row({ entitlementId: 'ent_2', featureType: 'tiered', config: null }),
    ]);
    expect(withoutConfig).toMatchObject({ type: 'boolean', limit: null, hasAccess: true });
  });
});

describe('paygentic mapper: access and reasons', () => {
  it("hasAccess is any row's hasAccess (Paygentic's answer is authoritative)", () => {
    const anyRow = normalizeOne([
      row({ entitlementId: 'ent_1', hasAccess: false, status: 'canceled' }),
      row({ entitlementId: 'ent_2', hasAccess: true, productId: 'prod_b' }),
    ]);
    expect(anyRow).toMatchObject({ hasAccess: true, reason: null });
    // Not recomputed: an open, active window the vendor denies stays denied…
    const denied = normalizeOne([row({ entitlementId: 'ent_3', hasAccess: false })]);
    expect(denied).toMatchObject({ hasAccess: false, reason: 'not_entitled' });
    // …and a soft-limited metered row at zero balance the vendor allows stays allowed.
    const soft = normalizeOne([
      row({
        entitlementId: 'ent_4',
        featureType: 'metered',
        balance: 0,
        usageInPeriod: 1_200,
        hasAccess: true,
      }),
    ]);
    expect(soft).toMatchObject({ hasAccess: true, reason: null, remaining: 0 });
  });

  it('reason disabled: status canceled', () => {
    const entitlement = normalizeOne([row({ entitlementId: 'ent_1', hasAccess: false, status: 'canceled' })]);
    expect(entitlement).toMatchObject({ hasAccess: false, reason: 'disabled' });
  });

  it('reason expired: status expired, or activeTo reached at the evaluation instant', () => {
    const byStatus = normalizeOne([row({ entitlementId: 'ent_1', hasAccess: false, status: 'expired' })]);
    expect(byStatus.reason).toBe('expired');
    const byWindow = normalizeOne([
      row({ entitlementId: 'ent_2', hasAccess: false, status: 'active', activeTo: '2026-06-01T12:00:00Z' }),
    ]);
    expect(byWindow.reason).toBe('expired');
  });

  it('reason inactive: activeFrom after the instant Paygentic evaluated (evaluatedAt, else fetchedAt)', () => {
    const rows = [row({ entitlementId: 'ent_1', hasAccess: false, activeFrom: '2026-07-01T00:00:00Z' })];
    expect(normalizeOne(rows).reason).toBe('inactive');
    // Evaluated by Paygentic at an `at` after the start: the denial is not about the window.
    expect(normalizeOne(rows, fetchedAtDate, '2026-08-01T00:00:00Z').reason).toBe('not_entitled');
    // The `at` normalize is called with does not re-judge the vendor's answer.
    expect(normalizeOne(rows, new Date('2026-09-01T00:00:00Z')).reason).toBe('inactive');
  });

  it('reason limit_exceeded: metered row with balance <= 0', () => {
    const zero = normalizeOne([
      row({
        entitlementId: 'ent_1',
        featureType: 'metered',
        hasAccess: false,
        balance: 0,
        usageInPeriod: 500,
      }),
    ]);
    expect(zero).toMatchObject({ hasAccess: false, reason: 'limit_exceeded', remaining: 0, limit: 500 });
    const negative = normalizeOne([
      row({
        entitlementId: 'ent_2',
        featureType: 'metered',
        hasAccess: false,
        balance: -3,
        usageInPeriod: 3,
      }),
    ]);
    expect(negative.reason).toBe('limit_exceeded');
  });

  it('reason not_entitled: denied for no reason the row shows', () => {
    const entitlement = normalizeOne([
      row({
        entitlementId: 'ent_1',
        featureType: 'metered',
        hasAccess: false,
        balance: 10,
        usageInPeriod: 0,
      }),
    ]);
    expect(entitlement.reason).toBe('not_entitled');
  });

  it('several denied rows → the reason nearest to access wins (limit_exceeded > inactive > expired > disabled)', () => {
    const canceled = row({ entitlementId: 'ent_1', hasAccess: false, status: 'canceled' });
    const expired = row({ entitlementId: 'ent_2', hasAccess: false, status: 'expired' });
    const future = row({ entitlementId: 'ent_3', hasAccess: false, activeFrom: '2027-01-01T00:00:00Z' });
    const usedUp = row({
      entitlementId: 'ent_4',
      featureType: 'metered',
      hasAccess: false,
      balance: 0,
      usageInPeriod: 10,
    });
    expect(normalizeOne([canceled, expired]).reason).toBe('expired');
    expect(normalizeOne([canceled, expired, future]).reason).toBe('inactive');
    expect(normalizeOne([canceled, future, usedUp]).reason).toBe('limit_exceeded');
    // Order of the rows does not matter.
    expect(normalizeOne([expired, canceled]).reason).toBe('expired');
  });
});

describe('paygentic mapper: grants, window, raw', () => {
  it('grant per row: source product_entitlement, sourceId = productId, vendorId = entitlementId', () => {
    const entitlement = normalizeOne([
      row({
        entitlementId: 'ent_seats',
        featureType: 'static',
        config: { limit: 25 },
        productId: 'prod_growth',
        activeTo: '2027-01-01T00:00:00Z',
      }),
      row({
        entitlementId: 'ent_metered',
        featureType: 'metered',
        balance: 7,
        usageInPeriod: 3,
        productId: 'prod_addon',
        hasAccess: false,
        status: 'canceled',
      }),
      row({ entitlementId: 'ent_flag', featureType: 'boolean', productId: null }),
    ]);
    expect(entitlement.grants).toEqual([
      {
        source: 'product_entitlement',
        sourceId: 'prod_growth',
        vendorId: 'ent_seats',
        hasAccess: true,
        limit: 25,
        usage: null,
        value: 25,
        status: 'active',
        activeFrom: '2024-01-01T00:00:00Z',
        activeTo: '2027-01-01T00:00:00Z',
      },
      {
        source: 'product_entitlement',
        sourceId: 'prod_addon',
        vendorId: 'ent_metered',
        hasAccess: false,
        limit: 10,
        usage: 3,
        value: null,
        status: 'canceled',
        activeFrom: '2024-01-01T00:00:00Z',
        activeTo: null,
      },
      {
        source: 'product_entitlement',
        sourceId: null,
        vendorId: 'ent_flag',
        hasAccess: true,
        limit: null,
        usage: null,
        value: null,
        status: 'active',
        activeFrom: '2024-01-01T00:00:00Z',
        activeTo: null,
      },
    ]);
  });

  it('window: earliest activeFrom, activeTo null when any contributing row is open-ended, else the latest', () => {
    const bounded = normalizeOne([
      row({ entitlementId: 'ent_1', activeFrom: '2024-05-01T00:00:00Z', activeTo: '2026-12-31T00:00:00Z' }),
      row({
        entitlementId: 'ent_2',
        activeFrom: '2024-02-01T00:00:00+02:00',
        activeTo: '2027-03-01T00:00:00Z',
      }),
    ]);
    expect(bounded).toMatchObject({
      activeFrom: '2024-02-01T00:00:00+02:00',
      activeTo: '2027-03-01T00:00:00Z',
    });
    const open = normalizeOne([
      row({ entitlementId: 'ent_3', activeTo: '2026-12-31T00:00:00Z' }),
      row({ entitlementId: 'ent_4', activeTo: null }),
    ]);
    expect(open.activeTo).toBeNull();
    // A denied row's window does not stretch the window of the access that exists.
    const mixed = normalizeOne([
      row({ entitlementId: 'ent_5', activeTo: '2026-12-31T00:00:00Z' }),
      row({
        entitlementId: 'ent_6',
        hasAccess: false,
        status: 'canceled',
        activeFrom: '2020-01-01T00:00:00Z',
      }),
    ]);
    expect(mixed).toMatchObject({ activeFrom: '2024-01-01T00:00:00Z', activeTo: '2026-12-31T00:00:00Z' });
  });

  it('raw = the rows behind the entitlement as received, unknown keys included, in vendor order', () => {
    const first = row({
      entitlementId: 'ent_1',
      featureType: 'metered',
      balance: 1,
      usageInPeriod: 2,
      overage: 0,
      currentPeriodEnd: '2026-07-01T00:00:00Z',
    });
    const second = row({ entitlementId: 'ent_2', featureType: 'metered', balance: 3, usageInPeriod: 4 });
    const other = row({ entitlementId: 'ent_3', featureKey: 'other' });
    const { entitlements } = normalizePaygenticSnapshot(snapshot([first, other, second]), fetchedAtDate);
    const sso = entitlements.find((entitlement) => entitlement.featureKey === 'sso_enabled');
    expect(sso?.raw).toEqual([first, second]);
    expect(entitlements.find((entitlement) => entitlement.featureKey === 'other')?.raw).toEqual([other]);
  });

  it('mapPaygenticGrant never reads another row (pure, per row)', () => {
    const single = row({ entitlementId: 'ent_1', featureType: 'static', config: { limit: 3 } });
    expect(mapPaygenticGrant(single)).toMatchObject({ limit: 3, value: 3, vendorId: 'ent_1' });
  });
});

describe('paygentic mapper: changesAt and purity', () => {
  it('changesAt = earliest activeFrom/activeTo strictly after at, else null', () => {
    const rows = [
      row({ entitlementId: 'ent_1', activeFrom: '2024-01-01T00:00:00Z', activeTo: '2026-09-01T00:00:00Z' }),
      row({ entitlementId: 'ent_2', featureKey: 'x', activeFrom: '2026-07-01T00:00:00+02:00' }),
      row({ entitlementId: 'ent_3', featureKey: 'y', activeFrom: '2026-06-01T12:00:00.000Z' }),
      row({ entitlementId: 'ent_4', featureKey: 'z', activeFrom: 'not a date' }),
    ];
    const { changesAt } = normalizePaygenticSnapshot(snapshot(rows), fetchedAtDate);
    // 2026-06-01T12:00Z equals `at`: not strictly after. 2026-07-01T00:00+02:00 = 2026-06-30T22:00Z.
    expect(changesAt).toBe(Date.parse('2026-06-30T22:00:00Z'));
    expect(paygenticChangesAt(rows, Date.parse('2026-08-01T00:00:00Z'))).toBe(
      Date.parse('2026-09-01T00:00:00Z'),
    );
    expect(paygenticChangesAt(rows, Date.parse('2026-09-01T00:00:00Z'))).toBeNull();
    expect(normalizePaygenticSnapshot(snapshot([]), fetchedAtDate)).toEqual({
      entitlements: [],
      changesAt: null,
    });
  });

  it('is deterministic and leaves the snapshot untouched', () => {
    const rows = [
      row({ entitlementId: 'ent_1', featureKey: 'b', featureType: 'static', config: { limit: 2 } }),
      row({ entitlementId: 'ent_2', featureKey: 'a', hasAccess: false, status: 'canceled' }),
    ];
    const input = snapshot(rows);
    const before = structuredClone(input);
    const first = normalizePaygenticSnapshot(input, fetchedAtDate);
    const second = normalizePaygenticSnapshot(input, fetchedAtDate);
    expect(second).toEqual(first);
    expect(input).toEqual(before);
    // Results do not share arrays with the snapshot: the service may strip or edit them.
    first.entitlements[0]?.raw?.pop();
    expect(input.data.rows).toHaveLength(2);
  });
});

describe('paygentic mapper: cases the named tests leave open', () => {
  it('unlimited is false for every feature type, with or without access', () => {
    const { entitlements } = normalizePaygenticSnapshot(
      snapshot([
        row({ entitlementId: 'ent_1', featureKey: 'a', featureType: 'boolean' }),
        row({
          entitlementId: 'ent_2',
          featureKey: 'b',
          featureType: 'metered',
          balance: 1e12,
          usageInPeriod: 0,
        }),
        row({
          entitlementId: 'ent_3',
          featureKey: 'c',
          featureType: 'static',
          config: { limit: 'unlimited' },
        }),
        row({ entitlementId: 'ent_4', featureKey: 'd', hasAccess: false, status: 'canceled' }),
      ]),
      fetchedAtDate,
    );
    expect(entitlements.map((entitlement) => entitlement.unlimited)).toEqual([false, false, false, false]);
  });

  it('with no row with access, quantities come from every row of the primary kind (largest static limit, summed metered figures)', () => {
    const numeric = normalizeOne([
      row({
        entitlementId: 'ent_1',
        featureType: 'static',
        config: { limit: 5 },
        hasAccess: false,
        status: 'canceled',
      }),
      row({
        entitlementId: 'ent_2',
        featureType: 'static',
        config: { limit: 8 },
        hasAccess: false,
        status: 'expired',
      }),
      // Another kind: not counted.
      row({
        entitlementId: 'ent_3',
        featureType: 'metered',
        balance: 100,
        usageInPeriod: 0,
        hasAccess: false,
      }),
    ]);
    expect(numeric).toMatchObject({ type: 'numeric', hasAccess: false, limit: 8, remaining: 8 });
    const metered = normalizeOne([
      row({
        entitlementId: 'ent_4',
        featureType: 'metered',
        balance: 0,
        usageInPeriod: 30,
        hasAccess: false,
      }),
      row({
        entitlementId: 'ent_5',
        featureType: 'metered',
        balance: 0,
        usageInPeriod: 20,
        hasAccess: false,
      }),
    ]);
    expect(metered).toMatchObject({ type: 'metered', hasAccess: false, remaining: 0, usage: 50, limit: 50 });
  });

  it('each grant of a combined entitlement equals mapPaygenticGrant of its row alone', () => {
    const rows = [
      row({ entitlementId: 'ent_1', featureType: 'static', config: { limit: 5 } }),
      row({ entitlementId: 'ent_2', featureType: 'static', config: { limit: 50 }, productId: 'prod_b' }),
      row({ entitlementId: 'ent_3', featureType: 'metered', balance: 2, usageInPeriod: 1, hasAccess: false }),
    ];
    const entitlement = normalizeOne(rows);
    expect(entitlement.grants).toEqual(rows.map((single) => mapPaygenticGrant(single)));
    // The combined limit (50) did not leak into the 5-seat grant.
    expect(entitlement.grants[0]).toMatchObject({ limit: 5, value: 5 });
  });
});

describe('paygentic wire tolerance', () => {
  it('reads a metered balance and usage sent as decimal strings as the same numbers', () => {
    const parsed = paygenticEntitlementRowSchema().parse(
      row({
        entitlementId: 'ent_metered',
        featureKey: 'api_calls',
        featureType: 'metered',
        balance: ' 40 ' as never,
        usageInPeriod: '2.5' as never,
      }),
    );
    expect(parsed).toMatchObject({ balance: 40, usageInPeriod: 2.5 });
    expect(normalizeOne([parsed])).toMatchObject({ type: 'metered', remaining: 40, usage: 2.5, limit: 42.5 });
    expect(
      paygenticEntitlementRowSchema().safeParse(row({ entitlementId: 'ent_bad', balance: '4O' as never }))
        .success,
    ).toBe(false);
  });
});
