import { GatewayError } from '../errors/gateway-error';

/**
 * Opaque, HMAC-signed pagination cursors. A cursor is bound to the tenant, the customer (or listing),
 * the vendor and a digest of the query that produced it; it carries only a position. Anything that
 * does not verify, or verifies for another binding, is `invalid_cursor`, never a 500 and never
 * another tenant's data.
 */

/** What a cursor is bound to; every field must match on the way back in. */
export interface CursorBinding {
  tenant: string;
  vendor: string;
  /** The customer id for entitlement lists, `*` for cross-customer listings. */
  scope: string;
  /** Canonical string of the filters that shape the result (not the page size). */
  query: string;
}

/** Where to continue: the last featureKey returned (keyset), or a wrapped vendor cursor. */
export type CursorPosition = { after: string } | { vendorCursor: string };

interface CursorPayload {
  v: 1;
  /** Digest of the binding (base64url, 16 bytes): keeps the cursor short and the binding private. */
  b: string;
  a?: string;
  vc?: string;
}

const encoder = new TextEncoder();
const MAX_CURSOR_LENGTH = 4096;

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null;
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
}

function invalid(detail: string): GatewayError {
  return new GatewayError('invalid_cursor', detail, {
    errors: [{ path: 'query.cursor', message: detail }],
  });
}

/** Signs and verifies cursors with one secret (`CURSOR_SECRET`). */
export class CursorCodec {
  private keyPromise: Promise<CryptoKey> | null = null;

  constructor(private readonly secret: string) {}

  private key(): Promise<CryptoKey> {
    this.keyPromise ??= crypto.subtle.importKey(
      'raw',
      encoder.encode(this.secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    );
    return this.keyPromise;
  }

  private async bindingDigest(binding: CursorBinding): Promise<string> {
    // Length-prefixed fields: no two different bindings can produce the same input.
    const canonical = [binding.tenant, binding.vendor, binding.scope, binding.query]
      .map((part) => `${part.length}:${part}`)
      .join('|');
    const mac = await crypto.subtle.sign('HMAC', await this.key(), encoder.encode(`binding|${canonical}`));
    return toBase64Url(new Uint8Array(mac).slice(0, 16));
  }

  /** Creates the cursor for `position` under `binding`. */
  async encode(binding: CursorBinding, position: CursorPosition): Promise<string> {
    const payload: CursorPayload = { v: 1, b: await this.bindingDigest(binding) };
    if ('after' in position) payload.a = position.after;
    else payload.vc = position.vendorCursor;
    const body = toBase64Url(encoder.encode(JSON.stringify(payload)));
    const signature = new Uint8Array(
      await crypto.subtle.sign('HMAC', await this.key(), encoder.encode(`cursor|${body}`)),
    );
    return `${body}.${toBase64Url(signature)}`;
  }

  /** Verifies `cursor` against `binding` and returns its position, or throws `invalid_cursor`. */
  async decode(binding: CursorBinding, cursor: string): Promise<CursorPosition> {
    if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH) throw invalid('The cursor is malformed.');
    const [body, signatureText, extra] = cursor.split('.');
    if (body === undefined || signatureText === undefined || extra !== undefined)
      throw invalid('The cursor is malformed.');
    const signature = fromBase64Url(signatureText);
    // Only the canonical spelling: the last base64url character carries unused bits, so without
    // this check several different strings would verify as the same signature (an altered cursor
    // that is still accepted).
    if (!signature || toBase64Url(signature) !== signatureText) throw invalid('The cursor is malformed.');
    const valid = await crypto.subtle.verify(
      'HMAC',
      await this.key(),
      signature,
      encoder.encode(`cursor|${body}`),
    );
    if (!valid) throw invalid('The cursor was not issued by this gateway or was altered.');
    const bytes = fromBase64Url(body);
    let payload: CursorPayload;
    try {
      payload = JSON.parse(new TextDecoder().decode(bytes ?? new Uint8Array())) as CursorPayload;
    } catch {
      throw invalid('The cursor is malformed.');
    }
    if (payload.v !== 1 || typeof payload.b !== 'string')
      throw invalid('The cursor version is not supported.');
    if (payload.b !== (await this.bindingDigest(binding))) {
      throw invalid(
        'The cursor belongs to another query: repeat the first request with the same filters (and vendor) to start over.',
      );
    }
    if (typeof payload.a === 'string') return { after: payload.a };
    if (typeof payload.vc === 'string') return { vendorCursor: payload.vc };
    throw invalid('The cursor is malformed.');
  }
}
