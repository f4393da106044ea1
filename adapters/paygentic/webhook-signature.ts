import { base64ToBytes, bytesEqual, hmacSha256, type WebhookVerification } from '../kit';
import type { PaygenticWebhookSecrets } from './connection';

/** Headers Svix sends with every delivery. */
export interface SvixHeaders {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

/** Why a Svix delivery was refused (for logs; callers get one generic 401). */
export type SvixFailure =
  | 'missing_headers'
  | 'bad_timestamp'
  | 'stale_timestamp'
  | 'bad_secret'
  | 'bad_signature';

/**
 * Paygentic delivers through Svix: the `v1` signature is base64 HMAC-SHA256, keyed with the base64
 * part of the `whsec_…` secret, over `${svix-id}.${svix-timestamp}.${body}`. Timestamps more than
 * `toleranceSeconds` away from now are refused, which is what stops a captured delivery from being
 * replayed later.
 */
export async function verifySvixSignature(
  headers: SvixHeaders,
  rawBody: string,
  secret: string,
  nowMs: number,
  toleranceSeconds = 300,
): Promise<{ ok: true } | { ok: false; failure: SvixFailure }> {
  if (!headers.id || !headers.timestamp || !headers.signature)
    return { ok: false, failure: 'missing_headers' };
  if (!/^\d{1,12}$/.test(headers.timestamp)) return { ok: false, failure: 'bad_timestamp' };
  const timestamp = Number(headers.timestamp);
  if (Math.abs(nowMs / 1000 - timestamp) > toleranceSeconds) return { ok: false, failure: 'stale_timestamp' };
  const key = base64ToBytes(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret);
  if (!key || key.length === 0) return { ok: false, failure: 'bad_secret' };
  const expected = await hmacSha256(key, `${headers.id}.${headers.timestamp}.${rawBody}`);
  let matched = false;
  // The header may carry several space-separated signatures (secret rotation): any v1 match counts.
  for (const part of headers.signature.split(' ')) {
    const [version, value] = part.split(',', 2);
    if (version !== 'v1' || value === undefined) continue;
    const presented = base64ToBytes(value);
    if (presented && bytesEqual(presented, expected)) matched = true;
  }
  return matched ? { ok: true } : { ok: false, failure: 'bad_signature' };
}

/** Verifies one Paygentic (Svix) delivery against a tenant's signing secret. */
export async function verifyPaygenticWebhook(
  delivery: { header(name: string): string | undefined; rawBody: string; now: number },
  secrets: PaygenticWebhookSecrets,
): Promise<WebhookVerification> {
  const headers = {
    id: delivery.header('svix-id'),
    timestamp: delivery.header('svix-timestamp'),
    signature: delivery.header('svix-signature'),
  };
  const result = await verifySvixSignature(headers, delivery.rawBody, secrets.secret, delivery.now);
  return result.ok ? { verified: true } : { verified: false, reason: result.failure };
}
