import { describe, expect, it } from 'vitest';
import { collectOffsetRows, type FetchOffsetPage, iterateOffsetPages, type OffsetPage } from './paginator';

// Unit tests of the offset paginator against scripted vendors. The adapter tests repeat the important
// cases over real HTTP against the simulator.

class PaginationInvalid extends Error {}

const invalid = (message: string) => new PaginationInvalid(message);

interface Row {
  id: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A well-behaved vendor over a fixed list: serves `[offset, offset + min(limit, cap))`. */
function listVendor(
  rows: Row[],
  options: { cap?: number; delayMs?: (offset: number) => number; echo?: boolean } = {},
) {
  const calls: Array<{ offset: number; limit: number }> = [];
  let inFlight = 0;
  let peak = 0;
  const fetchPage: FetchOffsetPage<Row> = async (offset, limit, signal) => {
    calls.push({ offset, limit });
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    try {
      await sleep(options.delayMs?.(offset) ?? 1);
      signal.throwIfAborted();
      const served = rows.slice(offset, offset + Math.min(limit, options.cap ?? limit));
      return {
        offset,
        limit,
        rows: served,
        total: rows.length,
        echoedOffset: options.echo === false ? null : offset,
      };
    } finally {
      inFlight -= 1;
    }
  };
  return { fetchPage, calls, peak: () => peak };
}

const rowsOf = (count: number, prefix = 'r'): Row[] =>
  Array.from({ length: count }, (_, index) => ({ id: `${prefix}${index}` }));

const base = { pageSize: 10, concurrency: 3, maxPages: 100, invalid, rowKey: (row: Row) => row.id };

describe('iterateOffsetPages', () => {
  it('reads page 1, then the rest concurrently under the bound, yielded in offset order', async () => {
    // Later pages answer first: order must still be by offset.
    const vendor = listVendor(rowsOf(95), { delayMs: (offset) => 40 - offset / 5 });
    const offsets: number[] = [];
    for await (const page of iterateOffsetPages(vendor.fetchPage, base)) offsets.push(page.offset);
    expect(offsets).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(vendor.calls).toEqual(offsets.map((offset) => ({ offset, limit: 10 })));
    expect(vendor.peak()).toBe(3);
  });

  it('a single page needs a single request; an empty list too', async () => {
    const one = listVendor(rowsOf(10));
    expect(await collectOffsetRows(one.fetchPage, base)).toHaveLength(10);
    expect(one.calls).toEqual([{ offset: 0, limit: 10 }]);
    const none = listVendor([]);
    expect(await collectOffsetRows(none.fetchPage, base)).toEqual([]);
    expect(none.calls).toEqual([{ offset: 0, limit: 10 }]);
  });

  it('a vendor capping its page size below the asked limit is stepped by what it serves', async () => {
    const vendor = listVendor(rowsOf(23), { cap: 4 });
    const rows = await collectOffsetRows(vendor.fetchPage, base);
    expect(rows.map((row) => row.id)).toEqual(rowsOf(23).map((row) => row.id));
    expect(vendor.calls.map((call) => call.offset)).toEqual([0, 4, 8, 12, 16, 20]);
  });

  it('a short page before total leaves a gap that is filled before moving on', async () => {
    const all = rowsOf(30);
    const calls: Array<[number, number]> = [];
    const fetchPage: FetchOffsetPage<Row> = async (offset, limit) => {
      calls.push([offset, limit]);
      // The page at 10 comes back with 6 rows although 30 exist.
      const served = offset === 10 ? all.slice(10, 16) : all.slice(offset, offset + limit);
      return { offset, limit, rows: served, total: 30, echoedOffset: offset };
    };
    const rows = await collectOffsetRows(fetchPage, base);
    expect(rows.map((row) => row.id)).toEqual(all.map((row) => row.id));
    expect(calls).toContainEqual([16, 4]);
  });

  it('a total that grows during the crawl is followed page by page', async () => {
    const all = rowsOf(25);
    const fetchPage: FetchOffsetPage<Row> = async (offset, limit) => {
      // Page 1 says 25; by the time later pages are read, 5 rows were added.
      const visible = offset === 0 ? all : [...all, ...rowsOf(5, 'new')];
      return {
        offset,
        limit,
        rows: visible.slice(offset, offset + limit),
        total: visible.length,
        echoedOffset: offset,
      };
    };
    const rows = await collectOffsetRows(fetchPage, base);
    expect(rows).toHaveLength(30);
    expect(rows.slice(25).map((row) => row.id)).toEqual(['new0', 'new1', 'new2', 'new3', 'new4']);
  });

  it('a list that shrinks during the crawl ends at the empty page beyond the new total', async () => {
    const fetchPage: FetchOffsetPage<Row> = async (offset, limit) => {
      const visible = offset === 0 ? rowsOf(35) : rowsOf(18);
      return {
        offset,
        limit,
        rows: visible.slice(offset, offset + limit),
        total: visible.length,
        echoedOffset: offset,
      };
    };
    const rows = await collectOffsetRows(fetchPage, base);
    expect(rows.map((row) => row.id)).toEqual(rowsOf(18).map((row) => row.id));
  });

  it('an empty page before total is a vendor bug: it throws instead of looping', async () => {
    const calls: number[] = [];
    const fetchPage: FetchOffsetPage<Row> = async (offset, limit) => {
      calls.push(offset);
      const rows = offset < 20 ? rowsOf(40).slice(offset, offset + limit) : [];
      return { offset, limit, rows, total: 40, echoedOffset: offset };
    };
    await expect(collectOffsetRows(fetchPage, base)).rejects.toThrow(/empty page at offset 20.*40 rows/);
    expect(calls.length).toBeLessThanOrEqual(4);
    // Empty first page while claiming rows: same.
    const lying: FetchOffsetPage<Row> = async (offset, limit) => ({
      offset,
      limit,
      rows: [],
      total: 5,
      echoedOffset: offset,
    });
    await expect(collectOffsetRows(lying, base)).rejects.toBeInstanceOf(PaginationInvalid);
  });

  it('a page served for another offset than asked is rejected', async () => {
    const vendor = listVendor(rowsOf(30));
    const ignoresOffset: FetchOffsetPage<Row> = async (offset, limit, signal) => {
      const page = await vendor.fetchPage(0, limit, signal);
      return { ...page, offset };
    };
    await expect(collectOffsetRows(ignoresOffset, base)).rejects.toThrow(
      /Asked for offset 10, the vendor served offset 0/,
    );
  });

  it('a full page of rows already seen (offset ignored, no echo) is rejected', async () => {
    const vendor = listVendor(rowsOf(30), { echo: false });
    const ignoresOffset: FetchOffsetPage<Row> = async (offset, limit, signal) => {
      const page = await vendor.fetchPage(0, limit, signal);
      return { ...page, offset };
    };
    await expect(collectOffsetRows(ignoresOffset, base)).rejects.toThrow(/same rows again at offset 10/);
  });

  it('more pages than maxPages throws after page 1 without crawling on', async () => {
    const vendor = listVendor(rowsOf(1_000));
    await expect(collectOffsetRows(vendor.fetchPage, { ...base, maxPages: 50 })).rejects.toThrow(
      /more than 50 pages/,
    );
    expect(vendor.calls).toEqual([{ offset: 0, limit: 10 }]);
    // Exactly at the cap is fine.
    const atCap = listVendor(rowsOf(500));
    expect(await collectOffsetRows(atCap.fetchPage, { ...base, maxPages: 50 })).toHaveLength(500);
  });

  it('the first failure wins over the aborts it causes, and the other pages are aborted', async () => {
    const aborted: number[] = [];
    const inFlight = new Set<number>();
    let othersInFlight = () => {};
    const othersStarted = new Promise<void>((resolve) => {
      othersInFlight = resolve;
    });
    const fetchPage: FetchOffsetPage<Row> = async (offset, limit, signal) => {
      if (offset === 0) return { offset, limit, rows: rowsOf(10), total: 60, echoedOffset: 0 };
      if (offset === 20) {
        await othersStarted;
        throw new Error('page 20 failed');
      }
      // The others answer only when aborted: a crawl that waited for them would never end.
      inFlight.add(offset);
      if (inFlight.has(10) && inFlight.has(30)) othersInFlight();
      return new Promise<never>((_, reject) => {
        signal.addEventListener('abort', () => {
          aborted.push(offset);
          reject(signal.reason);
        });
      });
    };
    await expect(collectOffsetRows(fetchPage, base)).rejects.toThrow('page 20 failed');
    expect(aborted).toEqual(expect.arrayContaining([10, 30]));
  });

  it('stopping the iteration early aborts the pages still in flight', async () => {
    const aborted: number[] = [];
    const fetchPage: FetchOffsetPage<Row> = async (offset, limit, signal) => {
      // Page 10 answers; the later pages answer only when aborted.
      if (offset > 10) {
        await new Promise<void>((_, reject) => {
          signal.addEventListener('abort', () => {
            aborted.push(offset);
            reject(signal.reason);
          });
        });
      }
      return {
        offset,
        limit,
        rows: rowsOf(50).slice(offset, offset + limit),
        total: 50,
        echoedOffset: offset,
      };
    };
    const seen: OffsetPage<Row>[] = [];
    for await (const page of iterateOffsetPages(fetchPage, base)) {
      seen.push(page);
      if (page.offset === 10) break;
    }
    expect(seen.map((page) => page.offset)).toEqual([0, 10]);
    expect(aborted).toEqual(expect.arrayContaining([20, 30]));
  });

  it("the caller's signal aborts the crawl", async () => {
    const controller = new AbortController();
    const vendor = listVendor(rowsOf(100));
    // The caller gives up while the second page is being fetched.
    const fetchPage: FetchOffsetPage<Row> = (offset, limit, signal) => {
      const page = vendor.fetchPage(offset, limit, signal);
      if (offset === 10) controller.abort(new Error('caller gave up'));
      return page;
    };
    const crawl = collectOffsetRows(fetchPage, { ...base, signal: controller.signal });
    await expect(crawl).rejects.toThrow('caller gave up');
    // Nothing was asked for after the abort: page 1, then the first concurrent round at most.
    expect(vendor.calls.map((call) => call.offset)).toEqual(expect.arrayContaining([0, 10]));
    expect(vendor.calls.length).toBeLessThanOrEqual(4);
  });

  it('rejects a non-positive page size or concurrency', async () => {
    const vendor = listVendor(rowsOf(1));
    await expect(collectOffsetRows(vendor.fetchPage, { ...base, concurrency: 0 })).rejects.toBeInstanceOf(
      RangeError,
    );
    await expect(collectOffsetRows(vendor.fetchPage, { ...base, pageSize: 0 })).rejects.toBeInstanceOf(
      RangeError,
    );
  });
});

describe('collectOffsetRows', () => {
  it('keeps each row once when a concurrent insert shifts a row across a page boundary', async () => {
    const before = rowsOf(20);
    const after = [{ id: 'inserted' }, ...before];
    const fetchPage: FetchOffsetPage<Row> = async (offset, limit) => {
      // Page 1 was read before the insert, page 2 after: r9 moves from offset 9 to offset 10.
      const visible = offset === 0 ? before : after;
      return {
        offset,
        limit,
        rows: visible.slice(offset, offset + limit),
        total: visible.length,
        echoedOffset: offset,
      };
    };
    const rows = await collectOffsetRows(fetchPage, base);
    const ids = rows.map((row) => row.id);
    expect(ids.filter((id) => id === 'r9')).toHaveLength(1);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.slice(0, 12)).toEqual([...before.slice(0, 10).map((row) => row.id), 'r10', 'r11']);
    expect(ids).toHaveLength(20);
  });
});
