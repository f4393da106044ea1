import type { VendorConnectionBase } from '../kit';

/** One Zenskar account the gateway reads. */
export interface ZenskarConnection extends VendorConnectionBase {
  apiKey: string;
  /** The organisation UUID sent in the `organisation` header (British spelling, as the vendor). */
  organisation: string;
}

/** Zenskar's webhook secret: HMAC-SHA256 over the body; the header name is configurable. */
export interface ZenskarWebhookSecrets {
  secret: string;
  header: string;
}
