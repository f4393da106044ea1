import { z } from 'zod';
import { lazy } from '../../adapters/kit/lazy';
import { type VendorId, vendorIds } from '../../schemas/entitlement';
import { GatewayError } from '../errors/gateway-error';

/**
 * Customer links: an app customer id → one account per vendor. Two origins:
 * - **static**: `CUSTOMER_LINKS` (single env tenant) or `customers` in a `GATEWAY_CONFIG` tenant,
 *   validated at start;
 * - **dynamic**: `PUT /v1/customers/{customerId}/links`, kept in Redis by a `CustomerLinkStore`.
 *
 * They combine **per vendor, dynamic over static**: a dynamic link to a vendor replaces the static
 * link to that vendor, static links to other vendors stay. `DELETE` removes the dynamic links only;
 * static links come from configuration and change with it.
 */

/** Vendor → the customer's id at that vendor. */
export type VendorLinks = Partial<Record<VendorId, string>>;

/** Where a link comes from. */
export type LinkOrigin = 'static' | 'dynamic';

/** The links of one app customer, with the origin of each. */
export interface CustomerLinks {
  links: VendorLinks;
  origins: Partial<Record<VendorId, LinkOrigin>>;
}

/** Checks one vendor customer id; returns why it cannot exist at that vendor, or null. */
export type VendorCustomerIdValidator = (vendor: VendorId, vendorCustomerId: string) => string | null;

/** Static links of one tenant, by app customer id. */
export type StaticLinks = ReadonlyMap<string, VendorLinks>;

/** Combines the static and dynamic links of one app customer (dynamic wins per vendor). */
export function combineLinks(
  staticLinks: VendorLinks | undefined,
  dynamicLinks: VendorLinks | null,
): CustomerLinks | null {
  // Most customers have no link at all: asked on every entitlement request.
  if (staticLinks === undefined && dynamicLinks === null) return null;
  const links: VendorLinks = {};
  const origins: CustomerLinks['origins'] = {};
  // Vendor order, whatever order either side was written in: answers list vendors the same way.
  for (const vendor of vendorIds) {
    const dynamicId = dynamicLinks?.[vendor];
    const staticId = staticLinks?.[vendor];
    if (dynamicId !== undefined) {
      links[vendor] = dynamicId;
      origins[vendor] = 'dynamic';
    } else if (staticId !== undefined) {
      links[vendor] = staticId;
      origins[vendor] = 'static';
    }
  }
  return Object.keys(links).length === 0 ? null : { links, origins };
}

/** The JSON shape of static links (`CUSTOMER_LINKS`, a tenant's `customers`); built on first use. */
export const staticLinksSchema = lazy(() => {
  const customerIdText = z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters');
  // `{"<vendor>": "<vendorCustomerId>"}`, at least one vendor.
  const vendorLinksSchema = z
    .record(z.string(), customerIdText)
    .refine((links) => Object.keys(links).length > 0, 'must link at least one vendor');
  return z.record(customerIdText, vendorLinksSchema);
});

/** One bad link: which vendor, what is wrong (never the id itself). */
export interface LinkProblem {
  kind: 'unknown_vendor' | 'not_connected' | 'malformed_id';
  /** The vendor name as written. */
  vendor: string;
  message: string;
}

/**
 * Checks vendor links: every vendor known and connected to the tenant, every id well-formed for its
 * vendor. Returns the links in vendor order and the problems, each with the path of its entry.
 */
export function checkVendorLinks(
  input: Record<string, string>,
  options: { connected: readonly VendorId[]; validate: VendorCustomerIdValidator },
): { links: VendorLinks; problems: LinkProblem[] } {
  const links: VendorLinks = {};
  const problems: LinkProblem[] = [];
  for (const [name, vendorCustomerId] of Object.entries(input)) {
    const vendor = vendorIds.find((known) => known === name);
    if (vendor === undefined) {
      problems.push({
        kind: 'unknown_vendor',
        vendor: name,
        message: `unknown vendor (known vendors: ${vendorIds.join(', ')})`,
      });
      continue;
    }
    if (!options.connected.includes(vendor)) {
      problems.push({
        kind: 'not_connected',
        vendor: name,
        message: `this tenant has no ${vendor} connection (connected: ${options.connected.join(', ') || 'none'})`,
      });
      continue;
    }
    const invalid = options.validate(vendor, vendorCustomerId);
    if (invalid !== null) {
      problems.push({ kind: 'malformed_id', vendor: name, message: invalid });
      continue;
    }
    links[vendor] = vendorCustomerId;
  }
  const ordered: VendorLinks = {};
  for (const vendor of vendorIds) if (links[vendor] !== undefined) ordered[vendor] = links[vendor];
  return { links: ordered, problems };
}

/**
 * Parses static links. `variable` prefixes every problem (`CUSTOMER_LINKS`,
 * `GATEWAY_CONFIG.tenants.0.customers`); each problem names the app customer and vendor.
 */
export function parseStaticLinks(
  input: unknown,
  options: { variable: string; connected: readonly VendorId[]; validate: VendorCustomerIdValidator },
): { links: StaticLinks; problems: string[] } {
  const parsed = staticLinksSchema().safeParse(input);
  if (!parsed.success) {
    return {
      links: new Map(),
      problems: parsed.error.issues.map((issue) =>
        [options.variable, ...issue.path.map(String)].join('.').concat(`: ${issue.message}`),
      ),
    };
  }
  const links = new Map<string, VendorLinks>();
  const problems: string[] = [];
  for (const [appCustomerId, vendorLinks] of Object.entries(parsed.data)) {
    const checked = checkVendorLinks(vendorLinks, options);
    for (const problem of checked.problems)
      problems.push(`${options.variable}.${appCustomerId}.${problem.vendor}: ${problem.message}`);
    links.set(appCustomerId, checked.links);
  }
  return { links, problems };
}

/** Parses static links given as JSON text (the `CUSTOMER_LINKS` variable). */
export function parseStaticLinksJson(
  text: string,
  options: { variable: string; connected: readonly VendorId[]; validate: VendorCustomerIdValidator },
): { links: StaticLinks; problems: string[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { links: new Map(), problems: [`${options.variable}: is not valid JSON`] };
  }
  return parseStaticLinks(json, options);
}

/**
 * Validates the body of `PUT /v1/customers/{customerId}/links`. A vendor the tenant has no connection
 * to is `vendor_not_configured`; a malformed vendor customer id is `validation_failed` naming the
 * vendor (in `vendor` when there is one, and in each error's path).
 */
export function validateLinksRequest(
  links: Record<string, string>,
  options: { connected: readonly VendorId[]; validate: VendorCustomerIdValidator },
): VendorLinks {
  const checked = checkVendorLinks(links, options);
  if (checked.problems.length === 0) return checked.links;
  const errors = checked.problems.map((problem) => ({
    path: `body.links.${problem.vendor}`,
    message: problem.message,
  }));
  const named = [...new Set(checked.problems.map((problem) => problem.vendor))];
  const onlyVendor = named.length === 1 ? vendorIds.find((vendor) => vendor === named[0]) : undefined;
  const unconnected = checked.problems.every((problem) => problem.kind === 'not_connected');
  throw new GatewayError(
    unconnected ? 'vendor_not_configured' : 'validation_failed',
    `Invalid link${named.length > 1 ? 's' : ''} to ${named.join(', ')}: ${checked.problems
      .map((problem) => `${problem.vendor}: ${problem.message}`)
      .join('; ')}`,
    { errors, ...(onlyVendor === undefined ? {} : { vendor: onlyVendor }) },
  );
}
