/**
 * `Retry-After` (RFC 9110 §10.2.3): either a number of seconds or an HTTP-date. Vendors differ:
 * Chargebee sends seconds on some 429s and nothing on others; Zenskar's and Paygentic's behaviour is
 * unconfirmed, so both forms are accepted and anything else is ignored rather than trusted.
 */

const delaySecondsPattern = /^\d+(?:\.\d+)?$/;

/**
 * How long, in milliseconds from `nowMs`, the vendor asked us to wait; `undefined` when the header
 * is absent or unreadable. A date in the past means "now" (0).
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (delaySecondsPattern.test(trimmed)) {
    // RFC 9110 only allows whole seconds; a fractional value is read rather than rejected because
    // honouring a slightly odd hint beats hammering a vendor that asked for a pause.
    return Math.round(Number(trimmed) * 1000);
  }
  // Only date-looking values are parsed: `Date.parse` accepts bare numbers such as "-5" or "12".
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** The `Retry-After` value (whole seconds, at least 1) to send to our own callers for a wait. */
export function retryAfterSeconds(waitMs: number): number {
  return Math.max(1, Math.ceil(waitMs / 1000));
}
