import { createHmac } from 'node:crypto';
import { chargebeeSandboxCredentials } from '../../adapters/chargebee/fixtures';
import { createChargebeeSimulator } from '../../adapters/chargebee/simulator';
import type { FetchHandler } from '../../adapters/kit';
import { paygenticSandboxCredentials } from '../../adapters/paygentic/fixtures';
import { createPaygenticSimulator } from '../../adapters/paygentic/simulator';
import { vendorModule } from '../../adapters/registry';
import { stripeSandboxCredentials } from '../../adapters/stripe/fixtures';
import { createStripeSimulator } from '../../adapters/stripe/simulator';
import { zenskarSandboxCredentials } from '../../adapters/zenskar/fixtures';
import { createZenskarSimulator } from '../../adapters/zenskar/simulator';
import { type VendorId, vendorIds } from '../../schemas/entitlement';
import { basicAuthorization, sharedSecretDigest, svixSecret, svixSignature } from './robustness-support';

/** Demo customers each vendor's simulators know (the same ids for both tenants), from the registry. */
export const knownCustomers: { readonly [V in VendorId]: readonly string[] } = Object.fromEntries(
  vendorIds.map((vendor) => [vendor, vendorModule(vendor).sandbox.customerIds]),
) as { [V in VendorId]: readonly string[] };

/** Tenant names of the two-tenant worlds (property suites, soak). */
export type TenantName = 'a' | 'b';

/**
 * What the property suites and the soak need of each vendor beyond the registry: a simulator whose data carries a tenant
 * marker, its webhook secrets per tenant, and how the vendor signs a delivery. Typed by the registry's
 * ids: a vendor added to the registry without its entry here does not compile.
 */
export interface VendorPropertyKit {
  /** A simulator with the demo data, every feature name (or key when there is no name) marked. */
  createMarkedSimulator(marker: string): FetchHandler;
  /** Webhook secrets in `GATEWAY_CONFIG` shape for a tenant. */
  webhookSecrets(tenant: TenantName): Record<string, string>;
  /** Headers that sign `body` as the vendor would, with the tenant's secrets. */
  sign(body: string, secrets: Record<string, string>, nowSeconds: number, id: string): Record<string, string>;
}

export const vendorKits: { readonly [V in VendorId]: VendorPropertyKit } = {
  chargebee: {
    createMarkedSimulator(marker) {
      const simulator = createChargebeeSimulator({ apiKey: chargebeeSandboxCredentials.apiKey });
      for (const feature of simulator.store.features) feature.name = `${marker} ${feature.name}`;
      for (const row of simulator.store.subscriptionEntitlements) {
        const named = row as { feature_name?: string };
        if (typeof named.feature_name === 'string') named.feature_name = `${marker} ${named.feature_name}`;
      }
      return simulator.app;
    },
    webhookSecrets: (tenant) => ({
      username: `hooks-${tenant}`,
      password: `property-basic-password-${tenant}`,
    }),
    sign: (_body, secrets) => ({
      authorization: basicAuthorization(secrets['username'] ?? '', secrets['password'] ?? ''),
    }),
  },
  paygentic: {
    createMarkedSimulator(marker) {
      const simulator = createPaygenticSimulator({ apiKey: paygenticSandboxCredentials.apiKey });
      for (const entitlements of simulator.store.customers.values())
        for (const entitlement of entitlements)
          entitlement.featureKey = `${marker}-${entitlement.featureKey}`;
      return simulator.app;
    },
    webhookSecrets: (tenant) => ({ secret: svixSecret(`property-${tenant}`) }),
    sign: (body, secrets, now, id) => ({
      'svix-id': id,
      'svix-timestamp': String(now),
      'svix-signature': svixSignature(id, String(now), body, secrets['secret'] ?? ''),
    }),
  },
  zenskar: {
    createMarkedSimulator(marker) {
      const simulator = createZenskarSimulator({ credentials: { ...zenskarSandboxCredentials } });
      for (const definition of simulator.store.definitions.values())
        definition.name = `${marker} ${definition.name}`;
      return simulator.app;
    },
    webhookSecrets: (tenant) => ({
      secret: `property-zenskar-secret-${tenant}`,
      header: 'x-zenskar-signature',
    }),
    sign: (body, secrets) => ({
      [secrets['header'] ?? 'x-zenskar-signature']: sharedSecretDigest(
        body,
        secrets['secret'] ?? '',
      ).toString('hex'),
    }),
  },
  stripe: {
    createMarkedSimulator(marker) {
      const simulator = createStripeSimulator({ apiKey: stripeSandboxCredentials.apiKey });
      for (const feature of simulator.store.features.values()) feature.name = `${marker} ${feature.name}`;
      return simulator.app;
    },
    webhookSecrets: (tenant) => ({ secret: `whsec_property_stripe_${tenant}_5b8e1f` }),
    // Stripe-Signature: t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the endpoint secret>.
    sign: (body, secrets, now) => ({
      'stripe-signature': `t=${now},v1=${createHmac('sha256', secrets['secret'] ?? '')
        .update(`${now}.${body}`)
        .digest('hex')}`,
    }),
  },
};
