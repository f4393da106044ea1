import { type VendorConnections, vendorModule } from '../../adapters/registry';
import { type VendorId, vendorIds } from '../../schemas/entitlement';
import {
  parseStaticLinks,
  parseStaticLinksJson,
  type StaticLinks,
  type VendorCustomerIdValidator,
} from './customer-links';
import { type FeatureCatalog, parseFeatureCatalog, parseFeatureCatalogJson } from './feature-catalog';

/**
 * Checks a vendor customer id before any adapter exists (static links are validated while the
 * configuration is parsed): the vendor module's check, which is its adapter's `validateCustomerId`.
 */
const validateVendorCustomerId: VendorCustomerIdValidator = (vendor, customerId) =>
  vendorModule(vendor).validateCustomerId(customerId);

/** A tenant's catalogue and static links, as given: JSON text (env variables) or parsed JSON (tenant config). */
export interface MultiVendorInput {
  featuresJson?: string | undefined;
  customersJson?: string | undefined;
  features?: unknown;
  customers?: unknown;
}

/**
 * Parses one tenant's feature catalogue and static customer links at start-up. Problems (each naming
 * its variable and entry, never an id or a secret) are added to `problems`; the settings that parsed
 * are returned. `connections` are the tenant's vendors: a source or link naming another vendor is a
 * problem.
 */
export function parseMultiVendorSettings(
  input: MultiVendorInput,
  variables: { features: string; customers: string },
  connections: Partial<VendorConnections> | 'all',
  problems: string[],
): { features?: FeatureCatalog; customers?: StaticLinks } {
  const connected: VendorId[] =
    connections === 'all' ? [...vendorIds] : vendorIds.filter((vendor) => connections[vendor] !== undefined);
  const settings: { features?: FeatureCatalog; customers?: StaticLinks } = {};
  const catalogOptions = { variable: variables.features, vendors: connected };
  const catalog =
    input.featuresJson !== undefined
      ? parseFeatureCatalogJson(input.featuresJson, catalogOptions)
      : input.features !== undefined
        ? parseFeatureCatalog(input.features, catalogOptions)
        : null;
  if (catalog !== null) {
    problems.push(...catalog.problems);
    if (catalog.catalog !== null) settings.features = catalog.catalog;
  }
  const linkOptions = { variable: variables.customers, connected, validate: validateVendorCustomerId };
  const links =
    input.customersJson !== undefined
      ? parseStaticLinksJson(input.customersJson, linkOptions)
      : input.customers !== undefined
        ? parseStaticLinks(input.customers, linkOptions)
        : null;
  if (links !== null) {
    problems.push(...links.problems);
    if (links.problems.length === 0) settings.customers = links.links;
  }
  return settings;
}
