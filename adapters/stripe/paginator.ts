/**
 * Stripe's keyset pagination: the next page is the same query with `starting_after=<id of the last
 * row>`, and the listing ends when a page says `has_more: false`. Pages depend on each other, so
 * they are read one after the other.
 *
 * A listing that cannot end is refused instead of followed: a page with `has_more: true` but no rows
 * (there is no id to continue after, and asking again would return the same page), a row id seen
 * before (Stripe's keyset never repeats a row; a repeated last id would also repeat the cursor and
 * loop), and a listing longer than `maxPages`.
 */

/** Pages read before giving up on one customer: 1,000 pages of 100 rows is 100,000 entitlements. */
export const stripeMaxPages = 1_000;

/** What the paginator needs of one page. */
export interface KeysetPage<Row> {
  data: readonly Row[];
  has_more: boolean;
}

/** Options of {@link collectKeysetRows}. */
export interface CollectKeysetRowsOptions<Row> {
  /** A row's object id, the keyset cursor. */
  rowId: (row: Row) => string;
  /** Page cap; default {@link stripeMaxPages}. */
  maxPages?: number;
  /** The error to throw when the listing is inconsistent (the adapter makes it `vendor_bad_response`). */
  invalid: (message: string) => Error;
}

/**
 * Reads every page, starting without a cursor, and returns the rows in listing order, each once.
 * `fetchPage` is given the cursor of the page to read (null for the first).
 */
export async function collectKeysetRows<Row>(
  fetchPage: (startingAfter: string | null) => Promise<KeysetPage<Row>>,
  options: CollectKeysetRowsOptions<Row>,
): Promise<Row[]> {
  const maxPages = options.maxPages ?? stripeMaxPages;
  const rows: Row[] = [];
  const seenIds = new Set<string>();
  let startingAfter: string | null = null;
  for (let pages = 0; ; pages += 1) {
    if (pages >= maxPages) {
      throw options.invalid(
        `more than ${maxPages.toLocaleString('en-US')} pages for one customer; the gateway stops there`,
      );
    }
    const page: KeysetPage<Row> = await fetchPage(startingAfter);
    for (const row of page.data) {
      const id = options.rowId(row);
      if (seenIds.has(id)) throw options.invalid(`row ${id} listed twice (page ${pages + 1})`);
      seenIds.add(id);
      rows.push(row);
    }
    if (!page.has_more) return rows;
    const last = page.data.at(-1);
    if (last === undefined) {
      throw options.invalid(`page ${pages + 1} has has_more true but no rows to continue after`);
    }
    startingAfter = options.rowId(last);
  }
}
