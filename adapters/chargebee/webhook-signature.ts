import { base64ToBytes, bytesEqual, utf8, type WebhookVerification } from '../kit';
import type { ChargebeeWebhookSecrets } from './connection';

/**
 * Chargebee authenticates webhooks with HTTP Basic credentials set on the endpoint:
 * `Authorization: Basic base64(username:password)` must match the configured pair.
 */
export function verifyBasicCredentials(
  authorization: string | undefined,
  expected: ChargebeeWebhookSecrets,
): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  const presented = match?.[1] ? base64ToBytes(match[1]) : null;
  const wanted = utf8(`${expected.username}:${expected.password}`);
  // Compare even when nothing was presented, so timing does not tell "absent" from "wrong".
  return bytesEqual(presented ?? new Uint8Array(), wanted) && presented !== null;
}

/** Verifies one Chargebee delivery against a tenant's endpoint credentials. */
export async function verifyChargebeeWebhook(
  delivery: { header(name: string): string | undefined },
  secrets: ChargebeeWebhookSecrets,
): Promise<WebhookVerification> {
  return verifyBasicCredentials(delivery.header('authorization'), secrets)
    ? { verified: true }
    : { verified: false, reason: 'bad_credentials' };
}
