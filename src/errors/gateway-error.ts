import type { VendorId } from '../../schemas/entitlement';
import { type ErrorCode, errorCatalog } from './codes';

/** A bad input field, reported in a 400 problem's `errors`. */
export interface FieldError {
  path: string;
  message: string;
}

/** Options shared by every typed error. */
export interface GatewayErrorOptions {
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
 * The typed error of the domain. Code below the HTTP boundary throws these; only the boundary turns
 * them into RFC 9457 problems. `detail` is shown to callers, so it never carries secrets or vendor
 * bodies.
 */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly vendor: VendorId | undefined;
  readonly errors: FieldError[] | undefined;
  readonly retryable: boolean;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, detail: string, options: GatewayErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatewayError';
    this.code = code;
    this.status = errorCatalog[code].status;
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
export class UpstreamError extends GatewayError {
  readonly failure: UpstreamFailure;
  declare readonly vendor: VendorId;

  constructor(
    code: ErrorCode,
    vendor: VendorId,
    detail: string,
    failure: UpstreamFailure,
    options: Omit<GatewayErrorOptions, 'vendor'> = {},
  ) {
    super(code, detail, { ...options, vendor });
    this.name = 'UpstreamError';
    this.failure = failure;
  }
}

export function isGatewayError(error: unknown): error is GatewayError {
  return error instanceof GatewayError;
}
