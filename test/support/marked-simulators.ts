import type { FetchHandler } from '../../adapters/kit';
import { vendorModule } from '../../adapters/registry';
import { type VendorId, vendorIds } from '../../schemas/entitlement';
import { vendorTestKit } from './vendor-test-kits';

/** Demo customers each vendor's simulators know (the same ids for both tenants), from the registry. */
export const knownCustomers: { readonly [V in VendorId]: readonly string[] } = Object.fromEntries(
  vendorIds.map((vendor) => [vendor, vendorModule(vendor).sandbox.customerIds]),
) as { [V in VendorId]: readonly string[] };

/** Tenant names of the two-tenant worlds (property suites, soak). */
export type TenantName = 'a' | 'b';

/**
 * What the property suites and the soak need of each vendor beyond the registry: a simulator whose
 * data carries a tenant marker, its webhook secrets per tenant, and how the vendor signs a delivery.
 * Built from each registry vendor's test kit (adapters/<vendor>/test-kit.ts).
 */
export interface VendorPropertyKit {
  /** A simulator with the demo data, every feature name (or key when there is no name) marked. */
  createMarkedSimulator(marker: string): FetchHandler;
  /** Webhook secrets in `GATEWAY_CONFIG` shape for a tenant. */
  webhookSecrets(tenant: TenantName): Record<string, string>;
  /** Headers that sign `body` as the vendor would, with the tenant's secrets. */
  sign(body: string, secrets: Record<string, string>, nowSeconds: number, id: string): Record<string, string>;
}

function propertyKit(vendor: VendorId): VendorPropertyKit {
  const kit = vendorTestKit(vendor);
  return {
    createMarkedSimulator(marker) {
      const simulator = vendorModule(vendor).sandbox.createSimulator();
      kit.markFeatures(simulator, marker);
      return simulator.app;
    },
    webhookSecrets: (tenant) => kit.webhook.secrets(`property-${tenant}`) as Record<string, string>,
    sign: (body, secrets, nowSeconds, id) => kit.webhook.sign(body, secrets, { nowSeconds, id }),
  };
}

/** Every registry vendor's property kit. */
export const vendorKits: { readonly [V in VendorId]: VendorPropertyKit } = Object.fromEntries(
  vendorIds.map((vendor) => [vendor, propertyKit(vendor)]),
) as { [V in VendorId]: VendorPropertyKit };
