import { z } from 'zod';
import { lazy } from '../kit/lazy';

/**
 * Zenskar wire formats (from Zenskar's public API reference), as the gateway reads them.
 *
 * Tolerant on purpose: every field that the mapping can do without is `.nullish()`, unknown keys are
 * kept (`looseObject`) so a row parsed here is still the row as received, and enum-like fields
 * (`type`, `status`, `source_type`) are plain strings so a new vendor value degrades to a documented
 * fallback instead of failing a whole customer. Only what would make a row meaningless is required:
 * the row id and the entitlement definition id (the feature key).
 */

const isoInstantPattern =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * Reads a Zenskar timestamp as epoch milliseconds, or null when it is not an ISO 8601 instant.
 *
 * Zenskar is a FastAPI service: a naive `datetime` serializes without an offset
 * (`2023-11-07T05:31:56`). `Date.parse` would read that in the *host's* time zone, which would make
 * window checks depend on where the gateway runs, so a missing offset is read as UTC.
 */
export function parseZenskarInstant(text: string): number | null {
  const match = isoInstantPattern.exec(text.trim());
  if (!match) return null;
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  if (hour === undefined) return Date.parse(`${year}-${month}-${day}T00:00:00Z`);
  let offset = 'Z';
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    offset = `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2, 4) || '00'}`;
  }
  // Milliseconds are the finest unit a JS date keeps; Python sends microseconds.
  const millis = fraction === undefined ? '' : fraction.slice(0, 4).padEnd(4, '0');
  const parsed = Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${second ?? '00'}${millis}${offset}`);
  return Number.isNaN(parsed) ? null : parsed;
}

const instant = () =>
  z.string().refine((text) => parseZenskarInstant(text) !== null, 'expected an ISO 8601 date-time');

/**
 * Quantities are documented as JSON numbers; a numeric string is accepted too because a Python
 * `Decimal` serializes as one, and reading "10" as 10 is safer than failing the customer.
 */
const quantity = () =>
  z.union([
    z.number(),
    z
      .string()
      .regex(/^\s*-?\d+(?:\.\d+)?\s*$/)
      .transform((text) => Number(text)),
  ]);

/** `{id, name, email}` reference objects (customer, contract, product, invoice, populated or not). */
const detailsObject = () =>
  z.looseObject({
    id: z.string().nullish(),
    name: z.string().nullish(),
    email: z.string().nullish(),
  });

/** One customer entitlement row of `GET /entitlements/customer/{customer_id}` (Zenskar's "list customer entitlements" reference). */
export const zenskarCustomerEntitlementRowSchema = lazy(() =>
  z.looseObject({
    id: z.string().min(1),
    entitlement: z.string().min(1),
    name: z.string().nullish(),
    units: z.string().nullish(),
    type: z.string().nullish(),
    source_type: z.string().nullish(),
    source_id: z.string().nullish(),
    active_from: instant().nullish(),
    expiry_at: instant().nullish(),
    quantity: quantity().nullish(),
    quantity_used: quantity().nullish(),
    quantity_remaining: quantity().nullish(),
    status: z.string().nullish(),
  }),
);
export type ZenskarCustomerEntitlementRow = z.infer<ReturnType<typeof zenskarCustomerEntitlementRowSchema>>;

/**
 * The page envelope of the customer list: `{results, next, previous, total_count}` (`previous` is
 * not read: the gateway only pages forward). `results` items
 * are validated one by one with {@link zenskarCustomerEntitlementRowSchema} so the received objects
 * can be kept untouched for `include=raw`.
 */
export const zenskarCustomerEntitlementPageSchema = lazy(() =>
  z.looseObject({
    results: z.array(z.unknown()),
    next: z.string().nullish(),
    total_count: z.number().nullish(),
  }),
);
export type ZenskarCustomerEntitlementPage = z.infer<ReturnType<typeof zenskarCustomerEntitlementPageSchema>>;

/**
 * One row of `GET /entitlements/customers_balances` (Zenskar's "list customer entitlement balances with advanced filtering" reference). The documented example
 * has `customer` as an object, `contract`/`product`/`invoice` as `{id, name}`, `event`, and no
 * `status` or `source_type`; the formal schema is not public, so `entitlement` may also arrive as a
 * populated object.
 */
export const zenskarBalanceRowSchema = lazy(() =>
  z.looseObject({
    id: z.string().min(1),
    entitlement: z.union([z.string(), detailsObject()]).nullish(),
    name: z.string().nullish(),
    customer: z.union([z.string(), detailsObject()]).nullish(),
    contract: detailsObject().nullish(),
    product: detailsObject().nullish(),
    invoice: detailsObject().nullish(),
    contract_id: z.string().nullish(),
    invoice_id: z.string().nullish(),
    product_id: z.string().nullish(),
    quantity: quantity().nullish(),
    quantity_used: quantity().nullish(),
    quantity_remaining: quantity().nullish(),
    active_from: instant().nullish(),
    expiry_at: instant().nullish(),
    created_at: instant().nullish(),
    event: z.string().nullish(),
  }),
);
export type ZenskarBalanceRow = z.infer<ReturnType<typeof zenskarBalanceRowSchema>>;

/**
 * The balances envelope. The documented example says `{results, next, total}` while the customer
 * list says `total_count`; the key names are UNCONFIRMED, so both are read (`total ?? total_count`).
 */
export const zenskarBalancePageSchema = lazy(() =>
  z.looseObject({
    results: z.array(z.unknown()),
    next: z.string().nullish(),
    total: z.number().nullish(),
    total_count: z.number().nullish(),
  }),
);
export type ZenskarBalancePage = z.infer<ReturnType<typeof zenskarBalancePageSchema>>;

/**
 * Zenskar error bodies: FastAPI `{detail: "…"}` or `{detail: [{loc, msg, type}]}` (422), and the
 * API-gateway authorizer's `{"Message": "…"}` (capital M) on a bad `organisation`. An AWS gateway
 * in front may also answer `{"message": "…"}`.
 */
export const zenskarErrorBodySchema = lazy(() =>
  z.looseObject({
    detail: z
      .union([
        z.string(),
        z.array(
          z.looseObject({
            loc: z.array(z.union([z.string(), z.number()])).nullish(),
            msg: z.string().nullish(),
            type: z.string().nullish(),
          }),
        ),
      ])
      .nullish(),
    Message: z.string().nullish(),
    message: z.string().nullish(),
  }),
);
export type ZenskarErrorBody = z.infer<ReturnType<typeof zenskarErrorBodySchema>>;
