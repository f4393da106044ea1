import type { Entitlement } from '../../schemas/entitlement';
import type { AdapterFactoryOptions, CustomerSnapshot, LoadContext, VendorAdapterV1 } from '../kit';
import { AdapterError, UpstreamError } from '../kit';
import {
  createPaygenticClient,
  type PaygenticClient,
  paygenticMaxPageSize,
  paygenticOperations,
  validatePaygenticCustomerId,
} from './client';
import type { PaygenticConnection } from './connection';
import { normalizePaygenticSnapshot, type PaygenticSnapshotData } from './mapper';
import { collectOffsetRows, type OffsetPage } from './paginator';
import { resolvePaygenticWebhook } from './webhooks';
import { type PaygenticEntitlementRow, paygenticEntitlementRowSchema } from './wire';

export type { PaygenticSnapshotData } from './mapper';

/** Options of the Paygentic adapter: the common factory options plus how to crawl pages. */
export interface PaygenticAdapterOptions extends AdapterFactoryOptions<PaygenticConnection> {
  /**
   * Most `GET /v1/entitlements` pages in flight at once while loading one customer (default 8, the
   * default per-connection cap `VENDOR_MAX_CONCURRENCY`: a customer of up to 9 pages loads in two
   * round trips, page 1 then the rest at once). The upstream client's per-connection cap and rate
   * budget still apply on top.
   */
  pageConcurrency?: number;
  /** Rows asked per page, 1–100 (default 100, Paygentic's maximum: fewest round trips). */
  pageSize?: number;
  /** Most pages read for one customer before giving up with `vendor_bad_response` (default 1,000). */
  maxPages?: number;
}

const defaultPageConcurrency = 8;
const defaultMaxPages = 1_000;

function positiveInteger(name: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`Paygentic adapter: ${name} must be an integer between 1 and ${max}, got ${value}.`);
  }
  return value;
}

/**
 * The metered row behind a metered entitlement, to ask Paygentic about its soft limit: the first
 * metered grant with access (the one the mapper made primary), read from `raw` when the service
 * kept it, else from the grants alone (for a metered entitlement the primary row is metered, and it
 * is the first grant with access, or the first grant when none has access).
 */
function meteredEntitlementId(entitlement: Entitlement): string | null {
  if (entitlement.raw !== undefined) {
    const rows = entitlement.raw
      .map((row) => paygenticEntitlementRowSchema().safeParse(row))
      .flatMap((result) => (result.success ? [result.data] : []))
      .filter((row) => row.featureType === 'metered');
    const row = rows.find((candidate) => candidate.hasAccess) ?? rows[0];
    if (row) return row.entitlementId;
  }
  const grant = entitlement.grants.find((candidate) => candidate.hasAccess) ?? entitlement.grants[0];
  return grant?.vendorId ?? null;
}

function loadRows(
  client: PaygenticClient,
  customerId: string,
  context: LoadContext,
  crawl: { pageSize: number; concurrency: number; maxPages: number },
): Promise<PaygenticEntitlementRow[]> {
  const fetchPage = async (
    offset: number,
    limit: number,
    signal: AbortSignal,
  ): Promise<OffsetPage<PaygenticEntitlementRow>> => {
    const page = await client.listEntitlements({ customerId, limit, offset, at: context.at }, { signal });
    return {
      offset,
      limit,
      rows: page.data,
      total: page.pagination.total,
      echoedOffset: page.pagination.offset ?? null,
    };
  };
  return collectOffsetRows(fetchPage, {
    ...crawl,
    signal: context.signal,
    rowKey: (row) => row.entitlementId,
    invalid: (message) =>
      new UpstreamError(
        'vendor_bad_response',
        'paygentic',
        `Paygentic's pagination is inconsistent. ${message}`,
        {
          operation: paygenticOperations.listEntitlements,
          attempts: 1,
        },
      ),
  });
}

/**
 * The Paygentic adapter. Paygentic evaluates access itself, at the `at` it is given
 * (`timeEvaluation: 'vendor'`), and its `hasAccess` is authoritative; the gateway combines the rows
 * per feature key (see docs/mapping.md).
 */
export function createPaygenticAdapter(
  options: PaygenticAdapterOptions,
): VendorAdapterV1<PaygenticSnapshotData> {
  const { clock } = options;
  const client = createPaygenticClient(options);
  const crawl = {
    pageSize: positiveInteger('pageSize', options.pageSize ?? paygenticMaxPageSize, paygenticMaxPageSize),
    concurrency: positiveInteger('pageConcurrency', options.pageConcurrency ?? defaultPageConcurrency),
    maxPages: positiveInteger('maxPages', options.maxPages ?? defaultMaxPages),
  };

  return {
    specificationVersion: 'v1',
    vendor: 'paygentic',
    timeEvaluation: 'vendor',
    validateCustomerId: validatePaygenticCustomerId,

    async loadCustomer(
      customerId: string,
      context: LoadContext,
    ): Promise<CustomerSnapshot<PaygenticSnapshotData>> {
      const invalid = validatePaygenticCustomerId(customerId);
      // The service validates first; this guard keeps a malformed id from ever reaching Paygentic.
      if (invalid !== null) {
        throw new AdapterError('validation_failed', invalid, {
          vendor: 'paygentic',
          errors: [{ path: 'customerId', message: invalid }],
        });
      }
      const rows = await loadRows(client, customerId, context, crawl);
      return {
        vendor: 'paygentic',
        customerId,
        fetchedAt: new Date(clock.now()).toISOString(),
        evaluatedAt: context.at ?? null,
        data: { rows },
      };
    },

    normalize: normalizePaygenticSnapshot,

    async isSoftLimit(entitlement: Entitlement, context: LoadContext): Promise<boolean> {
      // Only metered entitlements have a balance to run past.
      if (entitlement.type !== 'metered') return false;
      const entitlementId = meteredEntitlementId(entitlement);
      if (entitlementId === null) return false;
      return context.remember('detail', entitlementId, async () => {
        const detail = await client.getEntitlement(entitlementId, { signal: context.signal });
        // Gone since the snapshot was taken: nothing lets usage run past a balance that no longer
        // exists, so answer the conservative "hard limit".
        if (detail === null) return false;
        if (detail.id && detail.id !== entitlementId) {
          throw new UpstreamError(
            'vendor_bad_response',
            'paygentic',
            'Paygentic answered with a different entitlement than the one asked for.',
            { operation: paygenticOperations.getEntitlement, attempts: 1 },
          );
        }
        if (typeof detail.isSoftLimit === 'boolean') return detail.isSoftLimit;
        if (detail.featureType !== 'metered') return false;
        // Required on metered entitlements: its absence is a response the gateway cannot read, and
        // guessing either way would grant or block usage wrongly.
        throw new UpstreamError(
          'vendor_bad_response',
          'paygentic',
          'Paygentic sent a metered entitlement without `isSoftLimit`.',
          { operation: paygenticOperations.getEntitlement, attempts: 1 },
        );
      });
    },

    async resolveWebhook(body: unknown) {
      return resolvePaygenticWebhook(body);
    },
  };
}
