import type { VendorId } from '../../schemas/entitlement';

/** What a transport answers: a subset of the WHATWG `Response`, so `fetch` itself is a transport. */
export interface TransportResponse {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** Options of one transport call; `signal` always carries the per-attempt deadline. */
export interface TransportInit {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}

/**
 * The one I/O seam for vendor calls: undici on Node, `fetch` on Workers, an in-process simulator in
 * sandbox mode and in tests.
 */
export type Transport = (url: string, init: TransportInit) => Promise<TransportResponse>;

/** One logical vendor call. The upstream client adds retries, deadlines, budgets and the breaker. */
export interface UpstreamRequest {
  vendor: VendorId;
  /** Identifies the vendor connection (tenant + vendor) whose budget and breaker this call uses. */
  connectionKey: string;
  /** Short stable name for logs and metrics, e.g. `list_customer_entitlements`. */
  operation: string;
  method: 'GET' | 'POST';
  url: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Told once per logical call how it went (per-request logs and `Server-Timing`). */
  observer?: UpstreamObserver;
  /**
   * The W3C trace context of the request this call serves: sent as `traceparent` with a new span id
   * per attempt (src/observability/trace-context.ts). Set by the gateway, never by adapters.
   */
  trace?: { traceId: string; flags: string };
}

/** The outcome of one logical vendor call, for per-request logs and `Server-Timing`. */
export interface UpstreamCallReport {
  vendor: VendorId;
  operation: string;
  attempts: number;
  durationMs: number;
  /** Final vendor status; undefined for network errors and timeouts. */
  status?: number;
  /** The gateway error code when the call failed. */
  errorCode?: string;
  /** Time spent waiting for the connection's rate budget (absent when no wait). */
  budgetWaitMs?: number;
  /** The call was refused because the rate budget could not grant a token within the deadline. */
  budgetRejected?: boolean;
}

export type UpstreamObserver = (report: UpstreamCallReport) => void;

/** What the vendor's error body said, as parsed by the vendor's own error parser. */
export interface VendorErrorDetails {
  code?: string;
  message?: string;
}

/** Reads a vendor error body (parsed JSON when it was JSON, else undefined, plus the raw text). */
export type VendorErrorParser = (status: number, body: unknown, text: string) => VendorErrorDetails;

/** A successful (2xx) vendor answer with its JSON body parsed. */
export interface UpstreamJsonResponse {
  status: number;
  headers: { get(name: string): string | null };
  body: unknown;
  attempts: number;
}

/**
 * The shared upstream helper every adapter calls. It resolves with a 2xx JSON body and throws an
 * `UpstreamError` for everything else (vendor status mapped to a gateway code, vendor details kept
 * for logs only).
 */
export interface UpstreamClient {
  requestJson(request: UpstreamRequest, parseVendorError: VendorErrorParser): Promise<UpstreamJsonResponse>;
}
