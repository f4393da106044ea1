import { UpstreamError } from '../kit';

/**
 * Zenskar's cursor pagination as an async iteration of pages. The cursor is the previous page's
 * `next`, passed back verbatim: the docs call it auto-generated and their examples are placeholders,
 * so it is never decoded or built. A missing, null or empty `next` ends the listing.
 */

/** Pages fetched before giving up on one listing: 1,000 pages of 100 rows is 100,000 rows. */
export const ZENSKAR_MAX_PAGES = 1_000;

/** What the paginator needs of one page. */
export interface CursorPage {
  /** The vendor's cursor for the next page, already normalized: null on the last page. */
  next: string | null;
}

/** Options of {@link paginateZenskar}. */
export interface PaginateZenskarOptions {
  /** The operation name for errors and logs. */
  operation: string;
  /** Page cap; default {@link ZENSKAR_MAX_PAGES}. */
  maxPages?: number;
}

/**
 * Yields every page of a Zenskar listing, starting without a cursor. Throws a `vendor_bad_response`
 * `UpstreamError` instead of looping when the vendor hands back a cursor it already gave (the listing
 * would never end and rows would repeat), and when the listing runs past `maxPages`.
 */
export async function* paginateZenskar<P extends CursorPage>(
  fetchPage: (cursor: string | null) => Promise<P>,
  options: PaginateZenskarOptions,
): AsyncGenerator<P, void, undefined> {
  const maxPages = options.maxPages ?? ZENSKAR_MAX_PAGES;
  const seen = new Set<string>();
  let cursor: string | null = null;
  for (let fetched = 0; ; fetched += 1) {
    if (fetched >= maxPages) {
      throw new UpstreamError(
        'vendor_bad_response',
        'zenskar',
        `Zenskar returned more than ${maxPages.toLocaleString('en-US')} pages for one listing; the gateway stops there.`,
        { operation: options.operation, attempts: fetched, vendorMessage: `page cap ${maxPages} reached` },
      );
    }
    const page: P = await fetchPage(cursor);
    yield page;
    if (page.next === null) return;
    if (seen.has(page.next)) {
      throw new UpstreamError(
        'vendor_bad_response',
        'zenskar',
        'Zenskar repeated a pagination cursor; the gateway stopped instead of reading the same pages again.',
        {
          operation: options.operation,
          attempts: fetched + 1,
          vendorMessage: `cursor repeated after page ${fetched + 1}`,
        },
      );
    }
    seen.add(page.next);
    cursor = page.next;
  }
}
