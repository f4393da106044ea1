import { AdapterError, type FieldError, type UpstreamFailure } from '../../adapters/kit/errors';
import type { VendorId } from '../../schemas/entitlement';
import { type ErrorCode, errorCatalog } from './codes';

export type { FieldError, UpstreamFailure };

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
  /** What the vendor said, when the error came from a vendor call (logs only, never the response). */
  failure: UpstreamFailure | undefined;

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

/**
 * The gateway's answer to an error an adapter raised: same code, detail, vendor and headers, with the
 * adapter's error as the cause (and its vendor-side `failure`, for the logs). Adapters cannot import
 * the gateway, so the boundary translates.
 */
// `error.code` passes as an `ErrorCode` only while every adapter code is a row of the table: a compile-time check.
export function fromAdapterError(error: AdapterError): GatewayError {
  const translated = new GatewayError(error.code, error.message, {
    ...(error.vendor === undefined ? {} : { vendor: error.vendor }),
    ...(error.errors === undefined ? {} : { errors: error.errors }),
    retryable: error.retryable,
    headers: error.headers,
    cause: error,
  });
  if ('failure' in error) translated.failure = error.failure as UpstreamFailure;
  return translated;
}

/** A thrown value as the gateway's typed error, when it is one (its own or an adapter's); else undefined. */
export function asGatewayError(error: unknown): GatewayError | undefined {
  if (error instanceof GatewayError) return error;
  if (error instanceof AdapterError) return fromAdapterError(error);
  return undefined;
}

/** The code of a typed error (the gateway's or an adapter's), else undefined. */
export function errorCodeOf(error: unknown): ErrorCode | undefined {
  return error instanceof GatewayError || error instanceof AdapterError ? error.code : undefined;
}
