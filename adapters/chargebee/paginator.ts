import type { UpstreamRequest } from '../kit';
import { upstreamError } from '../kit';

/** Chargebee's largest page (`limit` 1–100); fewer round trips against a 150 calls/min test-site budget. */
export const CHARGEBEE_PAGE_LIMIT = 100;

/** The most pages one listing may take before the gateway gives up (100,000 rows at 100 a page). */
export const CHARGEBEE_MAX_PAGES = 1_000;

/** One Chargebee list page: its items and the verbatim `next_offset` (null when absent = last page). */
export interface ChargebeePage<T> {
  items: T[];
  nextOffset: string | null;
}

/** Options of {@link paginateChargebee}. */
export interface ChargebeePaginationOptions {
  /** The listing's first request, named in errors when Chargebee's pagination misbehaves. */
  request: UpstreamRequest;
  /** Page cap; {@link CHARGEBEE_MAX_PAGES} by default. */
  maxPages?: number;
}

/** Turns Chargebee's `next_offset` (string, or a tolerated number) into the token to send back, or null. */
export function nextOffsetOf(value: string | number | null | undefined): string | null {
  // Absent is the documented last-page marker; null and "" are read the same way (sending `offset=`
  // back would only restart the listing).
  if (value === null || value === undefined || value === '') return null;
  return typeof value === 'number' ? String(value) : value;
}

/**
 * Iterates a Chargebee listing page by page. `next_offset` is opaque: it is passed back verbatim as
 * `offset` and never parsed. A token that comes back a second time would loop forever (or repeat
 * rows), so it fails with `vendor_bad_response`, as does a listing longer than the page cap.
 */
export async function* paginateChargebee<T>(
  fetchPage: (offset: string | null) => Promise<ChargebeePage<T>>,
  options: ChargebeePaginationOptions,
): AsyncGenerator<T[], void, undefined> {
  const maxPages = options.maxPages ?? CHARGEBEE_MAX_PAGES;
  const seen = new Set<string>();
  let offset: string | null = null;
  for (let pageNumber = 1; ; pageNumber += 1) {
    const page: ChargebeePage<T> = await fetchPage(offset);
    yield page.items;
    if (page.nextOffset === null) return;
    if (seen.has(page.nextOffset)) {
      throw upstreamError(
        'vendor_bad_response',
        options.request,
        { attempts: 1 },
        new Error(`Chargebee returned a next_offset it had already returned (page ${pageNumber})`),
      );
    }
    if (pageNumber >= maxPages) {
      throw upstreamError(
        'vendor_bad_response',
        options.request,
        { attempts: 1 },
        new Error(`Chargebee listing did not end within ${maxPages} pages`),
      );
    }
    seen.add(page.nextOffset);
    offset = page.nextOffset;
  }
}

/** Collects every item of a Chargebee listing, in order. */
export async function collectChargebee<T>(
  fetchPage: (offset: string | null) => Promise<ChargebeePage<T>>,
  options: ChargebeePaginationOptions,
): Promise<T[]> {
  const items: T[] = [];
  for await (const page of paginateChargebee(fetchPage, options)) items.push(...page);
  return items;
}

/**
 * Runs `task` over `items` with at most `limit` in flight, keeping results in input order. The first
 * failure rejects the whole run and no new task starts after it.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next;
      next += 1;
      try {
        results[index] = await task(items[index] as T, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
