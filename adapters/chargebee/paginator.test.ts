import { describe, expect, it } from 'vitest';
import type { UpstreamRequest } from '../kit';
import { UpstreamError } from '../kit';
import {
  CHARGEBEE_MAX_PAGES,
  type ChargebeePage,
  collectChargebee,
  mapWithConcurrency,
  nextOffsetOf,
  paginateChargebee,
} from './paginator';

const request: UpstreamRequest = {
  vendor: 'chargebee',
  connectionKey: 'tenant-a:chargebee',
  operation: 'list_customer_entitlements',
  method: 'GET',
  url: 'https://acme-test.chargebee.com/api/v2/customers/c1/customer_entitlements?limit=100',
};

/** A scripted listing: page i answers items and the token of page i + 1. */
function scripted(pages: Array<ChargebeePage<string>>) {
  const offsets: Array<string | null> = [];
  const fetchPage = async (offset: string | null): Promise<ChargebeePage<string>> => {
    offsets.push(offset);
    const page = pages[offsets.length - 1];
    if (!page) throw new Error(`unexpected page ${offsets.length}`);
    return page;
  };
  return { fetchPage, offsets };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('Chargebee paginator', () => {
  it('passes each next_offset back verbatim and stops when it is absent', async () => {
    const odd = '["1517505643000","247000000002"]';
    const { fetchPage, offsets } = scripted([
      { items: ['a', 'b'], nextOffset: '2' },
      { items: ['c'], nextOffset: odd },
      { items: [], nextOffset: ' spaced token ' },
      { items: ['d'], nextOffset: null },
    ]);
    const pages: string[][] = [];
    for await (const page of paginateChargebee(fetchPage, { request })) pages.push(page);
    expect(pages).toEqual([['a', 'b'], ['c'], [], ['d']]);
    expect(offsets).toEqual([null, '2', odd, ' spaced token ']);
  });

  it('fails with vendor_bad_response when a token comes back, even after other tokens', async () => {
    const { fetchPage, offsets } = scripted([
      { items: ['a'], nextOffset: 'A' },
      { items: ['b'], nextOffset: 'B' },
      { items: ['c'], nextOffset: 'A' },
    ]);
    const error = await rejection(collectChargebee(fetchPage, { request }));
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'vendor_bad_response', vendor: 'chargebee' });
    expect((error as UpstreamError).failure.operation).toBe('list_customer_entitlements');
    expect(offsets).toEqual([null, 'A', 'B']);
  });

  it('fails with vendor_bad_response after the page cap instead of reading forever', async () => {
    let calls = 0;
    const endless = async (): Promise<ChargebeePage<number>> => {
      calls += 1;
      return { items: [calls], nextOffset: `token-${calls}` };
    };
    const error = await rejection(collectChargebee(endless, { request, maxPages: 5 }));
    expect(error).toMatchObject({ code: 'vendor_bad_response' });
    expect(calls).toBe(5);
    expect(CHARGEBEE_MAX_PAGES).toBe(1000);
  });

  it('reads exactly maxPages pages when the last one ends the listing', async () => {
    const { fetchPage } = scripted([
      { items: ['a'], nextOffset: '1' },
      { items: ['b'], nextOffset: null },
    ]);
    expect(await collectChargebee(fetchPage, { request, maxPages: 2 })).toEqual(['a', 'b']);
  });

  it('passes a vendor error through untouched', async () => {
    const failure = new UpstreamError('vendor_unavailable', 'chargebee', 'down', {
      operation: 'x',
      attempts: 3,
    });
    const error = await rejection(collectChargebee(() => Promise.reject(failure), { request }));
    expect(error).toBe(failure);
  });

  it('reads next_offset as a string; a number is tolerated as its decimal text; null/undefined end the list', () => {
    expect(nextOffsetOf('2')).toBe('2');
    expect(nextOffsetOf(20)).toBe('20');
    expect(nextOffsetOf(null)).toBeNull();
    expect(nextOffsetOf(undefined)).toBeNull();
  });
});

describe('mapWithConcurrency', () => {
  it('keeps input order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapWithConcurrency([30, 5, 20, 1, 10, 2], 3, async (ms, index) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, ms));
      running -= 1;
      return `${index}:${ms}`;
    });
    expect(results).toEqual(['0:30', '1:5', '2:20', '3:1', '4:10', '5:2']);
    expect(peak).toBe(3);
  });

  it('rejects with the first failure and starts nothing after it', async () => {
    const started: number[] = [];
    const error = await rejection(
      mapWithConcurrency([1, 2, 3, 4, 5], 1, async (item) => {
        started.push(item);
        if (item === 2) throw new Error('boom');
        return item;
      }),
    );
    expect((error as Error).message).toBe('boom');
    expect(started).toEqual([1, 2]);
  });

  it('handles an empty input', async () => {
    expect(await mapWithConcurrency([], 4, async () => 1)).toEqual([]);
  });
});
