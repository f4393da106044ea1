import type { VendorConnectionBase } from '../kit';

/**
 * How the gateway reaches one Stripe account: `baseUrl` (`https://api.stripe.com`, a proxy, a local
 * simulator) and `apiKey`, a secret (`sk_live_…`, `sk_test_…`) or restricted (`rk_…`) key with read
 * access to entitlements.
 */
export interface StripeConnection extends VendorConnectionBase {
  /** Sent as `Stripe-Version` to pin the API version; the account's default version when absent. */
  apiVersion?: string | undefined;
}

/** Stripe signs webhooks with the endpoint's `whsec_…` secret (used as-is as the HMAC key). */
export interface StripeWebhookSecrets {
  secret: string;
}
