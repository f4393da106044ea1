import type { VendorId } from '../../schemas/entitlement';
import type { ErrorCode } from '../errors/codes';
import { UpstreamError } from '../errors/gateway-error';
import type {
  Transport,
  UpstreamClient,
  UpstreamJsonResponse,
  UpstreamRequest,
  VendorErrorParser,
} from './types';

/** Options of the upstream client. */
export interface UpstreamClientOptions {
  transport: Transport;
  /** Per-attempt deadline in milliseconds. */
  attemptTimeoutMs?: number;
}

/** Maps a vendor's non-2xx status to the gateway's code for it. */
export function codeForVendorStatus(status: number): ErrorCode {
  if (status === 401 || status === 403) return 'vendor_auth_failed';
  if (status === 408) return 'vendor_timeout';
  if (status === 429) return 'vendor_rate_limited';
  if (status >= 500) return 'vendor_unavailable';
  return 'vendor_request_rejected';
}

function detailFor(code: ErrorCode, vendor: VendorId, status: number | undefined): string {
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

/** Builds the typed error for a vendor failure; the vendor's own words stay in `failure`, out of `detail`. */
export function upstreamError(
  code: ErrorCode,
  request: UpstreamRequest,
  failure: {
    vendorStatus?: number;
    vendorCode?: string;
    vendorMessage?: string;
    attempts: number;
    retryAfterSeconds?: number;
  },
  cause?: unknown,
): UpstreamError {
  const retryable =
    code === 'vendor_unavailable' || code === 'vendor_rate_limited' || code === 'vendor_timeout';
  return new UpstreamError(
    code,
    request.vendor,
    detailFor(code, request.vendor, failure.vendorStatus),
    { ...failure, operation: request.operation },
    { retryable, cause },
  );
}

function tryParseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** A single-attempt upstream client: deadline, JSON parsing and status mapping. */
export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 5_000;
  return {
    async requestJson(
      request: UpstreamRequest,
      parseVendorError: VendorErrorParser,
    ): Promise<UpstreamJsonResponse> {
      const signal = request.signal
        ? AbortSignal.any([request.signal, AbortSignal.timeout(attemptTimeoutMs)])
        : AbortSignal.timeout(attemptTimeoutMs);
      let status: number;
      let text: string;
      let headers: UpstreamJsonResponse['headers'];
      try {
        const response = await options.transport(request.url, {
          method: request.method,
          headers: { accept: 'application/json', ...request.headers },
          ...(request.body === undefined ? {} : { body: request.body }),
          signal,
        });
        status = response.status;
        headers = response.headers;
        text = await response.text();
      } catch (error) {
        const timedOut = signal.aborted && !request.signal?.aborted;
        throw upstreamError(
          timedOut ? 'vendor_timeout' : 'vendor_unavailable',
          request,
          { attempts: 1 },
          error,
        );
      }
      const parsed = tryParseJson(text);
      if (status >= 200 && status < 300) {
        if (!parsed.ok)
          throw upstreamError('vendor_bad_response', request, { vendorStatus: status, attempts: 1 });
        return { status, headers, body: parsed.value, attempts: 1 };
      }
      const details = parseVendorError(status, parsed.ok ? parsed.value : undefined, text);
      throw upstreamError(codeForVendorStatus(status), request, {
        vendorStatus: status,
        ...(details.code === undefined ? {} : { vendorCode: details.code }),
        ...(details.message === undefined ? {} : { vendorMessage: details.message }),
        attempts: 1,
      });
    },
  };
}
