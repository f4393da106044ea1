import type { VendorId } from '../../schemas/entitlement';
import type { UpstreamRequest } from './upstream';

/**
 * The error codes an adapter (or the upstream client on its behalf) may raise, with the HTTP status
 * each is answered with. Every row is a row of the gateway's one error table (`src/errors/codes.ts`),
 * which checks at compile time that codes and statuses agree; titles and docs live there.
 */
export const adapterErrorStatus = {
  validation_failed: 400,
  invalid_cursor: 400,
  unsupported_filter: 400,
  invalid_webhook: 400,
  webhook_verification_failed: 401,
  customer_not_found: 404,
  internal_error: 500,
  not_supported_by_vendor: 501,
  vendor_auth_failed: 502,
  vendor_bad_response: 502,
  vendor_request_rejected: 502,
  vendor_unavailable: 503,
  vendor_rate_limited: 503,
  vendor_timeout: 504,
} as const;

/** A code adapters raise. */
export type AdapterErrorCode = keyof typeof adapterErrorStatus;

/** A bad input field, reported in a 400 problem's `errors`. */
export interface FieldError {
  path: string;
  message: string;
}

/** Options of an {@link AdapterError}. */
export interface AdapterErrorOptions {
  /** The vendor at fault or concerned; shown in the problem. */
  vendor?: VendorId;
  /** Invalid fields (for validation errors). */
  errors?: FieldError[];
  /** Whether repeating the same operation later may succeed. */
  retryable?: boolean;
  /** Extra response headers (for example `Retry-After`). */
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * The typed error adapters throw. The gateway's HTTP boundary answers it as the RFC 9457 problem of
 * its `code` (same status, title and body as the gateway's own errors). `message` is shown to callers,
 * so it never carries secrets or vendor bodies.
 */
export class AdapterError extends Error {
  readonly code: AdapterErrorCode;
  /** The HTTP status the gateway answers this code with. */
  readonly status: number;
  readonly vendor: VendorId | undefined;
  readonly errors: FieldError[] | undefined;
  readonly retryable: boolean;
  readonly headers: Record<string, string>;

  constructor(code: AdapterErrorCode, detail: string, options: AdapterErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AdapterError';
    this.code = code;
    this.status = adapterErrorStatus[code];
    this.vendor = options.vendor;
    this.errors = options.errors;
    this.retryable = options.retryable ?? false;
    this.headers = options.headers ?? {};
  }
}

/** What the vendor said, kept for logs (truncated, redacted) but never sent to callers. */
export interface UpstreamFailure {
  /** HTTP status from the vendor; undefined for network errors and timeouts. */
  vendorStatus?: number;
  /** The vendor's machine code from its error body (`api_error_code`, `error`, …). */
  vendorCode?: string;
  /** The vendor's message from its error body. */
  vendorMessage?: string;
  /** The operation that failed, e.g. `list_customer_entitlements`. */
  operation: string;
  /** How many attempts were made. */
  attempts: number;
  /** Seconds the vendor asked us to wait, when it said. */
  retryAfterSeconds?: number;
}

/** A vendor call that failed: the vendor always set, the vendor's own details for logs and adapters. */
export class UpstreamError extends AdapterError {
  readonly failure: UpstreamFailure;
  declare readonly vendor: VendorId;

  constructor(
    code: AdapterErrorCode,
    vendor: VendorId,
    detail: string,
    failure: UpstreamFailure,
    options: Omit<AdapterErrorOptions, 'vendor'> = {},
  ) {
    super(code, detail, { ...options, vendor });
    this.name = 'UpstreamError';
    this.failure = failure;
  }
}

/** Maps a vendor's non-2xx status to the code the gateway answers with. */
export function codeForVendorStatus(status: number): AdapterErrorCode {
  if (status === 401 || status === 403) return 'vendor_auth_failed';
  if (status === 408) return 'vendor_timeout';
  if (status === 429) return 'vendor_rate_limited';
  if (status >= 500) return 'vendor_unavailable';
  return 'vendor_request_rejected';
}

/** The caller-facing text of a vendor failure: names the vendor and status, never the vendor's words. */
export function upstreamDetail(code: AdapterErrorCode, vendor: VendorId, status: number | undefined): string {
  switch (code) {
    case 'vendor_auth_failed':
      return `${vendor} rejected the gateway's credentials (HTTP ${status}). Check the vendor API key and account settings.`;
    case 'vendor_rate_limited':
      return `${vendor} is rate-limiting the gateway. Retry later.`;
    case 'vendor_timeout':
      return `${vendor} did not answer in time.`;
    case 'vendor_unavailable':
      return status === undefined ? `${vendor} could not be reached.` : `${vendor} failed (HTTP ${status}).`;
    case 'vendor_bad_response':
      return `${vendor} sent a response the gateway could not read.`;
    default:
      return `${vendor} rejected the request (HTTP ${status}).`;
  }
}

/** What an upstream error records about the failure (`UpstreamFailure` minus the operation). */
export type UpstreamFailureFields = Omit<UpstreamFailure, 'operation'>;

/**
 * Builds the typed error of a vendor failure with an explicit caller-facing `detail`. Transient codes
 * are retryable; `failure.retryAfterSeconds` becomes a `Retry-After` header.
 */
export function upstreamErrorWithDetail(
  code: AdapterErrorCode,
  request: Pick<UpstreamRequest, 'vendor' | 'operation'>,
  failure: UpstreamFailureFields,
  detail: string,
  cause?: unknown,
): UpstreamError {
  const retryable =
    code === 'vendor_unavailable' || code === 'vendor_rate_limited' || code === 'vendor_timeout';
  return new UpstreamError(
    code,
    request.vendor,
    detail,
    { ...failure, operation: request.operation },
    {
      retryable,
      cause,
      ...(failure.retryAfterSeconds === undefined
        ? {}
        : { headers: { 'Retry-After': String(failure.retryAfterSeconds) } }),
    },
  );
}

/**
 * Builds the typed error for a vendor failure; the vendor's own words stay in `failure`, out of
 * the caller-facing detail. When `failure.retryAfterSeconds` is set the error also carries a
 * `Retry-After` header.
 */
export function upstreamError(
  code: AdapterErrorCode,
  request: Pick<UpstreamRequest, 'vendor' | 'operation'>,
  failure: UpstreamFailureFields,
  cause?: unknown,
): UpstreamError {
  return upstreamErrorWithDetail(
    code,
    request,
    failure,
    upstreamDetail(code, request.vendor, failure.vendorStatus),
    cause,
  );
}

/** Whether an error is the vendor answering 404 (the vendor has no such object). */
export function isVendorNotFound(error: unknown): error is UpstreamError {
  return error instanceof UpstreamError && error.failure.vendorStatus === 404;
}
