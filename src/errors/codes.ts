import { type AdapterErrorCode, adapterErrorStatus } from '../../adapters/kit/errors';

/**
 * The one table of error codes. The runtime problem responses and the OpenAPI error components are
 * both generated from it, so what the docs promise and what the code sends cannot drift.
 *
 * `fault` says whose fault it is: the caller's, the gateway's, or the vendor's (`upstream`; the
 * problem then names the vendor).
 */
export const errorCatalog = {
  validation_failed: { status: 400, title: 'Request validation failed', fault: 'client' },
  invalid_cursor: { status: 400, title: 'Invalid cursor', fault: 'client' },
  vendor_required: { status: 400, title: 'Vendor required', fault: 'client' },
  vendor_not_configured: { status: 400, title: 'Vendor not configured for this tenant', fault: 'client' },
  unsupported_filter: { status: 400, title: 'Filter not supported by vendor', fault: 'client' },
  invalid_webhook: { status: 400, title: 'Malformed webhook', fault: 'client' },
  unauthorized: { status: 401, title: 'Unauthorized', fault: 'client' },
  webhook_verification_failed: { status: 401, title: 'Webhook verification failed', fault: 'client' },
  not_found: { status: 404, title: 'Not found', fault: 'client' },
  customer_not_found: { status: 404, title: 'Customer not found', fault: 'client' },
  request_timeout: { status: 408, title: 'Request timeout', fault: 'client' },
  payload_too_large: { status: 413, title: 'Payload too large', fault: 'client' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type', fault: 'client' },
  rate_limited: { status: 429, title: 'Rate limit exceeded', fault: 'client' },
  headers_too_large: { status: 431, title: 'Request headers too large', fault: 'client' },
  internal_error: { status: 500, title: 'Internal error', fault: 'gateway' },
  cache_unavailable: { status: 503, title: 'Shared cache unavailable', fault: 'gateway' },
  links_store_not_configured: { status: 501, title: 'Customer links store not configured', fault: 'gateway' },
  links_store_unavailable: { status: 503, title: 'Customer links store unavailable', fault: 'gateway' },
  not_supported_by_vendor: { status: 501, title: 'Not supported by vendor', fault: 'client' },
  vendor_auth_failed: { status: 502, title: 'Vendor rejected the gateway credentials', fault: 'upstream' },
  vendor_bad_response: { status: 502, title: 'Vendor sent a malformed response', fault: 'upstream' },
  vendor_request_rejected: { status: 502, title: 'Vendor rejected the request', fault: 'upstream' },
  vendor_unavailable: { status: 503, title: 'Vendor unavailable', fault: 'upstream' },
  vendor_rate_limited: { status: 503, title: 'Vendor rate limit reached', fault: 'upstream' },
  vendor_timeout: { status: 504, title: 'Vendor timed out', fault: 'upstream' },
} as const satisfies Record<
  string,
  { status: number; title: string; fault: 'client' | 'gateway' | 'upstream' }
>;

export type ErrorCode = keyof typeof errorCatalog;

/**
 * The adapter kit's codes are rows of this table with the same statuses: a drift on either side is
 * a compile error here, so an adapter's error and the gateway's answer cannot disagree.
 */
export const adapterErrorStatusAgrees: {
  readonly [C in AdapterErrorCode]: (typeof errorCatalog)[C]['status'];
} = adapterErrorStatus;

/** The `type` URI of a problem: stable per code, documented in the error table of docs/api.md. */
export function problemTypeUri(code: ErrorCode): string {
  return `https://entitlements-gateway.dev/problems/${code.replaceAll('_', '-')}`;
}
