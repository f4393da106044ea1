import { type Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { createSimulatorKit, type SimulatorKit } from '../simulator-kit';
import {
  type ChargebeeDataset,
  type ChargebeeFeatureRecord,
  type ChargebeeSubscriptionEntitlementRecord,
  type ChargebeeSubscriptionRecord,
  chargebeeSandboxCredentials,
  createChargebeeDemoDataset,
} from './fixtures';

/**
 * A Chargebee Billing API v2 simulator, written from Chargebee's documentation (its API
 * reference and official SDK sources), not from the adapter: the sandbox backend and the adapter's integration-test double.
 *
 * Implemented, under `/api/v2`: `GET /customers/{id}`, `GET /customers/{id}/customer_entitlements`
 * (feature-grouped `limit`, `next_offset` absent on the last page, `consolidate_entitlements`, 400 when
 * the site has the endpoint disabled), `GET /subscriptions` (`customer_id[is]`, `status[is]`,
 * `status[in]`), `GET /subscriptions/{id}`, `GET /subscriptions/{id}/subscription_entitlements`,
 * `GET /features`, `GET /features/{id}`. Auth is HTTP Basic with the API key as user name.
 *
 * Modelling choices where the docs are silent:
 * - `customer_entitlements` offsets are plain feature counts, like the documented example ("2");
 *   every other list uses Chargebee-looking JSON-array tokens (`["3","sub_42"]`). Clients must treat
 *   both as opaque.
 * - `customer_entitlements` counts rows of `active`/`non_renewing` subscriptions that are in effect
 *   now (a scheduled override whose `effective_from` is in the future is left out), in store order,
 *   features ordered by first appearance. `subscription_entitlements` serves the stored rows as they
 *   are, dates included. An expired override keeps being served until the store drops it, which is
 *   how Chargebee's delayed clean-up (up to ~12 h) is modelled.
 * - `include_scheduled_overrides`/`include_drafts` are accepted and ignored (semantics UNCONFIRMED).
 */

/** Options of {@link createChargebeeSimulator}. */
export interface ChargebeeSimulatorOptions {
  /** The site's data; a fresh copy of the demo dataset by default. */
  dataset?: ChargebeeDataset;
  /** The API key the simulator accepts; the sandbox key by default. */
  apiKey?: string;
  /** Whether `customer_entitlements` is enabled on the site (Chargebee Support enables it). Default true. */
  customerEntitlementsEnabled?: boolean;
  /** The simulator's clock (epoch ms), deciding which scheduled rows are in effect. */
  now?: () => number;
}

/** The simulator's mutable state: tests change it between calls. */
export interface ChargebeeSimulatorStore extends ChargebeeDataset {
  customerEntitlementsEnabled: boolean;
}

/** A running simulator: the Hono app, the shared kit (recording, faults) and the store. */
export interface ChargebeeSimulator {
  app: Hono;
  kit: SimulatorKit;
  store: ChargebeeSimulatorStore;
}

/** The body the simulator sends when `customer_entitlements` is disabled on the site. */
export const chargebeeCustomerEntitlementsDisabledBody = {
  message: 'customer_entitlements is not enabled for this site. Contact Chargebee Support to enable it.',
  type: 'invalid_request',
  api_error_code: 'feature_not_enabled',
} as const;

const DEFAULT_LIMIT = 10;
const contributingStatuses: ReadonlySet<string> = new Set(['active', 'non_renewing']);

type ErrorBody = {
  message: string;
  type?: string;
  api_error_code: string;
  param?: string;
  http_status_code?: number;
};

function vendorError(c: Context, status: ContentfulStatusCode, body: ErrorBody): Response {
  return c.json(body, status);
}

function notFound(c: Context, what: string): Response {
  return vendorError(c, 404, {
    message: `Sorry, we couldn't find that resource. ${what} not found.`,
    type: 'invalid_request',
    api_error_code: 'resource_not_found',
    http_status_code: 404,
  });
}

function wrongParam(c: Context, param: string, message: string): Response {
  return vendorError(c, 400, {
    message: `${param} : ${message}`,
    type: 'invalid_request',
    api_error_code: 'param_wrong_value',
    param,
    http_status_code: 400,
  });
}

/** `limit`: 1–100, default 10; anything else is Chargebee's 400 `param_wrong_value`. */
function readLimit(c: Context): number | Response {
  const raw = c.req.query('limit');
  if (raw === undefined) return DEFAULT_LIMIT;
  if (!/^\d+$/.test(raw)) return wrongParam(c, 'limit', 'invalid integer');
  const limit = Number(raw);
  if (limit < 1 || limit > 100) return wrongParam(c, 'limit', 'The value must be between 1 and 100');
  return limit;
}

/** Reads a `["<index>","<last id>"]` token of the generic lists; null = first page. */
function readListOffset(c: Context): number | null | Response {
  const raw = c.req.query('offset');
  if (raw === undefined) return null;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (Array.isArray(parsed) && typeof parsed[0] === 'string' && /^\d+$/.test(parsed[0]))
      return Number(parsed[0]);
  } catch {
    // Falls through to Chargebee's answer for an offset it did not issue.
  }
  return wrongParam(c, 'offset', 'invalid offset');
}

/** Pages a generic list; the token names the next index and the last id served (as Chargebee's do). */
function pageOf<T extends { id?: string }, R>(
  items: readonly T[],
  start: number,
  limit: number,
  render: (item: T) => R,
): { list: R[]; next_offset?: string } {
  const slice = items.slice(start, start + limit);
  const end = start + slice.length;
  const last = slice[slice.length - 1];
  return {
    list: slice.map(render),
    ...(end < items.length ? { next_offset: JSON.stringify([String(end), last?.id ?? String(end)]) } : {}),
  };
}

/** The values of a `field[in]` filter: `["a","b"]` (JSON, as the SDKs send) or `[a,b]`. */
function readInFilter(raw: string | undefined): string[] | null {
  if (raw === undefined) return null;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (Array.isArray(parsed)) return parsed.map(String);
  } catch {
    // Not JSON: the bare `[a,b]` spelling of the docs.
  }
  return raw
    .replace(/^\[|\]$/g, '')
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value !== '');
}

function isUnlimitedValue(value: string, feature: ChargebeeFeatureRecord | undefined): boolean {
  if (value.toLowerCase() === 'unlimited') return true;
  return (feature?.levels ?? []).some(
    (level) => level.is_unlimited && level.value.toLowerCase() === value.toLowerCase(),
  );
}

function isSwitchOn(value: string): boolean {
  return /^(true|available)$/i.test(value);
}

/** Chargebee's generated `name`: quantity/range → value + pluralised unit; custom → value; switch → Available. */
function entitlementName(feature: ChargebeeFeatureRecord | undefined, value: string): string {
  if (!feature) return value;
  if (feature.type === 'switch') return isSwitchOn(value) ? 'Available' : 'Not Available';
  if (feature.type === 'custom') return value;
  const level = feature.levels?.find((candidate) => candidate.value.toLowerCase() === value.toLowerCase());
  if (level?.name) return level.name;
  if (!feature.unit) return value;
  if (isUnlimitedValue(value, feature)) return `Unlimited ${feature.unit}`;
  return `${value} ${feature.unit}${value === '1' ? '' : 's'}`;
}

/** Merges one feature's rows like Chargebee's subscription-entitlement rules (used by consolidation). */
function mergeValues(feature: ChargebeeFeatureRecord | undefined, values: readonly string[]): string {
  const type = feature?.type;
  if (type === 'switch') return values.some(isSwitchOn) ? 'true' : 'false';
  if (type === 'custom') {
    let best: { value: string; level: number } | null = null;
    for (const value of values) {
      const level = feature?.levels?.find((candidate) => candidate.value === value)?.level ?? 0;
      if (best === null || level > best.level) best = { value, level };
    }
    return best?.value ?? '';
  }
  const unlimited = values.find((value) => isUnlimitedValue(value, feature));
  if (unlimited !== undefined) return unlimited;
  return String(values.reduce((sum, value) => sum + (Number(value) || 0), 0));
}

/** Creates the simulator; register its `app` behind a base URL ending in nothing (routes are `/api/v2/...`). */
export function createChargebeeSimulator(options: ChargebeeSimulatorOptions = {}): ChargebeeSimulator {
  const dataset = options.dataset ?? createChargebeeDemoDataset();
  const store: ChargebeeSimulatorStore = {
    ...dataset,
    customerEntitlementsEnabled: options.customerEntitlementsEnabled ?? true,
  };
  const apiKey = options.apiKey ?? chargebeeSandboxCredentials.apiKey;
  const now = options.now ?? Date.now;
  const kit = createSimulatorKit();

  const featureById = (id: string) => store.features.find((feature) => feature.id === id);
  const customerById = (id: string) => store.customers.find((customer) => customer.id === id);
  const subscriptionById = (id: string) => store.subscriptions.find((subscription) => subscription.id === id);

  const renderSubscription = (subscription: ChargebeeSubscriptionRecord) => ({
    id: subscription.id,
    customer_id: subscription.customer_id,
    status: subscription.status,
    created_at: subscription.created_at,
    object: 'subscription',
  });
  const renderCustomer = (id: string) => {
    const customer = customerById(id);
    return customer ? { ...customer, object: 'customer' } : undefined;
  };
  const renderSubscriptionEntitlement = (row: ChargebeeSubscriptionEntitlementRecord) => {
    const feature = featureById(row.feature_id);
    return {
      subscription_id: row.subscription_id,
      feature_id: row.feature_id,
      ...(feature ? { feature_name: feature.name, feature_type: feature.type } : {}),
      ...(feature?.unit ? { feature_unit: feature.unit } : {}),
      value: row.value,
      name: entitlementName(feature, row.value),
      is_overridden: row.is_overridden,
      is_enabled: row.is_enabled,
      ...(row.effective_from === undefined ? {} : { effective_from: row.effective_from }),
      ...(row.expires_at === undefined ? {} : { expires_at: row.expires_at }),
      ...(row.schedule_status === undefined ? {} : { schedule_status: row.schedule_status }),
      object: 'subscription_entitlement',
    };
  };

  const app = new Hono();
  // First, so every request (even one refused for auth) is recorded and faults apply before routing.
  app.use('*', kit.middleware);
  app.use('/api/v2/*', async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header);
    let user: string | null = null;
    if (match?.[1]) {
      try {
        const decoded = atob(match[1]);
        user = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
      } catch {
        user = null;
      }
    }
    if (user !== apiKey) {
      return vendorError(c, 401, {
        message: 'Sorry, authentication failed. Invalid api key',
        api_error_code: 'api_authentication_failed',
        http_status_code: 401,
      });
    }
    await next();
  });

  const api = new Hono();

  api.get('/customers/:customerId', (c) => {
    const customer = renderCustomer(c.req.param('customerId'));
    if (!customer) return notFound(c, 'Customer');
    return c.json({ customer });
  });

  api.get('/customers/:customerId/customer_entitlements', (c) => {
    if (!store.customerEntitlementsEnabled)
      return vendorError(c, 400, chargebeeCustomerEntitlementsDisabledBody);
    const customerId = c.req.param('customerId');
    if (!customerById(customerId)) return notFound(c, 'Customer');
    const limit = readLimit(c);
    if (limit instanceof Response) return limit;
    const rawOffset = c.req.query('offset');
    if (rawOffset !== undefined && !/^\d+$/.test(rawOffset)) return wrongParam(c, 'offset', 'invalid offset');
    const start = rawOffset === undefined ? 0 : Number(rawOffset);
    const consolidate = c.req.query('consolidate_entitlements') === 'true';

    const atSeconds = now() / 1000;
    const contributing = new Set(
      store.subscriptions
        .filter(
          (subscription) =>
            subscription.customer_id === customerId && contributingStatuses.has(subscription.status),
        )
        .map((subscription) => subscription.id),
    );
    const rows = store.subscriptionEntitlements.filter(
      (row) =>
        contributing.has(row.subscription_id) &&
        (row.effective_from === undefined || row.effective_from <= atSeconds),
    );
    // `limit` counts features, ordered by their first appearance: a page holds every row of its features.
    const featureOrder: string[] = [];
    for (const row of rows) if (!featureOrder.includes(row.feature_id)) featureOrder.push(row.feature_id);
    const pageFeatures = featureOrder.slice(start, start + limit);
    const onPage = new Set(pageFeatures);
    let list: Array<Record<string, unknown>>;
    if (consolidate) {
      list = pageFeatures.map((featureId) => {
        const feature = featureById(featureId);
        const featureRows = rows.filter((row) => row.feature_id === featureId);
        const enabled = featureRows.filter((row) => row.is_enabled);
        const value =
          enabled.length > 0
            ? mergeValues(
                feature,
                enabled.map((row) => row.value),
              )
            : (featureRows[0]?.value ?? '');
        return {
          customer_entitlement: {
            customer_id: customerId,
            feature_id: featureId,
            value,
            name: entitlementName(feature, value),
            is_enabled: enabled.length > 0,
            object: 'customer_entitlement',
          },
        };
      });
    } else {
      list = rows
        .filter((row) => onPage.has(row.feature_id))
        .map((row) => ({
          customer_entitlement: {
            customer_id: customerId,
            subscription_id: row.subscription_id,
            feature_id: row.feature_id,
            value: row.value,
            name: entitlementName(featureById(row.feature_id), row.value),
            is_enabled: row.is_enabled,
            object: 'customer_entitlement',
          },
        }));
    }
    const end = start + pageFeatures.length;
    return c.json({ list, ...(end < featureOrder.length ? { next_offset: String(end) } : {}) });
  });

  api.get('/subscriptions', (c) => {
    const limit = readLimit(c);
    if (limit instanceof Response) return limit;
    const start = readListOffset(c);
    if (start instanceof Response) return start;
    const customerId = c.req.query('customer_id[is]');
    const statusIs = c.req.query('status[is]');
    const statusIn = readInFilter(c.req.query('status[in]'));
    const matching = store.subscriptions.filter(
      (subscription) =>
        (customerId === undefined || subscription.customer_id === customerId) &&
        (statusIs === undefined || subscription.status === statusIs) &&
        (statusIn === null || statusIn.includes(subscription.status)),
    );
    return c.json(
      pageOf(matching, start ?? 0, limit, (subscription) => ({
        subscription: renderSubscription(subscription),
        ...(renderCustomer(subscription.customer_id)
          ? { customer: renderCustomer(subscription.customer_id) }
          : {}),
      })),
    );
  });

  api.get('/subscriptions/:subscriptionId', (c) => {
    const subscription = subscriptionById(c.req.param('subscriptionId'));
    if (!subscription) return notFound(c, 'Subscription');
    const customer = renderCustomer(subscription.customer_id);
    return c.json({ subscription: renderSubscription(subscription), ...(customer ? { customer } : {}) });
  });

  api.get('/subscriptions/:subscriptionId/subscription_entitlements', (c) => {
    const subscriptionId = c.req.param('subscriptionId');
    if (!subscriptionById(subscriptionId)) return notFound(c, 'Subscription');
    const limit = readLimit(c);
    if (limit instanceof Response) return limit;
    const start = readListOffset(c);
    if (start instanceof Response) return start;
    const rows = store.subscriptionEntitlements
      .filter((row) => row.subscription_id === subscriptionId)
      .map((row) => ({ ...row, id: `${row.subscription_id}:${row.feature_id}` }));
    return c.json(
      pageOf(rows, start ?? 0, limit, (row) => ({
        subscription_entitlement: renderSubscriptionEntitlement(row),
      })),
    );
  });

  api.get('/features', (c) => {
    const limit = readLimit(c);
    if (limit instanceof Response) return limit;
    const start = readListOffset(c);
    if (start instanceof Response) return start;
    return c.json(
      pageOf(store.features, start ?? 0, limit, (feature) => ({
        feature: { ...feature, object: 'feature' },
      })),
    );
  });

  api.get('/features/:featureId', (c) => {
    const feature = featureById(c.req.param('featureId'));
    if (!feature) return notFound(c, 'Feature');
    return c.json({ feature: { ...feature, object: 'feature' } });
  });

  app.route('/api/v2', api);
  app.notFound((c) => notFound(c, 'Resource'));
  return { app, kit, store };
}
