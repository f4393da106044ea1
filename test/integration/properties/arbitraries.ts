import fc from 'fast-check';
import { vendorIds } from '../../../schemas/entitlement';
import {
  knownCustomers,
  knownFeatureKeys,
  type PropertyRequest,
  type PropertyWorld,
  type TenantName,
} from './property-fixture';
import type { GeneratedRequest } from './route-property';

/**
 * fast-check arbitraries of hostile and plausible input for every route: ids and feature keys
 * (unicode, lone surrogates, very long, path traversal, encoded slashes), query strings (duplicates,
 * unknown parameters, huge limits, bad `at`), cursors (random, truncated, the other tenant's real
 * ones), headers (the other tenant's key, malformed `Authorization`, odd content types, request ids)
 * and bodies (malformed JSON, deep nesting, huge arrays). Only valid HTTP header ByteStrings are made:
 * bytes a `Request` cannot carry are the raw-HTTP fuzz suite's job.
 */

/** A path segment as it goes into the URL: pre-encoded hostile forms, or raw text the URL parser encodes. */
export const pathSegment: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...vendorIds.flatMap((vendor) => knownCustomers[vendor])) },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      '',
      '.',
      '..',
      '%2e%2e',
      '..%2F..%2Fetc%2Fpasswd',
      'a%2Fb',
      'a%5Cb',
      '%2F',
      'a%00b',
      'a%0D%0Ab',
      '%',
      '%zz',
      '%ff%fe',
      '%ED%A0%80',
      '%C0%AF',
      '__proto__',
      'constructor',
      'c1;v=1',
      'a+b%20c',
      '%3F%23%26%3D',
      'C1',
      'cus_demoacme',
    ),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }).map(encodeURIComponent) },
  // Lone surrogates cannot go through encodeURIComponent: the URL parser turns them into U+FFFD.
  {
    weight: 1,
    arbitrary: fc.string({ unit: 'binary', maxLength: 12 }).map((text) => text.replace(/[/?#%]/g, '_')),
  },
  { weight: 1, arbitrary: fc.integer({ min: 200, max: 12_000 }).map((length) => 'x'.repeat(length)) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/) },
);

/** A feature key segment: the demo data's keys, the other tenant's marked keys, and hostile text. */
export const featureSegment: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...knownFeatureKeys) },
  { weight: 3, arbitrary: pathSegment },
);

/** A value for a known query parameter: plausible most of the time, hostile otherwise. */
const hostileValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    'NaN',
    'Infinity',
    '-1',
    '0',
    '1e3',
    '0x10',
    '%207',
    '007',
    '1.5',
    '9'.repeat(40),
    '99999999999',
    'true',
    'null',
    '%5B%5D',
    '%7B%7D',
    '%00',
    '%ff',
    '%E2%80%AE',
    'v'.repeat(5000),
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
    '2026-02-30T00:00:00Z',
    '2026-01-01T23:59:60Z',
    'yesterday',
    '2026-01-01',
    '2026-01-01T00:00:00%2B23:59',
    '-271821-04-20T00:00:00Z',
  ),
  fc.string({ unit: 'grapheme', maxLength: 30 }).map(encodeURIComponent),
);

const plausibleValues: Record<string, readonly string[]> = {
  vendor: [...vendorIds, 'stripe', 'CHARGEBEE', '%63hargebee'],
  limit: ['1', '2', '50', '100', '101', '1000000', '-5'],
  type: ['boolean', 'numeric', 'metered', 'enum', 'config'],
  hasAccess: ['true', 'false'],
  at: ['2026-01-01T00:00:00Z', '2024-03-05T12:00:00%2B02:00'],
  include: ['raw'],
  requestedUsage: ['0', '5', '1000000'],
  featureKey: knownFeatureKeys,
  sort: ['id', 'createdAt', 'quantity', '-id'],
  order: ['asc', 'desc'],
  populate: ['customer', 'customer,contract', 'invoice,product'],
  'quantity[gte]': ['0', '10'],
  'usage[lt]': ['5.5'],
  'remaining[eq]': ['3'],
  'createdAt[gt]': ['2020-01-01T00:00:00Z'],
  'expiresAt[lte]': ['2099-01-01T00:00:00Z'],
  search: ['seat'],
  customerId: vendorIds.flatMap((vendor) => knownCustomers[vendor]),
  featureId: ['user-licenses', 'seats'],
  contractId: ['contract_1'],
};

const hostileParameterNames = [
  '__proto__',
  'constructor',
  'toString',
  'vendor[]',
  'limit[0]',
  'a[b][c]',
  '',
  '%00',
  '%C3%BC',
  'x'.repeat(2000),
  'unknown',
];

/**
 * A cursor: a real one of the requesting tenant or of the other tenant, a truncated or altered real
 * one, or random text.
 */
export function cursorValue(
  world: PropertyWorld,
): fc.Arbitrary<{ value: string; issuedTo: TenantName | null }> {
  const real = (tenant: TenantName) =>
    fc
      .constantFrom(...world.tenants[tenant].cursors)
      .map(({ cursor }) => ({ value: cursor, issuedTo: tenant }));
  const altered = fc
    .tuple(
      fc.constantFrom(
        ...[...world.tenants.a.cursors, ...world.tenants.b.cursors].map(({ cursor }) => cursor),
      ),
      fc.nat(),
      fc.boolean(),
    )
    .map(([cursor, cut, flip]) => {
      const at = cut % Math.max(1, cursor.length);
      const value = flip
        ? `${cursor.slice(0, at)}${cursor[at] === 'A' ? 'B' : 'A'}${cursor.slice(at + 1)}`
        : cursor.slice(0, at);
      // Truncated or with one character changed: issued to nobody.
      return { value: encodeURIComponent(value), issuedTo: null };
    });
  const random = fc
    .oneof(fc.base64String({ maxLength: 80 }), fc.string({ maxLength: 60 }), fc.constant('a.b.c'))
    .map((value) => ({ value: encodeURIComponent(value), issuedTo: null }));
  return fc.oneof(real('a'), real('b'), altered, random);
}

/** A query string for a route that knows `parameters`: known names, hostile names, repeats, cursors. */
export function queryString(
  world: PropertyWorld,
  parameters: readonly string[],
  options: { cursor?: boolean; vendor?: boolean } = {},
): fc.Arbitrary<{ query: string; cursors: Array<TenantName | null> }> {
  const pair: fc.Arbitrary<{ pair: string; cursor: TenantName | null | undefined }> = fc.oneof(
    {
      weight: parameters.length === 0 ? 0 : 6,
      arbitrary: fc
        .tuple(
          fc.constantFrom(...(parameters.length === 0 ? ['x'] : parameters)),
          fc.integer({ min: 0, max: 9 }),
          hostileValue,
        )
        .map(([name, roll, hostile]) => {
          const plausible = plausibleValues[name];
          const value =
            plausible !== undefined && roll < 7 ? (plausible[roll % plausible.length] ?? '') : hostile;
          return { pair: `${name.replace('[', '%5B').replace(']', '%5D')}=${value}`, cursor: undefined };
        }),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...hostileParameterNames), hostileValue)
        .map(([name, value]) => ({ pair: `${name}=${value}`, cursor: undefined })),
    },
    {
      weight: options.cursor ? 3 : 0,
      arbitrary: cursorValue(world).map((cursor) => ({
        pair: `cursor=${cursor.value}`,
        cursor: cursor.issuedTo,
      })),
    },
  );
  return fc
    .tuple(
      // Most requests name a valid vendor, so that they get past validation to the vendor code.
      options.vendor ? fc.option(fc.constantFrom(...vendorIds), { freq: 6 }) : fc.constant(null),
      fc.array(pair, { maxLength: 6 }),
      fc.boolean(),
      fc.constantFrom('', '', '', '&&', '=', 'novalue', '&=&'),
    )
    .map(([vendor, pairs, repeatFirst, stray]) => {
      const parts = [...(vendor === null ? [] : [`vendor=${vendor}`]), ...pairs.map((entry) => entry.pair)];
      // A repeated parameter (vendor=a&vendor=b, cursor twice) must be a 400, never a crash.
      if (repeatFirst && parts[0] !== undefined) parts.push(parts[0]);
      if (stray) parts.push(stray);
      return {
        query: parts.length === 0 ? '' : `?${parts.join('&')}`,
        cursors: pairs.flatMap((entry) => (entry.cursor === undefined ? [] : [entry.cursor])),
      };
    });
}

/** Who the request claims to be: a tenant's key (mostly), or a malformed/foreign `Authorization`. */
export function authorization(
  world: PropertyWorld,
): fc.Arbitrary<{ header: string | null; as: TenantName | null }> {
  const keyA = world.tenants.a.apiKey;
  const keyB = world.tenants.b.apiKey;
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant({ header: `Bearer ${keyA}`, as: 'a' as const }) },
    { weight: 3, arbitrary: fc.constant({ header: `Bearer ${keyB}`, as: 'b' as const }) },
    // The scheme is case-insensitive and spaces around the token are tolerated (RFC 7235).
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        { header: `bearer ${keyA}`, as: 'a' as const },
        { header: `BEARER ${keyB}`, as: 'b' as const },
        { header: `Bearer    ${keyA}   `, as: 'a' as const },
      ),
    },
    {
      weight: 3,
      arbitrary: fc
        .constantFrom(
          null,
          '',
          'Bearer',
          'Bearer ',
          `Basic ${Buffer.from(`${keyA}:`).toString('base64')}`,
          `Bearer ${keyA} Bearer ${keyB}`,
          `Bearer ${keyA},Bearer ${keyB}`,
          `Bearer ${keyA}x`,
          `Bearer ${keyB.slice(0, -1)}`,
          'Bearer not-a-configured-gateway-key',
          `Bearer ${'k'.repeat(9000)}`,
          `Token ${keyA}`,
        )
        // A header carrying a key in a form the gateway does not accept identifies nobody.
        .map((header) => ({ header, as: null })),
    },
    {
      weight: 1,
      arbitrary: fc
        .string({
          unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
          maxLength: 60,
        })
        .map((text) => ({ header: `Bearer ${text}`, as: null })),
    },
  );
}

/** Other headers: request ids, cache directives, content types (latin-1 only: ByteStrings). */
export const extraHeaders: fc.Arbitrary<Array<[string, string]>> = fc
  .tuple(
    fc.option(
      fc.oneof(
        fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/),
        fc.constantFrom('r'.repeat(129), 'a b', '', '../../etc/passwd', '<script>', 'req-\u00e9'),
      ),
    ),
    fc.option(
      fc.constantFrom(
        'no-cache',
        'NO-CACHE',
        'no-cache="x"',
        'max-age=0',
        'no-store',
        ',,,',
        'no-cache,'.repeat(300),
      ),
    ),
    fc.option(fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-16', ';;;')),
    fc.option(fc.constantFrom('*/*', 'text/html', 'application/xml', 'application/problem+json', '')),
  )
  .map(([requestId, cacheControl, contentType, accept]) => {
    const headers: Array<[string, string]> = [];
    if (requestId !== null) headers.push(['x-request-id', requestId]);
    if (cacheControl !== null) headers.push(['cache-control', cacheControl]);
    if (contentType !== null) headers.push(['content-type', contentType]);
    if (accept !== null) headers.push(['accept', accept]);
    return headers;
  });

/** Content types for request bodies. */
export const bodyContentType: fc.Arbitrary<string | null> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      null,
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/vnd.api+json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      ';;;',
      'application/json, text/plain',
      'application/json; charset=utf-16',
    ),
  },
);

const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** A batch item: valid for a demo customer, or garbage. */
const batchItem: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record(
      {
        customerId: fc.oneof(
          fc.constantFrom(...vendorIds.flatMap((vendor) => knownCustomers[vendor])),
          fc.string(),
        ),
        vendor: fc.constantFrom(...vendorIds, 'stripe', ''),
        featureKey: fc.oneof(fc.constantFrom(...knownFeatureKeys), fc.string({ maxLength: 300 })),
        requestedUsage: fc.oneof(fc.nat(), fc.double(), fc.constant(-1)),
      },
      { requiredKeys: ['customerId', 'featureKey'] },
    ),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** JSON and non-JSON bodies for the batch route. */
export const batchBody: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.array(batchItem, { maxLength: 8 }).map((checks) => JSON.stringify({ checks })) },
  {
    weight: 1,
    arbitrary: fc
      .array(batchItem, { minLength: 95, maxLength: 130 })
      .map((checks) => JSON.stringify({ checks })),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)) },
  { weight: 2, arbitrary: malformedBody() },
);

/** Bodies that are not what any route accepts: broken JSON, deep nesting, huge arrays, pollution. */
export function malformedBody(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(
      '',
      'hello',
      '{',
      '{"checks":',
      "{'checks':[]}",
      'checks=1',
      'null',
      'true',
      '"x"',
      '[]',
      '{}',
      JSON.stringify({ checks: [] }).replace('[]', `[${nested(5000)}]`),
      `${'['.repeat(50_000)}${']'.repeat(50_000)}`,
      JSON.stringify({ checks: [{ customerId: 'x'.repeat(1_100_000), featureKey: 'f' }] }),
      JSON.stringify({
        checks: Array.from({ length: 10_000 }, () => ({ customerId: 'c1', featureKey: 'f' })),
      }),
      '{"__proto__":{"polluted":"yes"},"checks":[{"customerId":"c1","vendor":"chargebee","featureKey":"x"}]}',
      '{"constructor":{"prototype":{"polluted":"yes"}}}',
      '{"checks":[{"customerId":"c1","featureKey":"x"}],"checks":"nope"}',
      '\ufeff{"checks":[{"customerId":"c1","vendor":"chargebee","featureKey":"x"}]}',
      '{"checks":[{"customerId":"c1","vendor":"chargebee","featureKey":"x","requestedUsage":1e999}]}',
    ),
    fc.string({ unit: 'binary', maxLength: 200 }),
  );
}

/** Methods: mostly the route's own. */
export const method = (own: string): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 8, arbitrary: fc.constant(own) },
    { weight: 2, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS') },
  );

/** Assembles a request; `contentType` replaces any content type among the extra headers. */
export function assemble(parts: {
  method: string;
  target: string;
  auth: { header: string | null; as: TenantName | null };
  extra: Array<[string, string]>;
  body?: string;
  contentType?: string | null;
}): PropertyRequest {
  const headers: Array<[string, string]> = parts.extra.filter(
    ([name]) => parts.contentType === undefined || name !== 'content-type',
  );
  if (parts.auth.header !== null) headers.push(['authorization', parts.auth.header]);
  if (parts.contentType) headers.push(['content-type', parts.contentType]);
  const hasBody = parts.body !== undefined && parts.method !== 'GET' && parts.method !== 'HEAD';
  return {
    method: parts.method,
    target: parts.target,
    headers,
    ...(hasBody ? { body: parts.body } : {}),
    as: parts.auth.as,
  };
}

/** A vendor and one of its demo customers: requests that should get past validation. */
export const knownVendorCustomer: fc.Arbitrary<{ vendor: string; id: string }> = fc
  .constantFrom(...vendorIds)
  .chain((vendor) => fc.constantFrom(...knownCustomers[vendor]).map((id) => ({ vendor, id })));

/** A query of plausible values only (a valid vendor first), for the well-formed half of the cases. */
export function plausibleQuery(vendor: string, parameters: readonly string[]): fc.Arbitrary<string> {
  const pairs = parameters.flatMap((name) =>
    (plausibleValues[name] ?? [])
      .filter((value) => name !== 'limit' || (Number(value) >= 1 && Number(value) <= 100))
      .map((value) => `${name.replace('[', '%5B').replace(']', '%5D')}=${value}`),
  );
  return fc
    .uniqueArray(fc.constantFrom(...(pairs.length === 0 ? [''] : pairs)), {
      maxLength: 2,
      selector: (pair) => pair.split('=')[0],
    })
    .map((chosen) => `?${[`vendor=${vendor}`, ...chosen.filter(Boolean)].join('&')}`);
}

/**
 * The next page of a real list: a cursor issued to either tenant, sent by either tenant, for the
 * customer and vendor it was issued for (same ids at both tenants: the sharpest isolation case).
 */
export function nextPage(
  world: PropertyWorld,
): fc.Arbitrary<{ target: string; issuedTo: TenantName; as: TenantName }> {
  return fc
    .tuple(fc.constantFrom('a' as const, 'b' as const), fc.constantFrom('a' as const, 'b' as const))
    .chain(([issuedTo, as]) =>
      fc.constantFrom(...world.tenants[issuedTo].cursors).map(({ cursor, vendor, customerId }) => ({
        target: `/v1/customers/${encodeURIComponent(customerId)}/entitlements?vendor=${vendor}&limit=1&cursor=${encodeURIComponent(cursor)}`,
        issuedTo,
        as,
      })),
    );
}

/** The query parameters of the list route. */
export const listParameters = ['limit', 'featureKey', 'type', 'hasAccess', 'at', 'include'] as const;

/**
 * Hostile list requests: any method (mostly GET), ids from `ids`, hostile queries with cursors (the
 * other tenant's real ones among them), any key, odd headers.
 */
export function hostileListRequests(
  world: PropertyWorld,
  ids: fc.Arbitrary<string>,
): fc.Arbitrary<GeneratedRequest> {
  return fc
    .record({
      method: method('GET'),
      id: ids,
      query: queryString(world, listParameters, { cursor: true, vendor: true }),
      auth: authorization(world),
      extra: extraHeaders,
    })
    .map(({ method, id, query, auth, extra }) => ({
      ...assemble({ method, target: `/v1/customers/${id}/entitlements${query.query}`, auth, extra }),
      cursors: query.cursors,
    }));
}

/** Hostile check requests: as {@link hostileListRequests}, with feature keys from `features`. */
export function hostileCheckRequests(
  world: PropertyWorld,
  ids: fc.Arbitrary<string>,
  features: fc.Arbitrary<string>,
): fc.Arbitrary<GeneratedRequest> {
  return fc
    .record({
      method: method('GET'),
      id: ids,
      feature: features,
      query: queryString(world, ['at', 'requestedUsage'], { vendor: true }),
      auth: authorization(world),
      extra: extraHeaders,
    })
    .map(({ method, id, feature, query, auth, extra }) => ({
      ...assemble({
        method,
        target: `/v1/customers/${id}/entitlements/${feature}${query.query}`,
        auth,
        extra,
      }),
      cursors: query.cursors,
    }));
}
