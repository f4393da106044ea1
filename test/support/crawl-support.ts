import { expect } from 'vitest';
import type { ExpectedFeature } from '../../adapters/vendor-test-kit';
import type { EntitlementType } from '../../schemas/entitlement';
import { type EntitlementList, EntitlementListSchema } from '../../schemas/page';
import { ProblemSchema } from '../../schemas/problem';
import { TEST_KEY } from './gateway';

/**
 * Shared helpers of the gateway suites: a request helper that records every status it saw (each
 * suite ends by asserting none was a 5xx), a crawler of the list endpoint that checks the page
 * invariants as it goes, and the checks of a crawl against a vendor oracle (what a customer's feature
 * set must be, computed from the simulator's store or the vendor's own answer, never from the
 * gateway: each vendor's oracle lives in its test kit, adapters/<vendor>/test-kit.ts).
 */

/** Anything that answers requests like a Hono app. */
export interface RequestTarget {
  request: (path: string, init?: RequestInit) => Response | Promise<Response>;
}

/** Every status a suite received, so it can assert that none was a 5xx. */
export class StatusLog {
  readonly seen: Array<{ status: number; path: string }> = [];

  record(status: number, path: string): void {
    this.seen.push({ status, path });
  }

  /** The responses that were server errors (should be none). */
  serverErrors(): Array<{ status: number; path: string }> {
    return this.seen.filter((entry) => entry.status >= 500);
  }
}

/** A parsed response. */
export interface CallResult {
  status: number;
  headers: Headers;
  body: unknown;
}

/** Calls the gateway with a key (the test tenant's by default), records the status and parses the body. */
export async function call(
  app: RequestTarget,
  log: StatusLog,
  path: string,
  init: { method?: string; key?: string | null; headers?: Record<string, string>; body?: unknown } = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { ...init.headers };
  const key = init.key === undefined ? TEST_KEY : init.key;
  if (key !== null) headers['authorization'] = `Bearer ${key}`;
  let body: string | undefined;
  if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] = 'application/json';
  }
  const response = await app.request(path, {
    method: init.method ?? 'GET',
    headers,
    ...(body === undefined ? {} : { body }),
  });
  log.record(response.status, path);
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: kept as text, and the caller's assertions will say so.
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** Asserts a problem response with this status and code, and returns it. */
export function expectProblem(result: CallResult, status: number, code: string) {
  expect(result.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = ProblemSchema.parse(result.body);
  expect({ status: result.status, code: problem.code }).toEqual({ status, code });
  expect(problem.status).toBe(status);
  return problem;
}

/** Code-unit comparison, the order the gateway promises for `featureKey`. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One list page as received. */
export interface CrawledPage {
  cursor: string | null;
  page: EntitlementList;
}

/** The outcome of a crawl. */
export interface Crawl {
  keys: string[];
  pages: CrawledPage[];
  /** Every entitlement, in crawl order. */
  entitlements: EntitlementList['data'];
}

/** The list path of a customer with query parameters (repeated names allowed). */
export function listPath(
  customerId: string,
  params: ReadonlyArray<readonly [string, string]>,
  cursor: string | null = null,
): string {
  const search = new URLSearchParams();
  for (const [name, value] of params) search.append(name, value);
  if (cursor !== null) search.set('cursor', cursor);
  return `/v1/customers/${encodeURIComponent(customerId)}/entitlements?${search.toString()}`;
}

/** Fetches one list page, asserting a 200 that fits the public schema. */
export async function listPage(
  app: RequestTarget,
  log: StatusLog,
  customerId: string,
  params: ReadonlyArray<readonly [string, string]>,
  cursor: string | null,
  headers: Record<string, string> = {},
): Promise<EntitlementList> {
  const result = await call(app, log, listPath(customerId, params, cursor), { headers });
  if (result.status !== 200) {
    throw new Error(`list page answered ${result.status}: ${JSON.stringify(result.body).slice(0, 500)}`);
  }
  // zod-openapi does not validate responses: the test does.
  return EntitlementListSchema.parse(result.body);
}

/**
 * Follows `nextCursor` from the first page to the last with `limit`, checking on every page: at
 * most `limit` items, exactly `limit` when another page follows, the same `totalCount`, and keys
 * strictly increasing in code-unit order across the whole crawl (so no repeat is possible).
 * `between(pageNumber, lastKey)` runs after each page except the last (a refresh, a data change).
 */
export async function crawl(
  app: RequestTarget,
  log: StatusLog,
  customerId: string,
  params: ReadonlyArray<readonly [string, string]>,
  limit: number,
  between?: (pagesSoFar: number) => Promise<void>,
): Promise<Crawl> {
  const pages: CrawledPage[] = [];
  const withLimit = [...params, ['limit', String(limit)] as const];
  let cursor: string | null = null;
  for (;;) {
    const page = await listPage(app, log, customerId, withLimit, cursor);
    pages.push({ cursor, page });
    expect(page.data.length).toBeLessThanOrEqual(limit);
    if (page.nextCursor === null) break;
    expect(page.data.length).toBe(limit);
    expect(pages.length).toBeLessThan(10_000);
    if (between) await between(pages.length);
    cursor = page.nextCursor;
  }
  const entitlements = pages.flatMap(({ page }) => page.data);
  const keys = entitlements.map((entitlement) => entitlement.featureKey);
  for (let index = 1; index < keys.length; index += 1) {
    expect(compareCodeUnits(keys[index - 1] as string, keys[index] as string)).toBe(-1);
  }
  return { keys, pages, entitlements };
}

export type { ExpectedFeature } from '../../adapters/vendor-test-kit';

/** Sorted keys of an oracle's answer that pass a filter. */
export function expectedKeys(
  expected: ReadonlyMap<string, ExpectedFeature>,
  filter: (key: string, feature: ExpectedFeature) => boolean = () => true,
): string[] {
  return [...expected.entries()]
    .filter(([key, feature]) => filter(key, feature))
    .map(([key]) => key)
    .sort(compareCodeUnits);
}

/** Fetches a vendor URL directly (the oracle's view), with the given headers, as JSON. */
export async function vendorJson<T>(url: string, headers: Record<string, string>): Promise<T> {
  const response = await fetch(url, { headers });
  if (response.status !== 200) throw new Error(`vendor answered ${response.status} for ${url}`);
  return (await response.json()) as T;
}

/**
 * Asserts a crawl returned exactly `keys` (once each, in order), each entitlement with the oracle's
 * type and access, for this vendor and customer, and `totalCount` = the number of keys on every page.
 */
export function expectCrawlMatches(
  result: Crawl,
  expected: ReadonlyMap<string, ExpectedFeature>,
  keys: string[],
  owner: { vendor: string; customerId: string },
): void {
  expect(result.keys).toEqual(keys);
  for (const entitlement of result.entitlements) {
    expect({
      key: entitlement.featureKey,
      type: entitlement.type,
      hasAccess: entitlement.hasAccess,
      vendor: entitlement.vendor,
      customerId: entitlement.customerId,
    }).toEqual({ key: entitlement.featureKey, ...expected.get(entitlement.featureKey), ...owner });
  }
  for (const { page } of result.pages) expect(page.totalCount).toBe(keys.length);
}

/** The page sizes every crawl suite runs (1 and 100 are the bounds of `limit`; 7 does not divide a vendor page of 100, 50 does). */
export const CRAWL_LIMITS = [1, 7, 50, 100] as const;

/**
 * Crawls one customer under every filter case at every limit and checks each crawl against the
 * oracle: the same body for every vendor suite, only the vendor, customer and oracle differ.
 */
export async function expectFilteredCrawls(
  app: RequestTarget,
  log: StatusLog,
  vendor: string,
  customerId: string,
  expected: ReadonlyMap<string, ExpectedFeature>,
  allKeys: readonly string[],
  comboType: EntitlementType,
): Promise<void> {
  for (const filter of filterCases(allKeys, comboType)) {
    const keys = expectedKeys(expected, filter.select);
    for (const limit of CRAWL_LIMITS) {
      const result = await crawl(app, log, customerId, [['vendor', vendor], ...filter.params], limit);
      expect({ filter: filter.name, limit, keys: result.keys }).toEqual({ filter: filter.name, limit, keys });
      expectCrawlMatches(result, expected, keys, { vendor, customerId });
    }
  }
}

/** A filter of the list endpoint and the oracle predicate it must select. */
export interface FilterCase {
  name: string;
  params: ReadonlyArray<readonly [string, string]>;
  select: (key: string, feature: ExpectedFeature) => boolean;
}

/**
 * The filter cases every vendor suite runs: `featureKey` repeated (with an unknown key and a
 * duplicate), each `type`, each `hasAccess`, and a combination of all three.
 */
export function filterCases(all: readonly string[], comboType: EntitlementType): FilterCase[] {
  const picked = all.filter((_, index) => index % 9 === 4);
  const pickedSet = new Set(picked);
  const firstHalf = new Set(all.slice(0, Math.ceil(all.length / 2)));
  const types: EntitlementType[] = ['boolean', 'numeric', 'metered', 'enum', 'config'];
  return [
    {
      name: 'featureKey repeated (with an unknown key and a duplicate)',
      params: [...picked, 'no-such-feature', picked[0] ?? 'x'].map((key) => ['featureKey', key] as const),
      select: (key) => pickedSet.has(key),
    },
    ...types.map((type) => ({
      name: `type=${type}`,
      params: [['type', type] as const],
      select: (_key: string, feature: ExpectedFeature) => feature.type === type,
    })),
    { name: 'hasAccess=true', params: [['hasAccess', 'true']], select: (_key, feature) => feature.hasAccess },
    {
      name: 'hasAccess=false',
      params: [['hasAccess', 'false']],
      select: (_key, feature) => !feature.hasAccess,
    },
    {
      name: `type=${comboType} + hasAccess=false + featureKey (first half)`,
      params: [
        ['type', comboType],
        ['hasAccess', 'false'],
        ...[...firstHalf].map((key) => ['featureKey', key] as const),
      ],
      select: (key, feature) => feature.type === comboType && !feature.hasAccess && firstHalf.has(key),
    },
  ];
}
