import { describe, expect, it } from 'vitest';
import {
  emptyFeatureCatalog,
  featureKeyFor,
  parseFeatureCatalog,
  parseFeatureCatalogJson,
  vendorKeyFor,
} from '../../../src/services/feature-catalog';

const options = { variable: 'FEATURE_CATALOG' };

describe('feature catalogue validation', () => {
  it('accepts a catalogue and keeps the written source order as precedence, with defaults applied', () => {
    const { catalog, problems } = parseFeatureCatalog(
      {
        seats: { sources: { paygentic: 'max_users', chargebee: 'user-licenses' } },
        plan: {
          sources: { chargebee: 'plan-tier' },
          type: 'enum',
          levels: ['free', 'pro'],
          name: 'Plan',
          merge: 'max',
        },
      },
      options,
    );
    expect(problems).toEqual([]);
    const seats = catalog?.entries.get('seats');
    expect(seats).toEqual({
      key: 'seats',
      sources: [
        { vendor: 'paygentic', featureKey: 'max_users' },
        { vendor: 'chargebee', featureKey: 'user-licenses' },
      ],
      merge: 'sum',
      type: null,
      levels: null,
      name: null,
      fallback: null,
    });
    expect(catalog?.entries.get('plan')).toMatchObject({
      merge: 'max',
      type: 'enum',
      levels: ['free', 'pro'],
      name: 'Plan',
    });
    expect(catalog?.appKeyOf('chargebee', 'user-licenses')).toBe('seats');
    expect(catalog?.appKeyOf('paygentic', 'user-licenses')).toBeUndefined();
    expect(catalog?.vendorKeyOf('seats', 'paygentic')).toBe('max_users');
  });

  it('names the entry and vendor of an unknown vendor', () => {
    const { catalog, problems } = parseFeatureCatalog({ seats: { sources: { recurly: 'seats' } } }, options);
    expect(catalog).toBeNull();
    expect(problems).toEqual([
      expect.stringMatching(/^FEATURE_CATALOG\.seats\.sources\.recurly: unknown vendor/),
    ]);
  });

  it('refuses a vendor the tenant is not connected to, naming the tenant path', () => {
    const { problems } = parseFeatureCatalog(
      { seats: { sources: { zenskar: 'f-1', chargebee: 'user-licenses' } } },
      { variable: 'GATEWAY_CONFIG.tenants.0.features', vendors: ['chargebee'] },
    );
    expect(problems).toEqual([
      'GATEWAY_CONFIG.tenants.0.features.seats.sources.zenskar: this tenant has no zenskar connection (connected: chargebee)',
    ]);
  });

  it('takes a per-feature fallback policy: deny, allow, problem or a static value', () => {
    const { catalog, problems } = parseFeatureCatalog(
      {
        seats: { sources: { chargebee: 'user-licenses' }, fallback: { hasAccess: true, limit: 5 } },
        sso: { sources: { chargebee: 'sso' }, fallback: 'allow' },
        audit: { sources: { chargebee: 'audit' }, fallback: 'problem' },
        plan: { sources: { chargebee: 'plan' }, fallback: { hasAccess: true, value: 'pro' } },
      },
      options,
    );
    expect(problems).toEqual([]);
    expect(
      Object.fromEntries([...(catalog?.entries ?? [])].map(([key, entry]) => [key, entry.fallback])),
    ).toEqual({
      seats: { hasAccess: true, limit: 5 },
      sso: 'allow',
      audit: 'problem',
      plan: { hasAccess: true, value: 'pro' },
    });
  });

  it('refuses one vendor feature mapped by two app features, naming both', () => {
    const { problems } = parseFeatureCatalog(
      {
        seats: { sources: { chargebee: 'user-licenses' } },
        users: { sources: { paygentic: 'max_users', chargebee: 'user-licenses' } },
      },
      options,
    );
    expect(problems).toEqual([
      'FEATURE_CATALOG.users.sources.chargebee: the chargebee feature "user-licenses" is already mapped by "seats"; a vendor feature belongs to one app feature',
    ]);
  });

  it('allows the same vendor key at two different vendors and a swapped mapping', () => {
    const { problems } = parseFeatureCatalog(
      {
        seats: { sources: { chargebee: 'users', paygentic: 'users' } },
        users: { sources: { chargebee: 'seats' } },
      },
      options,
    );
    expect(problems).toEqual([]);
  });

  it.each([
    [
      { 'a:b': { sources: { chargebee: 'x' } } },
      /FEATURE_CATALOG\.a:b: an app feature key is 1-255 characters without ":"/,
    ],
    [{ '': { sources: { chargebee: 'x' } } }, /FEATURE_CATALOG\.: an app feature key/],
    [{ seats: { sources: {} } }, /FEATURE_CATALOG\.seats\.sources: must map at least one vendor feature/],
    [
      { seats: { sources: { chargebee: '' } } },
      /FEATURE_CATALOG\.seats\.sources\.chargebee: must not be empty/,
    ],
    [{ seats: { sources: { chargebee: 'x' }, merge: 'avg' } }, /FEATURE_CATALOG\.seats\.merge/],
    [{ seats: { sources: { chargebee: 'x' }, type: 'quantity' } }, /FEATURE_CATALOG\.seats\.type/],
    [{ seats: { sources: { chargebee: 'x' }, extra: 1 } }, /FEATURE_CATALOG\.seats/],
    [
      { seats: { sources: { chargebee: 'x' }, levels: ['a', 'a'] } },
      /FEATURE_CATALOG\.seats\.levels: lists a level twice/,
    ],
    [{ seats: { sources: { chargebee: 'x' }, fallback: 'maybe' } }, /FEATURE_CATALOG\.seats\.fallback/],
    [
      { seats: { sources: { chargebee: 'x' }, fallback: { hasAccess: true, limit: -1 } } },
      /FEATURE_CATALOG\.seats\.fallback/,
    ],
    [[], /FEATURE_CATALOG/],
  ])('refuses a malformed catalogue %#', (input, message) => {
    const { catalog, problems } = parseFeatureCatalog(input, options);
    expect(catalog).toBeNull();
    expect(problems.join('\n')).toMatch(message);
  });

  it('reports JSON that does not parse without echoing it', () => {
    expect(parseFeatureCatalogJson('{"seats": secret', options).problems).toEqual([
      'FEATURE_CATALOG: is not valid JSON',
    ]);
  });
});

describe('feature keys (the collision rule)', () => {
  const { catalog } = parseFeatureCatalog(
    { seats: { sources: { chargebee: 'user-licenses', paygentic: 'max_users' } } },
    options,
  );
  if (catalog === null) throw new Error('catalogue');

  it('answers a mapped vendor feature under its app key', () => {
    expect(featureKeyFor(catalog, 'chargebee', 'user-licenses')).toBe('seats');
    expect(featureKeyFor(catalog, 'paygentic', 'max_users')).toBe('seats');
  });

  it('keeps the key of an unmapped vendor feature', () => {
    expect(featureKeyFor(catalog, 'zenskar', 'api-calls')).toBe('api-calls');
    expect(featureKeyFor(emptyFeatureCatalog, 'chargebee', 'user-licenses')).toBe('user-licenses');
  });

  it('qualifies an unmapped vendor feature whose key is an app key with its vendor', () => {
    expect(featureKeyFor(catalog, 'zenskar', 'seats')).toBe('zenskar:seats');
    expect(featureKeyFor(catalog, 'chargebee', 'seats')).toBe('chargebee:seats');
  });
});

describe('the vendor key answered under an app key (the inverse, for merged fallbacks)', () => {
  const { catalog } = parseFeatureCatalog(
    { seats: { sources: { chargebee: 'user-licenses', paygentic: 'max_users' } } },
    options,
  );
  if (catalog === null) throw new Error('catalogue');

  it('is the mapped key at a listed vendor, and none at a vendor the entry does not list', () => {
    expect(vendorKeyFor(catalog, 'chargebee', 'seats')).toBe('user-licenses');
    expect(vendorKeyFor(catalog, 'paygentic', 'seats')).toBe('max_users');
    expect(vendorKeyFor(catalog, 'zenskar', 'seats')).toBeUndefined();
  });

  it('is the key itself outside the catalogue, unless that vendor key is known by an app key', () => {
    expect(vendorKeyFor(catalog, 'zenskar', 'api-calls')).toBe('api-calls');
    expect(vendorKeyFor(catalog, 'chargebee', 'user-licenses')).toBeUndefined();
    expect(vendorKeyFor(emptyFeatureCatalog, 'chargebee', 'user-licenses')).toBe('user-licenses');
  });

  it('undoes the collision spelling', () => {
    expect(vendorKeyFor(catalog, 'zenskar', 'zenskar:seats')).toBe('seats');
  });

  it('inverts featureKeyFor wherever it answers', () => {
    for (const vendor of ['chargebee', 'paygentic', 'zenskar'] as const)
      for (const appKey of ['seats', 'api-calls', 'user-licenses', 'zenskar:seats', 'chargebee:seats']) {
        const vendorKey = vendorKeyFor(catalog, vendor, appKey);
        if (vendorKey !== undefined) expect(featureKeyFor(catalog, vendor, vendorKey)).toBe(appKey);
      }
  });
});
