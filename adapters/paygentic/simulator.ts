import { Hono } from 'hono';
import { createSimulatorKit, type SimulatorKit } from '../simulator-kit';
import {
  type PaygenticCustomerFixture,
  type PaygenticStoredEntitlement,
  type PaygenticStoredMetering,
  paygenticDemoCustomers,
  paygenticSandboxCredentials,
} from './fixtures';

/**
 * A simulator of Paygentic's entitlement reads, written from Paygentic's documentation (its API
 * reference and the OpenAPI document shipped in its Node SDK), not from the adapter: it is the sandbox backend and the adapter's test double.
 *
 * - `GET /v1/entitlements`: `customerId` (required), `productId`, `subscriptionId`, `featureKey`
 *   (requires `productId`), `limit` 1–100 (default 10), `offset` ≥ 0 (default 0), `at` (RFC 3339,
 *   default now). `{object:"list", data, pagination:{limit, offset, total}}`, rows in issue order.
 *   An unknown customer is an empty list (the operation declares no 404).
 * - `GET /v1/entitlements/{entitlementId}`: the single entitlement with live balance and, for
 *   metered, `isSoftLimit` (which list rows never carry); 404 `{message, error:"not_found"}`.
 * - `Authorization: Bearer <key>` on every route; a missing or wrong key is 401
 *   `{message, error:"unauthorized"}`. Invalid parameters are 400 `ValidationError`
 *   `{error:"validation_error", message, errors:[{field, message, code}]}`.
 *
 * Access, status and balances are evaluated at `at` from the stored records, so past and future
 * instants answer differently: `canceled` from `canceledAt`, `expired` from `activeTo`, no access
 * before `activeFrom`, and a metered balance from its grants and usage in the period around `at`.
 */

/** Options of {@link createPaygenticSimulator}. */
export interface PaygenticSimulatorOptions {
  /** The one API key accepted (default: the sandbox key). */
  apiKey?: string;
  /** Customers to seed (default: the demo customers). Copied, so the fixtures stay untouched. */
  customers?: readonly PaygenticCustomerFixture[];
  /** The simulator's clock, the `at` used when a request names none (default `Date.now`). */
  now?: () => number;
}

/** A webhook body as Paygentic (through Svix) would deliver it. */
export interface PaygenticWebhookEvent {
  eventType: string;
  eventId: string;
  timestamp: string;
  data: Record<string, unknown>;
}

/** The simulator's mutable data, for tests and the sandbox to change what Paygentic knows. */
export interface PaygenticSimulatorStore {
  /** Stored entitlements by customer id, in the order the list serves them. Mutate freely. */
  readonly customers: Map<string, PaygenticStoredEntitlement[]>;
  /** The stored entitlement with this id, if any. */
  findEntitlement(entitlementId: string): PaygenticStoredEntitlement | undefined;
  /** Replaces (or adds) a customer and its entitlements (copied). */
  putCustomer(fixture: PaygenticCustomerFixture): void;
  /** Records usage of a metered entitlement at `at`, as an ingested usage event would. */
  recordUsage(entitlementId: string, amount: number, at: string): void;
  /**
   * Cancels every entitlement of a subscription at `at` and returns the `subscription.cancelled.v0`
   * event Paygentic would send for it.
   */
  cancelSubscription(subscriptionId: string, at: string): PaygenticWebhookEvent;
}

/** What {@link createPaygenticSimulator} returns. */
export interface PaygenticSimulator {
  app: Hono;
  kit: SimulatorKit;
  store: PaygenticSimulatorStore;
}

const customerIdPattern = /^cus_[a-zA-Z0-9]+$/;
const productIdPattern = /^prod_[a-zA-Z0-9]+$/;
const subscriptionIdPattern = /^sub_[a-zA-Z0-9]+$/;
const entitlementIdPattern = /^ent_[a-zA-Z0-9]+$/;
const rfc3339Pattern = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const integerPattern = /^-?\d+$/;
const dayMs = 86_400_000;

interface FieldError {
  field: string;
  message: string;
  code: string;
}

function validationError(errors: FieldError[]) {
  return {
    error: 'validation_error',
    message: 'The request parameters are invalid.',
    errors,
  } as const;
}

function parseInstant(text: string): number {
  return Date.parse(text);
}

function daysInMonth(year: number, monthIndex: number): number {
  return new Date(Date.UTC(year, monthIndex + 1, 0)).getUTCDate();
}

/** `anchor + steps × interval`, calendar-aware for months and years (day clamped to month end). */
function addInterval(anchorMs: number, interval: { count: number; unit: string }, steps: number): number {
  if (interval.unit === 'D') return anchorMs + steps * interval.count * dayMs;
  if (interval.unit === 'W') return anchorMs + steps * interval.count * 7 * dayMs;
  const anchor = new Date(anchorMs);
  const months = steps * interval.count * (interval.unit === 'Y' ? 12 : 1);
  const year = anchor.getUTCFullYear();
  const month = anchor.getUTCMonth() + months;
  const targetYear = year + Math.floor(month / 12);
  const targetMonth = ((month % 12) + 12) % 12;
  const day = Math.min(anchor.getUTCDate(), daysInMonth(targetYear, targetMonth));
  return Date.UTC(
    targetYear,
    targetMonth,
    day,
    anchor.getUTCHours(),
    anchor.getUTCMinutes(),
    anchor.getUTCSeconds(),
    anchor.getUTCMilliseconds(),
  );
}

/** The usage period `[start, end)` containing `atMs`. */
function periodAround(
  period: { interval: string; anchor: string },
  atMs: number,
): { start: number; end: number } {
  const match = /^P(\d+)([DWMY])$/.exec(period.interval);
  const anchorMs = parseInstant(period.anchor);
  if (!match || Number.isNaN(anchorMs)) throw new RangeError(`unsupported usage period ${period.interval}`);
  const interval = { count: Number(match[1]), unit: match[2] ?? 'M' };
  const approximateMs = { D: dayMs, W: 7 * dayMs, M: 30.436875 * dayMs, Y: 365.2425 * dayMs }[
    interval.unit as 'D' | 'W' | 'M' | 'Y'
  ];
  let steps = Math.floor((atMs - anchorMs) / (approximateMs * interval.count));
  while (addInterval(anchorMs, interval, steps) > atMs) steps -= 1;
  while (addInterval(anchorMs, interval, steps + 1) <= atMs) steps += 1;
  return { start: addInterval(anchorMs, interval, steps), end: addInterval(anchorMs, interval, steps + 1) };
}

interface MeterReading {
  balance: number;
  usageInPeriod: number;
  overage: number;
  currentPeriodStart: string | null;
  currentPeriodEnd: string | null;
}

function readMeter(metering: PaygenticStoredMetering | null, atMs: number): MeterReading {
  if (metering === null) {
    return { balance: 0, usageInPeriod: 0, overage: 0, currentPeriodStart: null, currentPeriodEnd: null };
  }
  const period = metering.usagePeriod ? periodAround(metering.usagePeriod, atMs) : null;
  const granted = metering.grants
    .filter(
      (grant) =>
        parseInstant(grant.effectiveAt) <= atMs &&
        (grant.expiresAt === null || atMs < parseInstant(grant.expiresAt)),
    )
    .reduce((sum, grant) => sum + grant.amount, 0);
  const used = metering.usage
    .filter((event) => {
      const eventMs = parseInstant(event.at);
      return eventMs <= atMs && (period === null || eventMs >= period.start);
    })
    .reduce((sum, event) => sum + event.amount, 0);
  return {
    balance: Math.max(0, granted - used),
    usageInPeriod: used,
    overage: Math.max(0, used - granted),
    currentPeriodStart: period ? new Date(period.start).toISOString() : null,
    currentPeriodEnd: period ? new Date(period.end).toISOString() : null,
  };
}

interface Evaluation {
  status: 'active' | 'canceled' | 'expired';
  hasAccess: boolean;
  meter: MeterReading | null;
}

/** How Paygentic sees a stored entitlement at `atMs`. */
function evaluate(entitlement: PaygenticStoredEntitlement, atMs: number): Evaluation {
  const canceled = entitlement.canceledAt !== null && parseInstant(entitlement.canceledAt) <= atMs;
  const ended = entitlement.activeTo !== null && parseInstant(entitlement.activeTo) <= atMs;
  const status = canceled ? 'canceled' : ended ? 'expired' : 'active';
  const started = parseInstant(entitlement.activeFrom) <= atMs;
  const meter = entitlement.featureType === 'metered' ? readMeter(entitlement.metering, atMs) : null;
  const withinBalance = meter === null || meter.balance > 0 || entitlement.metering?.isSoftLimit === true;
  return { status, hasAccess: status === 'active' && started && withinBalance, meter };
}

/** The list row (`EntitlementAccessResult`); metered fields only on metered rows, never `isSoftLimit`. */
function accessResult(entitlement: PaygenticStoredEntitlement, atMs: number): Record<string, unknown> {
  const { status, hasAccess, meter } = evaluate(entitlement, atMs);
  return {
    hasAccess,
    featureKey: entitlement.featureKey,
    featureType: entitlement.featureType,
    config: entitlement.featureType === 'static' ? entitlement.config : null,
    entitlementId: entitlement.id,
    productId: entitlement.productId,
    activeFrom: entitlement.activeFrom,
    activeTo: entitlement.activeTo,
    status,
    ...(meter === null ? {} : meter),
  };
}

/** The single entitlement (`EntitlementDetail*`, discriminated by `featureType`). */
function entitlementDetail(entitlement: PaygenticStoredEntitlement, atMs: number): Record<string, unknown> {
  const { status, hasAccess, meter } = evaluate(entitlement, atMs);
  return {
    object: 'entitlement',
    id: entitlement.id,
    customerId: entitlement.customerId,
    featureId: entitlement.featureId,
    featureKey: entitlement.featureKey,
    featureType: entitlement.featureType,
    subscriptionId: entitlement.subscriptionId,
    status,
    activeFrom: entitlement.activeFrom,
    activeTo: entitlement.activeTo,
    hasAccess,
    metadata: entitlement.metadata,
    ...(entitlement.featureType === 'static' ? { config: entitlement.config } : {}),
    ...(meter === null ? {} : { ...meter, isSoftLimit: entitlement.metering?.isSoftLimit ?? false }),
  };
}

function readInteger(
  query: URLSearchParams,
  field: string,
  fallback: number,
  min: number,
  max: number,
  errors: FieldError[],
): number {
  const text = query.get(field);
  if (text === null) return fallback;
  const value = integerPattern.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `between ${min} and ${max}`;
    errors.push({ field, message: `${field} must be an integer ${range}`, code: 'invalid_value' });
    return fallback;
  }
  return value;
}

function readPattern(
  query: URLSearchParams,
  field: string,
  pattern: RegExp,
  errors: FieldError[],
): string | null {
  const value = query.get(field);
  if (value !== null && !pattern.test(value)) {
    errors.push({ field, message: `${field} must match ${pattern.source}`, code: 'invalid_format' });
  }
  return value;
}

/** `at` as epoch ms (default now), or an error. */
function readAt(query: URLSearchParams, now: () => number, errors: FieldError[]): number {
  const text = query.get('at');
  if (text === null) return now();
  const value = rfc3339Pattern.test(text) ? parseInstant(text) : Number.NaN;
  if (Number.isNaN(value)) {
    errors.push({ field: 'at', message: 'at must be an RFC 3339 date-time', code: 'invalid_format' });
    return now();
  }
  return value;
}

function copyFixture(fixture: PaygenticCustomerFixture): PaygenticStoredEntitlement[] {
  return structuredClone(fixture.entitlements);
}

/** Builds the Paygentic simulator, seeded with the demo customers unless told otherwise. */
export function createPaygenticSimulator(options: PaygenticSimulatorOptions = {}): PaygenticSimulator {
  const apiKey = options.apiKey ?? paygenticSandboxCredentials.apiKey;
  const now = options.now ?? Date.now;
  const kit = createSimulatorKit();
  const customers = new Map<string, PaygenticStoredEntitlement[]>();
  for (const fixture of options.customers ?? paygenticDemoCustomers) {
    customers.set(fixture.customerId, copyFixture(fixture));
  }
  let eventCounter = 0;

  const findEntitlement = (entitlementId: string): PaygenticStoredEntitlement | undefined => {
    for (const entitlements of customers.values()) {
      const found = entitlements.find((entitlement) => entitlement.id === entitlementId);
      if (found) return found;
    }
    return undefined;
  };

  const store: PaygenticSimulatorStore = {
    customers,
    findEntitlement,
    putCustomer(fixture) {
      customers.set(fixture.customerId, copyFixture(fixture));
    },
    recordUsage(entitlementId, amount, at) {
      const entitlement = findEntitlement(entitlementId);
      if (!entitlement?.metering) throw new RangeError(`no metered entitlement ${entitlementId}`);
      entitlement.metering.usage.push({ at, amount });
    },
    cancelSubscription(subscriptionId, at) {
      let customerId: string | null = null;
      for (const entitlements of customers.values()) {
        for (const entitlement of entitlements) {
          if (entitlement.subscriptionId !== subscriptionId) continue;
          entitlement.canceledAt = at;
          customerId = entitlement.customerId;
        }
      }
      if (customerId === null) throw new RangeError(`no entitlements for subscription ${subscriptionId}`);
      eventCounter += 1;
      return {
        eventType: 'subscription.cancelled.v0',
        eventId: `evt_sim${eventCounter}`,
        timestamp: at,
        data: { id: subscriptionId, object: 'subscription', customerId, status: 'cancelled' },
      };
    },
  };

  const app = new Hono();
  // First, so every request (even a rejected one) is recorded and faults apply before anything else.
  app.use('*', kit.middleware);

  app.use('*', async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (match?.[1] !== apiKey) {
      return c.json({ message: 'Invalid or missing API key.', error: 'unauthorized' }, 401);
    }
    await next();
  });

  app.get('/v1/entitlements', (c) => {
    const query = new URL(c.req.url).searchParams;
    const errors: FieldError[] = [];
    const customerId = query.get('customerId');
    if (customerId === null || customerId === '') {
      errors.push({ field: 'customerId', message: 'customerId is required', code: 'required' });
    } else if (!customerIdPattern.test(customerId)) {
      errors.push({
        field: 'customerId',
        message: `customerId must match ${customerIdPattern.source}`,
        code: 'invalid_format',
      });
    }
    const productId = readPattern(query, 'productId', productIdPattern, errors);
    const subscriptionId = readPattern(query, 'subscriptionId', subscriptionIdPattern, errors);
    const featureKey = query.get('featureKey');
    if (featureKey !== null && productId === null) {
      errors.push({
        field: 'productId',
        message: 'productId is required when featureKey is specified',
        code: 'required',
      });
    }
    const limit = readInteger(query, 'limit', 10, 1, 100, errors);
    const offset = readInteger(query, 'offset', 0, 0, Number.MAX_SAFE_INTEGER, errors);
    const atMs = readAt(query, now, errors);
    if (errors.length > 0) return c.json(validationError(errors), 400);

    const matching = (customers.get(customerId ?? '') ?? []).filter(
      (entitlement) =>
        (productId === null || entitlement.productId === productId) &&
        (subscriptionId === null || entitlement.subscriptionId === subscriptionId) &&
        (featureKey === null || entitlement.featureKey === featureKey),
    );
    return c.json({
      object: 'list',
      data: matching.slice(offset, offset + limit).map((entitlement) => accessResult(entitlement, atMs)),
      pagination: { limit, offset, total: matching.length },
    });
  });

  app.get('/v1/entitlements/:entitlementId', (c) => {
    const entitlementId = c.req.param('entitlementId');
    const query = new URL(c.req.url).searchParams;
    const errors: FieldError[] = [];
    if (!entitlementIdPattern.test(entitlementId)) {
      errors.push({
        field: 'entitlementId',
        message: `entitlementId must match ${entitlementIdPattern.source}`,
        code: 'invalid_format',
      });
    }
    const atMs = readAt(query, now, errors);
    if (errors.length > 0) return c.json(validationError(errors), 400);
    const entitlement = findEntitlement(entitlementId);
    if (!entitlement) return c.json({ message: 'Entitlement not found.', error: 'not_found' }, 404);
    return c.json(entitlementDetail(entitlement, atMs));
  });

  app.notFound((c) => c.json({ message: 'Not found.', error: 'not_found' }, 404));

  return { app, kit, store };
}
