/**
 * Verification of vendor webhooks, over the raw body, in constant time. Each vendor authenticates
 * differently (vendors.md): Chargebee with HTTP Basic credentials set on the endpoint, Paygentic
 * through Svix signatures, Zenskar with a shared-secret HMAC whose exact header is unconfirmed
 * (configurable, defaults to `x-zenskar-signature`).
 */

const encoder = new TextEncoder();

/** Constant-time equality of two byte strings (length leaks, content does not). */
export function bytesEqual(left: Uint8Array, right: Uint8Array): boolean {
  let difference = left.length ^ right.length;
  const length = Math.max(left.length, right.length);
  for (let index = 0; index < length; index++) difference |= (left[index] ?? 0) ^ (right[index] ?? 0);
  return difference === 0;
}

function base64ToBytes(text: string): Uint8Array | null {
  try {
    const binary = atob(text);
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
}

function hexToBytes(text: string): Uint8Array | null {
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(text)) return null;
  const bytes = new Uint8Array(text.length / 2);
  for (let index = 0; index < bytes.length; index++)
    bytes[index] = Number.parseInt(text.slice(index * 2, index * 2 + 2), 16);
  return bytes;
}

async function hmacSha256(key: Uint8Array, message: string): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey(
    'raw',
    key as Uint8Array<ArrayBuffer>,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, encoder.encode(message)));
}

/** Chargebee: `Authorization: Basic base64(username:password)` must match the configured pair. */
export function verifyBasicCredentials(
  authorization: string | undefined,
  expected: { username: string; password: string },
): boolean {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  const presented = match?.[1] ? base64ToBytes(match[1]) : null;
  const wanted = encoder.encode(`${expected.username}:${expected.password}`);
  // Compare even when nothing was presented, so timing does not tell "absent" from "wrong".
  return bytesEqual(presented ?? new Uint8Array(), wanted) && presented !== null;
}

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
 * Paygentic (Svix): the `v1` signature is base64 HMAC-SHA256, keyed with the base64 part of the
 * `whsec_…` secret, over `${svix-id}.${svix-timestamp}.${body}`. Timestamps more than
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

/**
 * Zenskar: HMAC-SHA256 of the raw body with the shared secret, sent as hex, base64 or base64url, optionally
 * prefixed `sha256=`. The scheme is UNCONFIRMED in Zenskar's public docs, hence the tolerance.
 */
export async function verifySharedSecretHmac(
  signatureHeader: string | undefined,
  rawBody: string,
  secret: string,
): Promise<boolean> {
  if (!signatureHeader) return false;
  const value = signatureHeader.trim().replace(/^sha256=/i, '');
  const expected = await hmacSha256(encoder.encode(secret), rawBody);
  const base64url = value.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64url + '='.repeat((4 - (base64url.length % 4)) % 4);
  const candidates = [hexToBytes(value), base64ToBytes(value), base64ToBytes(padded)].filter(
    (bytes): bytes is Uint8Array => bytes !== null,
  );
  let matched = false;
  for (const candidate of candidates) if (bytesEqual(candidate, expected)) matched = true;
  return matched;
}
