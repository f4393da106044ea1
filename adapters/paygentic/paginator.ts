/**
 * Paygentic's `limit`/`offset`/`total` pagination, read concurrently.
 *
 * Page 1 (offset 0) tells how many rows there are; every other page's offset is then known, so the
 * rest are fetched at once under a concurrency bound and handed out in offset order. Offset
 * pagination is not snapshot-stable (rows inserted or deleted between two page reads shift the
 * others), so the reader is defensive: it fills a gap a short page leaves, follows a total that grew,
 * de-duplicates rows by id, and stops with an error instead of looping or guessing when the vendor's
 * answers cannot be reconciled.
 */

/** One page as served. */
export interface OffsetPage<TRow> {
  /** The offset asked for. */
  offset: number;
  /** The limit asked for. */
  limit: number;
  rows: TRow[];
  /** The vendor's `pagination.total` on this page. */
  total: number;
  /** The vendor's echo of the offset it served (`pagination.offset`), when it sent one. */
  echoedOffset: number | null;
}

/** Fetches one page; `signal` aborts it when a sibling failed or the caller gave up. */
export type FetchOffsetPage<TRow> = (
  offset: number,
  limit: number,
  signal: AbortSignal,
) => Promise<OffsetPage<TRow>>;

/** How to read the pages. */
export interface OffsetPaginationOptions {
  /** `limit` of every request. */
  pageSize: number;
  /** Most page requests in flight at once (≥ 1). */
  concurrency: number;
  /** Most page requests in one crawl; more throws instead of crawling on. */
  maxPages: number;
  signal?: AbortSignal | undefined;
  /**
   * Builds the error thrown when the vendor's pagination cannot be trusted (an empty page before
   * `total`, an offset asked twice, a page other than the one asked for, too many pages). The message
   * is the gateway's own wording, with numbers only.
   */
  invalid(message: string): Error;
}

/** A FIFO counting semaphore: at most `size` holders at once. */
function createSemaphore(size: number) {
  let holders = 0;
  const waiting: Array<() => void> = [];
  return {
    async acquire(): Promise<void> {
      if (holders < size) {
        holders += 1;
        return;
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    },
    release(): void {
      const next = waiting.shift();
      // Hand the slot straight to the next waiter so a late `acquire` cannot overtake it.
      if (next) next();
      else holders -= 1;
    },
  };
}

/**
 * Yields every page of a listing in offset order: offset 0 first, then the rest fetched concurrently
 * (at most `concurrency` requests in flight), then, if the vendor's `total` grew meanwhile, follow-up
 * pages one by one. Stopping the iteration early aborts whatever is still in flight.
 */
export async function* iterateOffsetPages<TRow>(
  fetchPage: FetchOffsetPage<TRow>,
  options: OffsetPaginationOptions,
): AsyncGenerator<OffsetPage<TRow>, void, undefined> {
  const { pageSize, maxPages, invalid } = options;
  if (!Number.isInteger(pageSize) || pageSize < 1)
    throw new RangeError('pageSize must be a positive integer');
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new RangeError('concurrency must be a positive integer');
  }
  const internal = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, internal.signal]) : internal.signal;
  const semaphore = createSemaphore(options.concurrency);
  const requestedOffsets = new Set<number>();
  // The first failure wins: siblings aborted because of it fail too, and must not mask it.
  let failure: { error: unknown } | null = null;

  const request = (offset: number, limit: number): Promise<OffsetPage<TRow>> => {
    // Offsets only ever move forward, so asking one twice means the reconciliation went wrong: fail
    // rather than loop.
    if (requestedOffsets.has(offset)) throw invalid(`The gateway would have read offset ${offset} twice.`);
    if (requestedOffsets.size >= maxPages) {
      throw invalid(`The listing needs more than ${maxPages} pages; the gateway stops there.`);
    }
    requestedOffsets.add(offset);
    const page = (async () => {
      await semaphore.acquire();
      try {
        signal.throwIfAborted();
        const served = await fetchPage(offset, limit, signal);
        if (served.echoedOffset !== null && served.echoedOffset !== offset) {
          throw invalid(`Asked for offset ${offset}, the vendor served offset ${served.echoedOffset}.`);
        }
        return served;
      } finally {
        semaphore.release();
      }
    })();
    // Pages started ahead of the reader may fail while it waits on an earlier one: record the first
    // failure, stop the others, and keep the rejection handled.
    page.catch((error: unknown) => {
      if (failure === null) {
        failure = { error };
        internal.abort();
      }
    });
    return page;
  };

  const settle = async (page: Promise<OffsetPage<TRow>>): Promise<OffsetPage<TRow>> => {
    try {
      return await page;
    } catch (error) {
      throw failure === null ? error : failure.error;
    }
  };

  const emptyBeforeTotal = (page: OffsetPage<TRow>) =>
    invalid(
      `The vendor served an empty page at offset ${page.offset} although it reported ${page.total} rows.`,
    );

  try {
    const first = await settle(request(0, pageSize));
    yield first;
    let total = first.total;
    // `covered`: every offset below it has been served.
    let covered = first.rows.length;
    if (covered === 0) {
      if (total > 0) throw emptyBeforeTotal(first);
      return;
    }
    if (covered >= total) return;

    // A first page shorter than asked, with more rows to come, means the vendor caps its page size
    // below ours: step by what it serves, or every page would skip rows.
    const stride = Math.min(pageSize, covered);
    const plannedOffsets: number[] = [];
    for (let offset = covered; offset < total; offset += stride) plannedOffsets.push(offset);
    if (1 + plannedOffsets.length > maxPages) {
      throw invalid(
        `The listing reports ${total} rows, more than ${maxPages} pages; the gateway stops there.`,
      );
    }
    const planned = plannedOffsets.map((offset) => ({ offset, page: request(offset, pageSize) }));

    for (const { offset, page: pending } of planned) {
      // A short page before `total` leaves a hole below the next planned offset: fill it.
      while (covered < offset && covered < total) {
        const gap = await settle(request(covered, Math.min(pageSize, offset - covered)));
        yield gap;
        total = gap.total;
        if (gap.rows.length === 0) {
          if (covered < gap.total) throw emptyBeforeTotal(gap);
          break;
        }
        covered += gap.rows.length;
      }
      const page = await settle(pending);
      yield page;
      total = page.total;
      if (page.rows.length === 0) {
        if (offset < page.total) throw emptyBeforeTotal(page);
        // The listing shrank while it was read: nothing lies beyond.
        return;
      }
      covered = Math.max(covered, offset + page.rows.length);
    }

    // The listing grew while it was read: follow it page by page.
    while (covered < total) {
      const page = await settle(request(covered, pageSize));
      yield page;
      total = page.total;
      if (page.rows.length === 0) {
        if (covered < page.total) throw emptyBeforeTotal(page);
        return;
      }
      covered += page.rows.length;
    }
  } finally {
    // Early return, a failure or the consumer stopping: stop whatever is still in flight.
    internal.abort();
  }
}

/** Options of {@link collectOffsetRows}. */
export interface CollectOffsetRowsOptions<TRow> extends OffsetPaginationOptions {
  /** The row's stable id, to keep each row once when pages overlap. */
  rowKey(row: TRow): string;
}

/**
 * Reads every page and returns each row once, in offset order (the first sighting of a row wins).
 * A row shifted across a page boundary by a concurrent insert is seen twice and kept once; a row
 * deleted meanwhile is simply absent. A full page made only of rows already seen is not a shift
 * (that would take a page's worth of inserts during one crawl) but a vendor ignoring `offset`, and
 * throws.
 */
export async function collectOffsetRows<TRow>(
  fetchPage: FetchOffsetPage<TRow>,
  options: CollectOffsetRowsOptions<TRow>,
): Promise<TRow[]> {
  const seen = new Set<string>();
  const rows: TRow[] = [];
  let first = true;
  for await (const page of iterateOffsetPages(fetchPage, options)) {
    let fresh = 0;
    for (const row of page.rows) {
      const key = options.rowKey(row);
      if (seen.has(key)) continue;
      seen.add(key);
      rows.push(row);
      fresh += 1;
    }
    if (!first && fresh === 0 && page.rows.length > 0 && page.rows.length >= page.limit) {
      throw options.invalid(`The vendor served the same rows again at offset ${page.offset}.`);
    }
    first = false;
  }
  return rows;
}
