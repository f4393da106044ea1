import { base64ToBytes, bytesEqual, hexToBytes, hmacSha256, utf8, type WebhookVerification } from '../kit';
import type { ZenskarWebhookSecrets } from './connection';

/** The header Zenskar's signature is read from unless configured otherwise. */
export const defaultZenskarSignatureHeader = 'x-zenskar-signature';

/**
 * Zenskar: HMAC-SHA256 of the raw body with the shared secret, sent as hex, base64 or base64url,
 * optionally prefixed `sha256=`. Zenskar's public docs do not spell the scheme out (nor the header
 * name, hence it is configurable), so every common encoding is accepted.
 */
export async function verifySharedSecretHmac(
  signatureHeader: string | undefined,
  rawBody: string,
  secret: string,
): Promise<boolean> {
  if (!signatureHeader) return false;
  const value = signatureHeader.trim().replace(/^sha256=/i, '');
  const expected = await hmacSha256(utf8(secret), rawBody);
  const base64url = value.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64url + '='.repeat((4 - (base64url.length % 4)) % 4);
  const candidates = [hexToBytes(value), base64ToBytes(value), base64ToBytes(padded)].filter(
    (bytes): bytes is Uint8Array => bytes !== null,
  );
  let matched = false;
  for (const candidate of candidates) if (bytesEqual(candidate, expected)) matched = true;
  return matched;
}

/** Verifies one Zenskar delivery against a tenant's secret. */
export async function verifyZenskarWebhook(
  delivery: { header(name: string): string | undefined; rawBody: string },
  secrets: ZenskarWebhookSecrets,
): Promise<WebhookVerification> {
  return (await verifySharedSecretHmac(delivery.header(secrets.header), delivery.rawBody, secrets.secret))
    ? { verified: true }
    : { verified: false, reason: 'bad_signature' };
}
