import { getQueryParams } from 'hono/utils/url';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { CheckQuerySchema, ListEntitlementsQuerySchema } from '../../../schemas/query';
import { DECLINE, fastParsers } from '../../../src/routes/fast-validation';

/** What the schema path sees: Hono's query parse, one value as a string and several as an array. */
function schemaParse(schema: z.ZodType, url: string) {
  const queries = getQueryParams(url) as Record<string, string[]>;
  const value = Object.fromEntries(
    Object.entries(queries).map(([key, values]) => [key, values.length === 1 ? values[0] : values]),
  );
  return schema.safeParse(value);
}

/** A seeded generator, so a failure names a query that reproduces. */
function mulberry32(seed: number) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const names = [
  'vendor',
  'requestedUsage',
  'at',
  'limit',
  'cursor',
  'featureKey',
  'type',
  'hasAccess',
  'include',
  'colour',
  'Vendor',
  'vendor%5B%5D',
  '',
];
const values = [
  'chargebee',
  'zenskar',
  'paygentic',
  'stripe',
  'Chargebee',
  '',
  '0',
  '5',
  '050',
  '2.5',
  '1.',
  '.5',
  '-1',
  '1e2',
  '0x10',
  '+5',
  '%205',
  '100',
  '101',
  '1000000',
  '9999999999999999',
  'true',
  'false',
  'TRUE',
  'raw',
  'numeric',
  'metered',
  'gold',
  'user-licenses',
  'a%20b',
  'a+b',
  'x'.repeat(256),
  '2026-01-01T00:00:00Z',
  '2026-01-01t00:00:00z',
  'abc.DEF_ghi~jkl',
];

function randomQuery(random: () => number): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  const count = Math.floor(random() * 4);
  const pairs: string[] = [];
  for (let index = 0; index < count; index++) {
    const shape = random();
    const name = pick(names);
    pairs.push(shape < 0.85 ? `${name}=${pick(values)}` : shape < 0.95 ? name : '');
  }
  return pairs.join('&');
}

const cases = [
  { name: 'check', parser: fastParsers.check, schema: CheckQuerySchema },
  { name: 'list', parser: fastParsers.list, schema: ListEntitlementsQuerySchema },
] as const;

describe('the compiled fast path of query validation', () => {
  for (const { name, parser, schema } of cases) {
    it(`${name}: whatever it accepts, the schema accepts with the same value (generated queries)`, () => {
      const random = mulberry32(16);
      let accepted = 0;
      let declinedValid = 0;
      for (let index = 0; index < 20_000; index++) {
        const query = randomQuery(random);
        const url = `http://127.0.0.1:8080/v1/customers/c1/entitlements?${query}`;
        const fast = parser.query(url);
        const parsed = schemaParse(schema, url);
        if (fast === DECLINE) {
          if (parsed.success) declinedValid += 1;
          continue;
        }
        accepted += 1;
        expect(parsed.success, query).toBe(true);
        expect(fast, query).toEqual(parsed.data);
      }
      // Not vacuous: the generator reaches both sides.
      expect(accepted).toBeGreaterThan(500);
      expect(declinedValid).toBeGreaterThan(0);
    });
  }

  it('accepts the common spellings of the hot requests', () => {
    const base = 'http://127.0.0.1:8080/v1/customers/c1/entitlements';
    expect(fastParsers.check.query(`${base}/user-licenses?vendor=chargebee`)).toEqual({
      vendor: 'chargebee',
    });
    expect(fastParsers.check.query(`${base}/user-licenses?vendor=chargebee&requestedUsage=2.5`)).toEqual({
      vendor: 'chargebee',
      requestedUsage: 2.5,
    });
    expect(fastParsers.check.query(`${base}/user-licenses`)).toEqual({});
    expect(fastParsers.list.query(`${base}?vendor=zenskar&limit=7&cursor=abc.DEF-_`)).toEqual({
      vendor: 'zenskar',
      limit: 7,
      cursor: 'abc.DEF-_',
    });
    expect(fastParsers.list.query(base)).toEqual({ limit: 50 });
  });

  it('declines what the schema must judge: repeated, unknown, encoded, empty or instant parameters', () => {
    const base = 'http://127.0.0.1:8080/v1/customers/c1/entitlements/f';
    for (const query of [
      'vendor=chargebee&vendor=chargebee',
      'colour=blue',
      'vendor=charge%62ee',
      'vendor=chargebee&',
      'vendor',
      'requestedUsage=1e2',
      'at=2026-01-01T00:00:00Z',
    ]) {
      expect(fastParsers.check.query(`${base}?${query}`), query).toBe(DECLINE);
    }
    expect(fastParsers.check.query(`${base}?vendor=chargebee#fragment`)).toBe(DECLINE);
  });
});
