import { type Context, Hono } from 'hono';
import { createSimulatorKit, type SimulatorKit } from '../simulator-kit';
import {
  type StripeCustomerFixture,
  type StripeStoredEntitlement,
  type StripeStoredFeature,
  stripeDemoCatalogue,
  stripeDemoCustomers,
  stripeSandboxCredentials,
} from './fixtures';

/**
 * A simulator of Stripe's Entitlements API reads, written from Stripe's API reference (not from the
 * adapter): it is the sandbox backend and the adapter's test double.
 *
 * - `GET /v1/entitlements/active_entitlements`: `customer` (required, ≤ 5,000 characters), `limit`
 *   1–100 (default 10), `starting_after` / `ending_before` (object ids, not both), `expand[]`
 *   (`data.feature` only). `{object:"list", url, has_more, data}` in the order the customer's
 *   entitlements are stored. An unknown customer is `resource_missing` with `param: "customer"`, as a
 *   400 by default (Stripe does not document the status; `unknownCustomerStatus` picks 404).
 * - `GET /v1/entitlements/active_entitlements/{id}` (`expand[]=feature`) and
 *   `GET /v1/entitlements/features` (`limit`, `starting_after`, `ending_before`, `archived`,
 *   `lookup_key`), same list envelope.
 * - `Authorization: Bearer <key>` (or Basic with the key as user name) on every route; a missing or
 *   wrong key is 401, a key listed in `forbiddenKeys` is 403. Unknown query parameters are 400
 *   `parameter_unknown`. Errors are `{error:{type, code?, message, param?}}`; every answer carries a
 *   `Request-Id`.
 */

/** Options of {@link createStripeSimulator}. */
export interface StripeSimulatorOptions {
  /** The one secret key accepted (default: the sandbox key). */
  apiKey?: string;
  /** Keys that authenticate but lack permission for the Entitlements API (answered 403). */
  forbiddenKeys?: readonly string[];
  /** Customers to seed (default: the demo customers). Copied, so the fixtures stay untouched. */
  customers?: readonly StripeCustomerFixture[];
  /** The feature catalogue (default: the demo catalogue). Copied. */
  features?: readonly StripeStoredFeature[];
  /** The status of the unknown-customer answer (default 400). */
  unknownCustomerStatus?: 400 | 404;
  /** The simulator's clock, for event timestamps (default `Date.now`). */
  now?: () => number;
}

/** A Stripe event as Stripe would deliver it to a webhook endpoint. */
export interface StripeWebhookEvent {
  id: string;
  object: 'event';
  type: string;
  created: number;
  livemode: boolean;
  api_version: string;
  data: { object: Record<string, unknown> };
}

/** The simulator's mutable data, for tests and the sandbox to change what Stripe knows. */
export interface StripeSimulatorStore {
  /** Active entitlements by customer id, in listing order. Mutate freely. */
  readonly customers: Map<string, StripeStoredEntitlement[]>;
  /** The feature catalogue by feature id. Mutate freely. */
  readonly features: Map<string, StripeStoredFeature>;
  /** Replaces (or adds) a customer and its entitlements (copied). */
  putCustomer(fixture: StripeCustomerFixture): void;
  /** Adds (or replaces) a catalogue feature (copied). */
  putFeature(feature: StripeStoredFeature): void;
  /**
   * Grants a customer a catalogue feature (a new `ent_…` first in its list, as Stripe lists newest
   * first) and returns the `entitlements.active_entitlement_summary.updated` event Stripe would send.
   */
  grant(customerId: string, featureId: string): StripeWebhookEvent;
  /** Removes the customer's entitlement to the feature with this lookup key and returns the event. */
  revoke(customerId: string, lookupKey: string): StripeWebhookEvent;
}

/** What {@link createStripeSimulator} returns. */
export interface StripeSimulator {
  app: Hono;
  kit: SimulatorKit;
  store: StripeSimulatorStore;
}

const listUrl = '/v1/entitlements/active_entitlements';
const featuresUrl = '/v1/entitlements/features';
const simulatedApiVersion = '2024-09-30.acacia';
const customerIdMaxLength = 5_000;
const integerPattern = /^-?\d+$/;
const expandKeyPattern = /^expand\[\d*\]$/;
const apiVersionPattern = /^\d{4}-\d{2}-\d{2}(?:\.[a-z]+)?$/;

/** A Stripe error answer: `{error:{type, code?, message, param?}}`. */
class StripeApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404,
    message: string,
    readonly code?: string,
    readonly param?: string,
  ) {
    super(message);
  }

  body() {
    return {
      error: {
        type: 'invalid_request_error',
        ...(this.code === undefined ? {} : { code: this.code }),
        message: this.message,
        ...(this.param === undefined ? {} : { param: this.param }),
        ...(this.code === undefined ? {} : { doc_url: `https://stripe.com/docs/error-codes/${this.code}` }),
      },
    };
  }
}

/** Stripe shows a key in messages with all but its last four characters masked. */
function maskKey(key: string): string {
  const prefix = /^(sk|rk|pk)_(test|live)_/.exec(key)?.[0] ?? '';
  return `${prefix}${'*'.repeat(Math.max(0, key.length - prefix.length - 4))}${key.slice(-4)}`;
}

function presentedKey(authorization: string | undefined): string | null {
  if (!authorization) return null;
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (bearer?.[1]) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
  if (!basic?.[1]) return null;
  try {
    return atob(basic[1]).split(':')[0] || null;
  } catch {
    return null;
  }
}

/** Rejects any query parameter outside `allowed` (and the `expand[]` forms), as Stripe does. */
function rejectUnknownParameters(query: URLSearchParams, allowed: readonly string[]): void {
  for (const name of query.keys()) {
    if (!allowed.includes(name) && !expandKeyPattern.test(name)) {
      throw new StripeApiError(400, `Received unknown parameter: ${name}`, 'parameter_unknown', name);
    }
  }
}

/** The `expand[]` values of a request; any value but `allowed` is refused. */
function readExpand(query: URLSearchParams, allowed: string): boolean {
  let expanded = false;
  for (const [name, value] of query) {
    if (!expandKeyPattern.test(name)) continue;
    if (value !== allowed)
      throw new StripeApiError(400, `This property cannot be expanded (${value}).`, undefined, name);
    expanded = true;
  }
  return expanded;
}

function readLimit(query: URLSearchParams): number {
  const text = query.get('limit');
  if (text === null) return 10;
  const value = integerPattern.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value))
    throw new StripeApiError(400, `Invalid integer: ${text}`, 'parameter_invalid_integer', 'limit');
  if (value < 1 || value > 100) {
    throw new StripeApiError(
      400,
      'This value must be greater than or equal to 1 and less than or equal to 100.',
      'parameter_invalid_integer',
      'limit',
    );
  }
  return value;
}

/**
 * One page of `items` by keyset: after `starting_after` (the next `limit`), or before
 * `ending_before` (the `limit` just before it); `has_more` says whether more lie in that direction.
 */
function keysetPage<T extends { id: string }>(
  items: readonly T[],
  query: URLSearchParams,
  objectName: string,
): { data: T[]; hasMore: boolean } {
  const limit = readLimit(query);
  const startingAfter = query.get('starting_after');
  const endingBefore = query.get('ending_before');
  if (startingAfter !== null && endingBefore !== null) {
    throw new StripeApiError(
      400,
      'You may only specify one of these parameters: ending_before, starting_after.',
      'parameter_invalid_empty',
      'ending_before',
    );
  }
  const position = (id: string, param: string): number => {
    const index = items.findIndex((item) => item.id === id);
    if (index < 0) throw new StripeApiError(400, `No such ${objectName}: '${id}'`, 'resource_missing', param);
    return index;
  };
  if (endingBefore !== null) {
    const end = position(endingBefore, 'ending_before');
    const start = Math.max(0, end - limit);
    return { data: items.slice(start, end), hasMore: start > 0 };
  }
  const start = startingAfter === null ? 0 : position(startingAfter, 'starting_after') + 1;
  return { data: items.slice(start, start + limit), hasMore: start + limit < items.length };
}

function featureObject(feature: StripeStoredFeature) {
  return {
    id: feature.id,
    object: 'entitlements.feature',
    active: feature.active,
    livemode: false,
    lookup_key: feature.lookupKey,
    metadata: { ...feature.metadata },
    name: feature.name,
  };
}

/** Builds the Stripe simulator, seeded with the demo customers and catalogue unless told otherwise. */
export function createStripeSimulator(options: StripeSimulatorOptions = {}): StripeSimulator {
  const apiKey = options.apiKey ?? stripeSandboxCredentials.apiKey;
  const forbiddenKeys = new Set(options.forbiddenKeys ?? []);
  const unknownCustomerStatus = options.unknownCustomerStatus ?? 400;
  const now = options.now ?? Date.now;
  const kit = createSimulatorKit();
  const customers = new Map<string, StripeStoredEntitlement[]>();
  const features = new Map<string, StripeStoredFeature>();
  for (const feature of options.features ?? stripeDemoCatalogue)
    features.set(feature.id, structuredClone(feature));
  for (const fixture of options.customers ?? stripeDemoCustomers)
    customers.set(fixture.customerId, structuredClone(fixture.entitlements));
  let requestCounter = 0;
  let eventCounter = 0;
  let entitlementCounter = 0;

  const featureOf = (featureId: string): StripeStoredFeature => {
    const feature = features.get(featureId);
    // The fixtures reference catalogue features only; a dangling id is a broken test setup.
    if (!feature) throw new RangeError(`simulator: no feature ${featureId} in the catalogue`);
    return feature;
  };

  const activeEntitlement = (entitlement: StripeStoredEntitlement, expand: boolean) => {
    const feature = featureOf(entitlement.featureId);
    return {
      id: entitlement.id,
      object: 'entitlements.active_entitlement',
      feature: expand ? featureObject(feature) : feature.id,
      livemode: false,
      lookup_key: feature.lookupKey,
    };
  };

  const summaryEvent = (customerId: string): StripeWebhookEvent => {
    eventCounter += 1;
    const held = customers.get(customerId) ?? [];
    return {
      id: `evt_sim${String(eventCounter).padStart(6, '0')}`,
      object: 'event',
      type: 'entitlements.active_entitlement_summary.updated',
      created: Math.floor(now() / 1000),
      livemode: false,
      api_version: simulatedApiVersion,
      data: {
        object: {
          object: 'entitlements.active_entitlement_summary',
          customer: customerId,
          entitlements: {
            object: 'list',
            url: `${listUrl}?customer=${customerId}`,
            has_more: held.length > 10,
            data: held.slice(0, 10).map((entitlement) => activeEntitlement(entitlement, false)),
          },
          livemode: false,
        },
      },
    };
  };

  const store: StripeSimulatorStore = {
    customers,
    features,
    putCustomer(fixture) {
      customers.set(fixture.customerId, structuredClone(fixture.entitlements));
    },
    putFeature(feature) {
      features.set(feature.id, structuredClone(feature));
    },
    grant(customerId, featureId) {
      featureOf(featureId);
      entitlementCounter += 1;
      const held = customers.get(customerId) ?? [];
      held.unshift({ id: `ent_sim${String(entitlementCounter).padStart(6, '0')}`, featureId });
      customers.set(customerId, held);
      return summaryEvent(customerId);
    },
    revoke(customerId, lookupKey) {
      const held = customers.get(customerId) ?? [];
      const kept = held.filter((entitlement) => featureOf(entitlement.featureId).lookupKey !== lookupKey);
      if (kept.length === held.length) throw new RangeError(`${customerId} holds no ${lookupKey}`);
      customers.set(customerId, kept);
      return summaryEvent(customerId);
    },
  };

  const app = new Hono();
  // First, so every request (even a rejected one) is recorded and faults apply before anything else.
  app.use('*', kit.middleware);

  app.use('*', async (c, next) => {
    requestCounter += 1;
    c.header('request-id', `req_sim${String(requestCounter).padStart(8, '0')}`);
    const key = presentedKey(c.req.header('authorization'));
    if (key === null) {
      throw new StripeApiError(
        401,
        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
      );
    }
    if (forbiddenKeys.has(key)) {
      throw new StripeApiError(
        403,
        `The provided key '${maskKey(key)}' does not have the required permissions for this endpoint on account 'acct_simulator'.`,
      );
    }
    if (key !== apiKey)
      throw new StripeApiError(401, `Invalid API Key provided: ${maskKey(key)}`, 'api_key_invalid');
    const version = c.req.header('stripe-version');
    if (version !== undefined && !apiVersionPattern.test(version)) {
      throw new StripeApiError(400, `Invalid Stripe API version: ${version}`, 'invalid_api_version');
    }
    await next();
  });

  app.get(listUrl, (c) => {
    const query = new URL(c.req.url).searchParams;
    rejectUnknownParameters(query, ['customer', 'limit', 'starting_after', 'ending_before']);
    const customerId = query.get('customer');
    if (customerId === null || customerId === '') {
      throw new StripeApiError(400, 'Missing required param: customer.', 'parameter_missing', 'customer');
    }
    if (customerId.length > customerIdMaxLength) {
      throw new StripeApiError(
        400,
        `Invalid string: ${customerId.slice(0, 20)}...; must be at most ${customerIdMaxLength} characters`,
        'string_length_invalid',
        'customer',
      );
    }
    const expand = readExpand(query, 'data.feature');
    const held = customers.get(customerId);
    if (held === undefined) {
      throw new StripeApiError(
        unknownCustomerStatus,
        `No such customer: '${customerId}'`,
        'resource_missing',
        'customer',
      );
    }
    const page = keysetPage(held, query, 'active_entitlement');
    return c.json({
      object: 'list',
      url: listUrl,
      has_more: page.hasMore,
      data: page.data.map((entitlement) => activeEntitlement(entitlement, expand)),
    });
  });

  app.get(featuresUrl, (c) => {
    const query = new URL(c.req.url).searchParams;
    rejectUnknownParameters(query, ['limit', 'starting_after', 'ending_before', 'archived', 'lookup_key']);
    const archived = query.get('archived');
    if (archived !== null && archived !== 'true' && archived !== 'false') {
      throw new StripeApiError(400, `Invalid boolean: ${archived}`, 'parameter_invalid_boolean', 'archived');
    }
    const lookupKey = query.get('lookup_key');
    const matching = [...features.values()].filter(
      (feature) =>
        (archived === null || feature.active === (archived === 'false')) &&
        (lookupKey === null || feature.lookupKey === lookupKey),
    );
    const page = keysetPage(matching, query, 'feature');
    return c.json({
      object: 'list',
      url: featuresUrl,
      has_more: page.hasMore,
      data: page.data.map(featureObject),
    });
  });

  app.get(`${listUrl}/:id`, (c) => {
    const id = c.req.param('id');
    const query = new URL(c.req.url).searchParams;
    rejectUnknownParameters(query, []);
    const expand = readExpand(query, 'feature');
    for (const held of customers.values()) {
      const found = held.find((entitlement) => entitlement.id === id);
      if (found) return c.json(activeEntitlement(found, expand));
    }
    throw new StripeApiError(404, `No such active_entitlement: '${id}'`, 'resource_missing', 'id');
  });

  app.notFound((c) =>
    c.json(
      {
        error: {
          type: 'invalid_request_error',
          message: `Unrecognized request URL (${c.req.method}: ${new URL(c.req.url).pathname}).`,
        },
      },
      404,
    ),
  );

  app.onError((error, c: Context) => {
    if (error instanceof StripeApiError) return c.json(error.body(), error.status);
    // Anything else is the simulator kit's simulated connection failure (or a broken test setup):
    // let it propagate as a failure of the transport rather than dress it up as a Stripe answer.
    throw error;
  });

  return { app, kit, store };
}
