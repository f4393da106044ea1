import type { z } from 'zod';
import type { AdapterFactory, CustomerSnapshot, LoadContext, VendorAdapterV1 } from '../kit';
import { AdapterError, UpstreamError } from '../kit';
import {
  type ChargebeeGet,
  type ChargebeeQuery,
  createChargebeeClient,
  isChargebeeNotFound,
  isCustomerEntitlementsDisabled,
} from './client';
import type { ChargebeeConnection } from './connection';
import {
  type ChargebeeSnapshotData,
  contributingSubscriptionStatuses,
  normalizeChargebeeSnapshot,
  referencedFeatureIds,
} from './mapper';
import { CHARGEBEE_PAGE_LIMIT, collectChargebee, mapWithConcurrency, nextOffsetOf } from './paginator';
import { resolveChargebeeWebhook } from './webhooks';
import {
  type ChargebeeCustomerEntitlement,
  type ChargebeeFeature,
  type ChargebeeSubscription,
  type ChargebeeSubscriptionEntitlement,
  chargebeeCustomerEntitlementListSchema,
  chargebeeCustomerRetrieveSchema,
  chargebeeFeatureListSchema,
  chargebeeSubscriptionEntitlementListSchema,
  chargebeeSubscriptionListSchema,
  chargebeeSubscriptionRetrieveSchema,
} from './wire';

export type { ChargebeeSnapshotData } from './mapper';

/** The envelope every Chargebee list shares. */
interface ChargebeeListBody {
  list: unknown[];
  next_offset?: string | number | null | undefined;
}

/** Chargebee ids are at most 50 characters. */
const MAX_ID_LENGTH = 50;
/** Subscriptions whose entitlements are fetched at once in the fallback. */
export const SUBSCRIPTION_FETCH_CONCURRENCY = 4;
/**
 * How long a connection remembers that `customer_entitlements` is disabled before trying it again, so
 * a site on which Chargebee Support later enables it switches over without a restart.
 */
export const FALLBACK_RECHECK_MS = 60 * 60 * 1000;

/** Checks that a string can be a Chargebee customer id (1–50 characters, no control characters). */
export function validateChargebeeCustomerId(customerId: string): string | null {
  if (customerId.length === 0 || customerId.length > MAX_ID_LENGTH) {
    return `Chargebee customer ids are 1 to ${MAX_ID_LENGTH} characters long.`;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  if (/[\u0000-\u001f\u007f]/.test(customerId))
    return 'Chargebee customer ids cannot contain control characters.';
  if (customerId === '.' || customerId === '..') return 'Chargebee customer ids cannot be "." or "..".';
  try {
    encodeURIComponent(customerId);
  } catch {
    return 'Chargebee customer ids must be valid Unicode text.';
  }
  return null;
}

function isChargebeeSnapshotData(data: unknown): data is ChargebeeSnapshotData {
  if (data === null || typeof data !== 'object') return false;
  const candidate = data as Partial<Record<string, unknown>>;
  if (!Array.isArray(candidate['features'])) return false;
  if (candidate['source'] === 'customer_entitlements') return Array.isArray(candidate['rows']);
  if (candidate['source'] === 'subscription_entitlements') return Array.isArray(candidate['subscriptions']);
  return false;
}

/**
 * The Chargebee adapter. Reads `customer_entitlements` (feature-grouped pages of 100 features) or,
 * when the site has that endpoint disabled, the customer's active/non_renewing subscriptions and each
 * one's `subscription_entitlements`; normalizes at serve time (`timeEvaluation: 'gateway'`), honouring
 * override `effective_from`/`expires_at` locally.
 */
export const createChargebeeAdapter: AdapterFactory<ChargebeeConnection> = (options) => {
  const { connection, clock } = options;
  const client = createChargebeeClient(options);
  /** Until when (epoch ms) this connection skips `customer_entitlements` in `auto` mode. */
  let fallbackUntil = 0;

  /** Reads every page of one Chargebee listing; `afterOffset` parameters are sent after `offset`. */
  const listAll = <Body extends ChargebeeListBody, Row>(
    base: ChargebeeGet & { query: ChargebeeQuery },
    schema: z.ZodType<Body>,
    rowsOf: (body: Body) => Row[],
    afterOffset: ChargebeeQuery = [],
  ): Promise<Row[]> =>
    collectChargebee(
      async (offset) => {
        const query: ChargebeeQuery = [
          ...base.query,
          ...(offset === null ? [] : [['offset', offset] as const]),
          ...afterOffset,
        ];
        const body = await client.get({ ...base, query }, schema);
        return { items: rowsOf(body), nextOffset: nextOffsetOf(body.next_offset) };
      },
      { request: client.describe({ ...base, query: [...base.query, ...afterOffset] }) },
    );

  const signalOf = (context: LoadContext) => (context.signal === undefined ? {} : { signal: context.signal });

  const loadFeatureCatalogue = async (context: LoadContext): Promise<ChargebeeFeature[]> => {
    try {
      return await context.remember('catalog', 'features', () =>
        listAll(
          {
            operation: 'list_features',
            path: ['features'],
            query: [['limit', String(CHARGEBEE_PAGE_LIMIT)]],
            ...signalOf(context),
          },
          chargebeeFeatureListSchema(),
          (body) => body.list.map((entry) => entry.feature),
        ),
      );
    } catch (error) {
      // A host without the Features API (a proxy or a partial implementation answering 404) still
      // serves entitlements: map them without the catalogue (types from the values; the mapper's
      // documented fallback) rather than failing every read. Nothing is cached for the catalogue, so
      // it is asked for again on the next load. Any other failure (auth, outage) fails the load.
      if (error instanceof UpstreamError && error.failure.vendorStatus === 404) return [];
      throw error;
    }
  };

  const loadCustomerEntitlements = async (
    customerId: string,
    context: LoadContext,
  ): Promise<ChargebeeCustomerEntitlement[]> => {
    try {
      return await listAll(
        {
          operation: 'list_customer_entitlements',
          path: ['customers', customerId, 'customer_entitlements'],
          query: [['limit', String(CHARGEBEE_PAGE_LIMIT)]],
          ...signalOf(context),
        },
        chargebeeCustomerEntitlementListSchema(),
        (body) => body.list.map((entry) => entry.customer_entitlement),
        connection.consolidateEntitlements ? [['consolidate_entitlements', 'true']] : [],
      );
    } catch (error) {
      if (isChargebeeNotFound(error)) throw customerNotFound(customerId, error);
      throw error;
    }
  };

  const loadSubscriptionEntitlements = async (
    customerId: string,
    context: LoadContext,
  ): Promise<
    Array<{ subscription: ChargebeeSubscription; entitlements: ChargebeeSubscriptionEntitlement[] }>
  > => {
    const listed = await listAll(
      {
        operation: 'list_subscriptions',
        path: ['subscriptions'],
        query: [
          ['customer_id[is]', customerId],
          ['status[in]', JSON.stringify(contributingSubscriptionStatuses)],
          ['limit', String(CHARGEBEE_PAGE_LIMIT)],
        ],
        ...signalOf(context),
      },
      chargebeeSubscriptionListSchema(),
      (body) => body.list.map((entry) => entry.subscription),
    );
    // The filters were asked of Chargebee; checking again keeps a lenient answer from mixing in another
    // customer's subscriptions, or rows that customer_entitlements would not count.
    const subscriptions = listed.filter(
      (subscription) =>
        (subscription.customer_id == null || subscription.customer_id === customerId) &&
        (subscription.status == null || contributingSubscriptionStatuses.includes(subscription.status)),
    );
    if (subscriptions.length === 0) {
      // Chargebee answers an unknown customer's subscription list with an empty list, so only then is
      // one more call spent to tell "unknown customer" from "no active subscription".
      try {
        await client.get(
          { operation: 'retrieve_customer', path: ['customers', customerId], ...signalOf(context) },
          chargebeeCustomerRetrieveSchema(),
        );
      } catch (error) {
        if (isChargebeeNotFound(error)) throw customerNotFound(customerId, error);
        throw error;
      }
      return [];
    }
    return mapWithConcurrency(subscriptions, SUBSCRIPTION_FETCH_CONCURRENCY, async (subscription) => ({
      subscription,
      entitlements: await listAll(
        {
          operation: 'list_subscription_entitlements',
          path: ['subscriptions', subscription.id, 'subscription_entitlements'],
          query: [['limit', String(CHARGEBEE_PAGE_LIMIT)]],
          ...signalOf(context),
        },
        chargebeeSubscriptionEntitlementListSchema(),
        (body) => body.list.map((entry) => entry.subscription_entitlement),
      ),
    }));
  };

  /** Which source to read now: `auto` reads customer_entitlements unless it was found disabled lately. */
  const useFallback = (): boolean => {
    if (connection.entitlementSource === 'subscription_entitlements') return true;
    if (connection.entitlementSource === 'customer_entitlements') return false;
    return clock.now() < fallbackUntil;
  };

  const loadRows = async (
    customerId: string,
    context: LoadContext,
    catalogue: Promise<ChargebeeFeature[]>,
  ): Promise<ChargebeeSnapshotData> => {
    const build = async (
      rows: ReadonlyArray<{ feature_id?: string | null | undefined }>,
    ): Promise<ChargebeeFeature[]> => {
      const referenced = referencedFeatureIds(rows);
      return (await catalogue).filter((feature) => referenced.has(feature.id));
    };
    if (!useFallback()) {
      try {
        const rows = await loadCustomerEntitlements(customerId, context);
        return {
          source: 'customer_entitlements',
          consolidated: connection.consolidateEntitlements,
          rows,
          features: await build(rows),
        };
      } catch (error) {
        if (connection.entitlementSource !== 'auto' || !isCustomerEntitlementsDisabled(error)) throw error;
        fallbackUntil = clock.now() + FALLBACK_RECHECK_MS;
      }
    }
    const subscriptions = await loadSubscriptionEntitlements(customerId, context);
    return {
      source: 'subscription_entitlements',
      subscriptions,
      features: await build(subscriptions.flatMap((entry) => entry.entitlements)),
    };
  };

  const adapter: VendorAdapterV1<ChargebeeSnapshotData> = {
    specificationVersion: 'v1',
    vendor: 'chargebee',
    timeEvaluation: 'gateway',
    validateCustomerId: validateChargebeeCustomerId,

    async loadCustomer(customerId, context): Promise<CustomerSnapshot<ChargebeeSnapshotData>> {
      // The catalogue (usually a cache hit) loads alongside the rows; a failure of either fails the load.
      const catalogue = loadFeatureCatalogue(context);
      // When the rows fail first the catalogue promise is never awaited: observe it so its own
      // failure is not reported as an unhandled rejection.
      catalogue.catch(() => undefined);
      const data = await loadRows(customerId, context, catalogue);
      return {
        vendor: 'chargebee',
        customerId,
        fetchedAt: new Date(clock.now()).toISOString(),
        evaluatedAt: null,
        data,
      };
    },

    normalize(snapshot, at) {
      if (!isChargebeeSnapshotData(snapshot.data)) {
        throw new AdapterError('internal_error', 'A cached Chargebee snapshot has an unknown shape.', {
          vendor: 'chargebee',
        });
      }
      return normalizeChargebeeSnapshot(snapshot, at);
    },

    resolveWebhook(body, context) {
      return resolveChargebeeWebhook(body, async (subscriptionId) => {
        try {
          const found = await client.get(
            {
              operation: 'retrieve_subscription',
              path: ['subscriptions', subscriptionId],
              ...signalOf(context),
            },
            chargebeeSubscriptionRetrieveSchema(),
          );
          return found.subscription.customer_id ?? found.customer?.id ?? null;
        } catch (error) {
          // A deleted subscription has no customer left to invalidate.
          if (isChargebeeNotFound(error)) return null;
          throw error;
        }
      });
    },
  };
  return adapter;
};

function customerNotFound(customerId: string, cause: unknown): AdapterError {
  return new AdapterError('customer_not_found', `Chargebee has no customer ${JSON.stringify(customerId)}.`, {
    vendor: 'chargebee',
    cause,
  });
}
