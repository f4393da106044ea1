import { bytesEqual, hexToBytes, hmacSha256, utf8, type WebhookVerification } from '../kit';
import type { StripeWebhookSecrets } from './connection';

/**
 * Stripe webhook signatures: `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…][,v0=…]`. The
 * expected `v1` is the hex HMAC-SHA256 of the UTF-8 string `"<t>.<raw body>"` keyed with the endpoint
 * secret (`whsec_…`) used as-is (Stripe does not base64-decode it, unlike Svix). A delivery is
 * accepted when any `v1` matches (several appear while a secret is being rolled) and `t` is within
 * the tolerance of now, which is what stops a captured delivery from being replayed later. `v0`
 * (test-mode legacy) and unknown schemes are ignored.
 */

/** Stripe's own default tolerance between the signed timestamp and now. */
export const stripeSignatureToleranceSeconds = 300;

/** Why a delivery was refused (for logs; the sender only ever gets one generic 401). */
export type StripeSignatureFailure =
  | 'missing_header'
  | 'malformed_header'
  | 'stale_timestamp'
  | 'bad_signature';

function bytesToHex(bytes: Uint8Array): string {
  return [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** The parts of a `Stripe-Signature` header the gateway reads. */
interface ParsedSignatureHeader {
  timestamp: number;
  /** Every `v1` value, in header order. */
  v1: string[];
}

function parseSignatureHeader(header: string): ParsedSignatureHeader | null {
  let timestamp: number | null = null;
  const v1: string[] = [];
  for (const item of header.split(',')) {
    const separator = item.indexOf('=');
    if (separator < 0) continue;
    const name = item.slice(0, separator).trim();
    const value = item.slice(separator + 1).trim();
    if (name === 't') {
      // One timestamp, in unix seconds; two different ones would make "the" signed instant ambiguous.
      if (!/^\d{1,12}$/.test(value) || (timestamp !== null && timestamp !== Number(value))) return null;
      timestamp = Number(value);
    } else if (name === 'v1') v1.push(value);
  }
  return timestamp === null || v1.length === 0 ? null : { timestamp, v1 };
}

/**
 * Verifies a Stripe delivery over its raw body. `nowMs` comes from the gateway's clock so tests can
 * move time. Constant-time per candidate; every candidate is compared even after a match.
 */
export async function verifyStripeSignature(
  header: string | undefined,
  rawBody: string,
  secret: string,
  nowMs: number,
  toleranceSeconds = stripeSignatureToleranceSeconds,
): Promise<{ ok: true } | { ok: false; failure: StripeSignatureFailure }> {
  if (!header) return { ok: false, failure: 'missing_header' };
  const parsed = parseSignatureHeader(header);
  if (parsed === null) return { ok: false, failure: 'malformed_header' };
  if (Math.abs(nowMs / 1000 - parsed.timestamp) > toleranceSeconds)
    return { ok: false, failure: 'stale_timestamp' };
  const expected = await hmacSha256(utf8(secret), `${parsed.timestamp}.${rawBody}`);
  let matched = false;
  for (const candidate of parsed.v1) {
    const presented = hexToBytes(candidate);
    if (presented !== null && bytesEqual(presented, expected)) matched = true;
  }
  return matched ? { ok: true } : { ok: false, failure: 'bad_signature' };
}

/**
 * The `Stripe-Signature` header Stripe would send for `rawBody` at `timestampSeconds`: what the
 * sandbox and the tests sign deliveries with.
 */
export async function signStripePayload(
  rawBody: string,
  secret: string,
  timestampSeconds: number,
): Promise<string> {
  const signature = await hmacSha256(utf8(secret), `${timestampSeconds}.${rawBody}`);
  return `t=${timestampSeconds},v1=${bytesToHex(signature)}`;
}

/** Verifies one Stripe delivery against a tenant's endpoint secret. */
export async function verifyStripeWebhook(
  delivery: { header(name: string): string | undefined; rawBody: string; now: number },
  secrets: StripeWebhookSecrets,
): Promise<WebhookVerification> {
  const result = await verifyStripeSignature(
    delivery.header('stripe-signature'),
    delivery.rawBody,
    secrets.secret,
    delivery.now,
  );
  return result.ok ? { verified: true } : { verified: false, reason: result.failure };
}
