import type { z } from 'zod';
import { type UpstreamError, upstreamError } from './errors';
import type { UpstreamClient, UpstreamJsonResponse, UpstreamRequest, VendorErrorParser } from './upstream';

/** A vendor's 2xx JSON answer, read through the adapter's wire schema. */
export interface VendorJson<T> {
  data: T;
  status: number;
  headers: UpstreamJsonResponse['headers'];
  attempts: number;
}

/**
 * One GET (or POST) of a vendor connection: the upstream client's call, then the wire schema. Throws
 * the upstream client's `UpstreamError`s and `vendor_bad_response` when the body does not fit.
 */
export type JsonGetter = <T>(request: UpstreamRequest, schema: z.ZodType<T>) => Promise<VendorJson<T>>;

/**
 * Describes zod issues by path and code only: never a value, so the text is safe in logs. The first
 * five are enough to find the mismatch; a page of broken rows would otherwise flood the log line.
 */
export function describeSchemaIssues(issues: readonly z.core.$ZodIssue[], prefix = ''): string {
  return issues
    .slice(0, 5)
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter((part) => part !== '').join('.');
      return `${path || '(root)'}: ${issue.code}`;
    })
    .join('; ');
}

/**
 * The `vendor_bad_response` error of a 2xx answer that did not fit the wire schema. `problem` (paths
 * and codes, no values) is kept both as the vendor message and as the cause, for the logs.
 */
export function vendorBadResponse(
  request: Pick<UpstreamRequest, 'vendor' | 'operation'>,
  response: { status: number; attempts: number },
  problem: string,
): UpstreamError {
  return upstreamError(
    'vendor_bad_response',
    request,
    { vendorStatus: response.status, vendorMessage: problem, attempts: response.attempts },
    new Error(`unexpected ${request.operation} body: ${problem}`),
  );
}

/**
 * Binds the fetch → parse → `vendor_bad_response` path to one vendor's upstream client and error
 * parser, so a vendor client is URLs, headers and schemas only.
 */
export function createJsonGetter(upstream: UpstreamClient, parseVendorError: VendorErrorParser): JsonGetter {
  return async (request, schema) => {
    const response = await upstream.requestJson(request, parseVendorError);
    const parsed = schema.safeParse(response.body);
    if (!parsed.success)
      throw vendorBadResponse(request, response, describeSchemaIssues(parsed.error.issues));
    return {
      data: parsed.data,
      status: response.status,
      headers: response.headers,
      attempts: response.attempts,
    };
  };
}
