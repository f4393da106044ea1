import { BalanceListSchema } from '../../../schemas/balance';
import { BatchCheckResponseSchema, CheckResultSchema } from '../../../schemas/check';
import { HealthSchema, ReadinessSchema } from '../../../schemas/health';
import { CustomerLinksSchema } from '../../../schemas/links';
import { EntitlementListSchema } from '../../../schemas/page';
import { ProblemSchema } from '../../../schemas/problem';
import { RefreshResultSchema } from '../../../schemas/refresh';
import { WebhookReceiptSchema } from '../../../schemas/webhook';
import { type ErrorCode, errorCatalog, problemTypeUri } from '../../../src/errors/codes';
import type { RawResponse } from '../../support/raw-http';

/**
 * The gateway's promises about any one answer, as one oracle shared by the property suites (in
 * process) and the raw-HTTP fuzz suite (over a socket): never a 5xx (the documented 501
 * `not_supported_by_vendor` on /v1/balances aside), every error an RFC 9457 problem with a `code` the
 * error table knows, the HTTP status of that code and the `requestId` of the `X-Request-Id` header,
 * every success shaped like its schema (a batch: one result per check, in order), and no secret in
 * any header or body.
 */

/** The request an answer belongs to, as far as the oracle needs it. */
export interface SentRequest {
  method: string;
  target: string;
  headers: Array<[string, string]>;
  body?: Buffer | string;
  /** Malformed at the HTTP level: Node's parser may answer 400/431 before the app runs. */
  httpLevel?: boolean;
}

const knownCodes = new Set(Object.keys(errorCatalog));
const acceptableRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The problems a vendor outage is documented to answer when nothing usable is cached (DESIGN: 503
 * or 504, with `Retry-After`): allowed only where a suite says its world has outages.
 */
export const vendorOutageCodes: ReadonlySet<string> = new Set([
  'vendor_unavailable',
  'vendor_timeout',
  'vendor_rate_limited',
]);

/** What a suite allows beyond the strict oracle. */
export interface OracleAllowances {
  /** A vendor outage problem (503/504 with an outage code) is a documented answer for this request. */
  vendorOutages?: boolean;
}

/** Everything wrong with one answer (empty when it keeps every promise). */
export function violationsOf(
  fuzz: SentRequest,
  response: RawResponse,
  secrets: readonly string[],
  allowances: OracleAllowances = {},
): string[] {
  const problems: string[] = [];
  const requestId = response.headers['x-request-id'];
  const fromApp = requestId !== undefined;
  if (!fromApp) {
    if (!fuzz.httpLevel)
      problems.push(`answered without X-Request-Id (status ${response.status}): not the app`);
    else if (![400, 431].includes(response.status)) problems.push(`parser-level answer ${response.status}`);
    return problems;
  }
  const offered = fuzz.headers.find(([name]) => name.toLowerCase() === 'x-request-id')?.[1];
  if (offered !== undefined && acceptableRequestId.test(offered) && requestId !== offered)
    problems.push(`offered X-Request-Id "${offered}" not echoed`);
  if (offered !== undefined && !acceptableRequestId.test(offered) && requestId === offered)
    problems.push('an unacceptable X-Request-Id was echoed');
  const text = `${response.rawHead}\r\n${response.body}`;
  for (const secret of secrets) if (text.includes(secret)) problems.push(`answer contains a secret`);
  const contentType = response.headers['content-type'] ?? '';
  const isHead = fuzz.method === 'HEAD';

  if (response.status >= 400) {
    if (!contentType.startsWith('application/problem+json'))
      problems.push(`error ${response.status} with content-type "${contentType}"`);
    if (isHead) return problems;
    let parsed: unknown;
    try {
      parsed = JSON.parse(response.body);
    } catch {
      problems.push(`error ${response.status} body is not JSON`);
      return problems;
    }
    const problem = ProblemSchema.safeParse(parsed);
    if (!problem.success) {
      problems.push(`error ${response.status} body is not a problem`);
      return problems;
    }
    const { code, status } = problem.data;
    if (!knownCodes.has(code)) problems.push(`unknown code ${code}`);
    else {
      if (errorCatalog[code as ErrorCode].status !== response.status)
        problems.push(`code ${code} sent with HTTP ${response.status}`);
      if (problem.data.type !== problemTypeUri(code as ErrorCode))
        problems.push(`type of ${code} is ${problem.data.type}`);
    }
    if (status !== response.status) problems.push(`problem.status ${status} != HTTP ${response.status}`);
    if (problem.data.requestId !== requestId) problems.push('problem.requestId differs from X-Request-Id');
    const documented501 = response.status === 501 && code === 'not_supported_by_vendor';
    const documentedOutage = allowances.vendorOutages === true && vendorOutageCodes.has(code);
    if (response.status >= 500 && !documented501 && !documentedOutage)
      problems.push(`server error ${response.status} ${code}: ${problem.data.detail}`);
    return problems;
  }

  if (response.status < 200 || response.status >= 300) {
    problems.push(`unexpected status ${response.status}`);
    return problems;
  }
  if (isHead) return problems;
  if (response.status === 204) {
    if (response.body !== '') problems.push('204 with a body');
    return problems;
  }
  if (contentType.startsWith('text/html')) {
    if (!fuzz.target.includes('/docs')) problems.push('HTML outside /docs');
    return problems;
  }
  if (!contentType.startsWith('application/json')) {
    problems.push(`success with content-type "${contentType}"`);
    return problems;
  }
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(response.body) as Record<string, unknown>;
  } catch {
    problems.push('success body is not JSON');
    return problems;
  }
  const path = fuzz.target.replace(/^http:\/\/[^/]+/, '');
  const schema =
    body['object'] === 'list'
      ? path.startsWith('/v1/balances')
        ? BalanceListSchema
        : EntitlementListSchema
      : body['object'] === 'entitlement_check'
        ? CheckResultSchema
        : body['object'] === 'batch_check'
          ? BatchCheckResponseSchema
          : body['object'] === 'entitlement_refresh'
            ? RefreshResultSchema
            : body['object'] === 'webhook_receipt'
              ? WebhookReceiptSchema
              : body['object'] === 'customer_links'
                ? CustomerLinksSchema
                : body['status'] === 'ok'
                  ? HealthSchema
                  : 'checks' in body
                    ? ReadinessSchema
                    : 'openapi' in body
                      ? null
                      : undefined;
  if (schema === undefined) problems.push(`success body of unknown shape: ${response.body.slice(0, 80)}`);
  else if (schema !== null && !schema.safeParse(body).success)
    problems.push(`success body does not match its schema: ${response.body.slice(0, 80)}`);
  if (body['object'] === 'batch_check') problems.push(...batchOrderViolations(fuzz, body));
  return problems;
}

/**
 * Nothing lost in a batch: one result per check, in request order (an item that is an object with
 * string ids is answered under those ids; any other item still gets its own result).
 */
function batchOrderViolations(fuzz: SentRequest, body: Record<string, unknown>): string[] {
  let sent: unknown;
  try {
    sent = JSON.parse(
      Buffer.isBuffer(fuzz.body) ? fuzz.body.toString('utf8') : (fuzz.body ?? '').replace(/^\ufeff/, ''),
    );
  } catch {
    return ['a batch answered for a body that is not JSON'];
  }
  const checks = (sent as { checks?: unknown }).checks;
  const results = body['results'] as Array<{ customerId: string; featureKey: string }>;
  if (!Array.isArray(checks) || checks.length !== results.length)
    return [
      `batch of ${Array.isArray(checks) ? checks.length : '?'} checks answered with ${results.length} results`,
    ];
  const misplaced = checks.flatMap((check: unknown, index) => {
    const item = check as { customerId?: unknown; featureKey?: unknown } | null;
    if (typeof item?.customerId !== 'string' || typeof item.featureKey !== 'string') return [];
    const result = results[index];
    return result?.customerId === item.customerId && result.featureKey === item.featureKey ? [] : [index];
  });
  return misplaced.length === 0 ? [] : [`batch results out of order at ${misplaced.join(', ')}`];
}
