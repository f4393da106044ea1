import { describe, expect, it } from 'vitest';
import { collectKeysetRows, type KeysetPage } from './paginator';

interface Row {
  id: string;
}

class InconsistentListing extends Error {}

const rows = (...ids: string[]): Row[] => ids.map((id) => ({ id }));

/**
 * A scripted vendor: answers each cursor from `pages` (keyed by the cursor it expects, `null` for the
 * first page) and records the cursors it was asked for.
 */
function scripted(pages: Map<string | null, KeysetPage<Row>>) {
  const asked: Array<string | null> = [];
  const fetchPage = async (startingAfter: string | null): Promise<KeysetPage<Row>> => {
    asked.push(startingAfter);
    const page = pages.get(startingAfter);
    if (!page) throw new Error(`unexpected cursor ${startingAfter}`);
    return page;
  };
  return { fetchPage, asked };
}

const options = {
  rowId: (row: Row) => row.id,
  invalid: (message: string) => new InconsistentListing(message),
};

describe('stripe paginator: keyset crawl', () => {
  it('starts without a cursor and continues after the last id of each page until has_more is false', async () => {
    const vendor = scripted(
      new Map([
        [null, { data: rows('ent_1', 'ent_2'), has_more: true }],
        ['ent_2', { data: rows('ent_3', 'ent_4'), has_more: true }],
        ['ent_4', { data: rows('ent_5'), has_more: false }],
      ]),
    );
    expect(await collectKeysetRows(vendor.fetchPage, options)).toEqual(
      rows('ent_1', 'ent_2', 'ent_3', 'ent_4', 'ent_5'),
    );
    expect(vendor.asked).toEqual([null, 'ent_2', 'ent_4']);
  });

  it('one page with has_more false is one request', async () => {
    const vendor = scripted(new Map([[null, { data: rows('ent_1'), has_more: false }]]));
    expect(await collectKeysetRows(vendor.fetchPage, options)).toEqual(rows('ent_1'));
    expect(vendor.asked).toEqual([null]);
  });

  it('an empty last page ends the listing with no rows', async () => {
    const vendor = scripted(new Map([[null, { data: [], has_more: false }]]));
    expect(await collectKeysetRows(vendor.fetchPage, options)).toEqual([]);
  });

  it('refuses has_more true on an empty page instead of asking for the same page forever', async () => {
    const vendor = scripted(
      new Map([
        [null, { data: rows('ent_1'), has_more: true }],
        ['ent_1', { data: [], has_more: true }],
      ]),
    );
    await expect(collectKeysetRows(vendor.fetchPage, options)).rejects.toThrow(/has_more true but no rows/);
    expect(vendor.asked).toEqual([null, 'ent_1']);
  });

  it('refuses a row listed twice (Stripe never repeats one), which also stops a cursor that does not advance', async () => {
    const repeatingPage = scripted(
      new Map([
        [null, { data: rows('ent_1', 'ent_2'), has_more: true }],
        ['ent_2', { data: rows('ent_2'), has_more: true }],
      ]),
    );
    await expect(collectKeysetRows(repeatingPage.fetchPage, options)).rejects.toBeInstanceOf(
      InconsistentListing,
    );
    expect(repeatingPage.asked).toEqual([null, 'ent_2']);

    const duplicateWithinPage = scripted(
      new Map([[null, { data: rows('ent_1', 'ent_1'), has_more: false }]]),
    );
    await expect(collectKeysetRows(duplicateWithinPage.fetchPage, options)).rejects.toThrow(
      /ent_1 listed twice/,
    );
  });

  it('stops at maxPages', async () => {
    let counter = 0;
    const endless = async (): Promise<KeysetPage<Row>> => {
      counter += 1;
      return { data: rows(`ent_${counter}`), has_more: true };
    };
    await expect(collectKeysetRows(endless, { ...options, maxPages: 5 })).rejects.toThrow(
      /more than 5 pages/,
    );
    expect(counter).toBe(5);
  });

  it('passes a vendor failure through untouched', async () => {
    const failure = new Error('vendor down');
    await expect(
      collectKeysetRows(async () => {
        throw failure;
      }, options),
    ).rejects.toBe(failure);
  });
});
