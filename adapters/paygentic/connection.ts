import type { VendorConnectionBase } from '../kit';

/** One Paygentic merchant account the gateway reads. */
export interface PaygenticConnection extends VendorConnectionBase {
  apiKey: string;
}

/** Paygentic delivers webhooks through Svix: the endpoint's `whsec_…` signing secret. */
export interface PaygenticWebhookSecrets {
  secret: string;
}
