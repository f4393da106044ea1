import type { AdapterFactory, CustomerSnapshot, VendorAdapterV1 } from '../kit';
import { AdapterError, UpstreamError } from '../kit';
import { createZenskarClient, isZenskarUuid, zenskarOperations } from './client';
import type { ZenskarConnection } from './connection';
import { mapZenskarBalance, normalizeZenskarRows, type ZenskarRowRecord } from './mapper';
import { paginateZenskar } from './paginator';
import { resolveZenskarWebhook } from './webhooks';
import { zenskarCustomerEntitlementRowSchema } from './wire';

/**
 * What a Zenskar snapshot keeps: every customer entitlement row exactly as Zenskar sent it (plain
 * JSON, cacheable). Rows are re-read through the wire schema at normalization, so `include=raw`
 * shows the vendor's own objects.
 */
export interface ZenskarSnapshotData {
  rows: unknown[];
}

/** A Zenskar adapter, typed with its snapshot data. */
export type ZenskarAdapter = VendorAdapterV1<ZenskarSnapshotData>;

/** Returns a message when `customerId` cannot be a Zenskar customer (they are UUIDs), else null. */
export function validateZenskarCustomerId(customerId: string): string | null {
  return isZenskarUuid(customerId)
    ? null
    : 'Zenskar customer ids are UUIDs (8-4-4-4-12 hexadecimal digits, e.g. 3c90c3cc-0d44-4b50-8888-8dd25736052a).';
}

/**
 * Reads a snapshot's rows back. They passed the wire schema when loaded, so a failure here means the
 * cached entry was not written by this adapter: a gateway fault, not the vendor's.
 */
function readSnapshotRows(snapshot: CustomerSnapshot<ZenskarSnapshotData>): ZenskarRowRecord[] {
  // The type says ZenskarSnapshotData, but the value came back from a cache: check before trusting it.
  const data: unknown = snapshot.data;
  const rows = typeof data === 'object' && data !== null && 'rows' in data ? data.rows : undefined;
  const unreadable = () =>
    new AdapterError('internal_error', 'A cached Zenskar snapshot could not be read.', { vendor: 'zenskar' });
  if (!Array.isArray(rows)) throw unreadable();
  return rows.map((raw) => {
    const parsed = zenskarCustomerEntitlementRowSchema().safeParse(raw);
    if (!parsed.success) throw unreadable();
    return { row: parsed.data, raw };
  });
}

/**
 * Whether a failed balances call is Zenskar's 422 about the `cursor` parameter (FastAPI names it in
 * `loc`, which the error parser renders as `query.cursor: …`).
 */
function isCursorRejection(error: unknown): boolean {
  return (
    error instanceof UpstreamError &&
    error.failure.vendorStatus === 422 &&
    /(?:^|; )query\.cursor:/.test(error.failure.vendorMessage ?? '')
  );
}

/**
 * The Zenskar adapter (v1). Customer rows come from `GET /entitlements/customer/{id}` (every page,
 * 100 rows a page); access is decided by the gateway from the rows (`timeEvaluation: 'gateway'`);
 * `listBalances` pages `GET /entitlements/customers_balances`.
 */
export const createZenskarAdapter: AdapterFactory<ZenskarConnection> = (options): ZenskarAdapter => {
  const client = createZenskarClient(options);

  return {
    specificationVersion: 'v1',
    vendor: 'zenskar',
    timeEvaluation: 'gateway',

    validateCustomerId: validateZenskarCustomerId,
    // UUIDs are case-insensitive; webhooks and the vendor write them in lower case.
    canonicalCustomerId: (customerId) => customerId.toLowerCase(),

    async loadCustomer(customerId, context) {
      const problem = validateZenskarCustomerId(customerId);
      if (problem !== null) {
        throw new AdapterError('validation_failed', problem, {
          vendor: 'zenskar',
          errors: [{ path: 'customerId', message: problem }],
        });
      }
      const rows: unknown[] = [];
      // A vendor listing that shifts while we page may hand the same row twice; keep it once.
      const seen = new Set<string>();
      try {
        const pages = paginateZenskar(
          (cursor) => client.listCustomerEntitlements(customerId, cursor, context.signal),
          {
            operation: zenskarOperations.listCustomerEntitlements,
          },
        );
        for await (const page of pages) {
          for (const item of page.items) {
            if (seen.has(item.row.id)) continue;
            seen.add(item.row.id);
            rows.push(item.raw);
          }
        }
      } catch (error) {
        if (error instanceof UpstreamError && error.failure.vendorStatus === 404) {
          throw new AdapterError('customer_not_found', 'Zenskar has no customer with this id.', {
            vendor: 'zenskar',
            cause: error,
          });
        }
        throw error;
      }
      return {
        vendor: 'zenskar',
        customerId,
        fetchedAt: new Date(options.clock.now()).toISOString(),
        evaluatedAt: null,
        data: { rows },
      };
    },

    normalize(snapshot, at) {
      return normalizeZenskarRows(snapshot.customerId, readSnapshotRows(snapshot), at);
    },

    async listBalances(query, vendorCursor, context) {
      let page: Awaited<ReturnType<typeof client.listBalances>>;
      try {
        page = await client.listBalances(query, vendorCursor, context.signal);
      } catch (error) {
        if (vendorCursor !== null && isCursorRejection(error)) {
          // The gateway cursor verified, so the vendor cursor inside it is one Zenskar issued: a 422
          // on it means Zenskar no longer honours it (cursors are server-side state that can expire).
          // That is the caller's cue to start the listing again, not a gateway or vendor failure.
          throw new AdapterError(
            'invalid_cursor',
            'Zenskar no longer accepts the position this cursor holds; repeat the first request (without `cursor`) to start over.',
            {
              vendor: 'zenskar',
              errors: [{ path: 'query.cursor', message: 'expired at the vendor' }],
              cause: error,
            },
          );
        }
        throw error;
      }
      if (page.next !== null && page.next === vendorCursor) {
        throw new UpstreamError(
          'vendor_bad_response',
          'zenskar',
          'Zenskar returned the same balances cursor it was given; the listing would never end.',
          {
            operation: zenskarOperations.listBalances,
            attempts: 1,
            vendorMessage: 'next cursor equals request cursor',
          },
        );
      }
      return {
        balances: page.items.map((item) => mapZenskarBalance(item.row, item.raw)),
        nextVendorCursor: page.next,
        totalCount: page.totalCount,
      };
    },

    async resolveWebhook(body) {
      return resolveZenskarWebhook(body);
    },
  };
};
