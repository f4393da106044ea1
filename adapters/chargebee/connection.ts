import type { VendorConnectionBase } from '../kit';

/** One Chargebee site the gateway reads. */
export interface ChargebeeConnection extends VendorConnectionBase {
  site: string;
  apiKey: string;
  /**
   * How to read a customer's entitlements. `auto` tries `customer_entitlements` and, when the site
   * has it disabled, falls back to subscriptions + `subscription_entitlements` (and remembers).
   */
  entitlementSource: 'auto' | 'customer_entitlements' | 'subscription_entitlements';
  /** Ask Chargebee to merge rows per feature (`consolidate_entitlements=true`). */
  consolidateEntitlements: boolean;
}

/** Chargebee authenticates webhooks with HTTP Basic credentials set on the endpoint. */
export interface ChargebeeWebhookSecrets {
  username: string;
  password: string;
}
