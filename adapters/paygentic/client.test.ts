import { describe, expect, it } from 'vitest';
import {
  buildEntitlementUrl,
  buildListEntitlementsUrl,
  parsePaygenticError,
  paygenticAuthHeaders,
  paygenticUrl,
} from './client';

describe('paygentic client: requests', () => {
  it('sends the key as a Bearer token', () => {
    expect(paygenticAuthHeaders('sk_test_abc')).toEqual({ authorization: 'Bearer sk_test_abc' });
  });

  it('builds the list URL with every parameter encoded, and `at` only when given', () => {
    const url = new URL(
      buildListEntitlementsUrl('https://api.sandbox.paygentic.io', {
        customerId: 'cus_abc',
        limit: 100,
        offset: 300,
        at: '2024-01-15T15:30:00+05:30',
      }),
    );
    expect(url.origin + url.pathname).toBe('https://api.sandbox.paygentic.io/v1/entitlements');
    expect([...url.searchParams]).toEqual([
      ['customerId', 'cus_abc'],
      ['limit', '100'],
      ['offset', '300'],
      ['at', '2024-01-15T15:30:00+05:30'],
    ]);
    // `+` must be percent-encoded or the server reads a space.
    expect(url.search).toContain('at=2024-01-15T15%3A30%3A00%2B05%3A30');
    const withoutAt = new URL(
      buildListEntitlementsUrl('https://api.paygentic.io', { customerId: 'cus_abc', limit: 100, offset: 0 }),
    );
    expect(withoutAt.searchParams.has('at')).toBe(false);
  });

  it('keeps a proxy path prefix and tolerates a trailing slash on the base URL', () => {
    expect(paygenticUrl('https://proxy.example/paygentic/', '/v1/entitlements').toString()).toBe(
      'https://proxy.example/paygentic/v1/entitlements',
    );
    expect(paygenticUrl('http://127.0.0.1:4010', '/v1/entitlements').toString()).toBe(
      'http://127.0.0.1:4010/v1/entitlements',
    );
  });

  it('an id can never change the path: it is one encoded segment', () => {
    const url = new URL(buildEntitlementUrl('https://api.paygentic.io/base', '../../v0/customers?x=1#y'));
    expect(url.pathname).toBe('/base/v1/entitlements/..%2F..%2Fv0%2Fcustomers%3Fx%3D1%23y');
    expect(url.search).toBe('');
    expect(url.hash).toBe('');
    const query = new URL(
      buildListEntitlementsUrl('https://api.paygentic.io', {
        customerId: 'cus_a&limit=1',
        limit: 100,
        offset: 0,
      }),
    );
    expect(query.searchParams.getAll('limit')).toEqual(['100']);
    expect(query.searchParams.get('customerId')).toBe('cus_a&limit=1');
  });
});

describe('paygentic client: error bodies', () => {
  it('reads Error {message, error}', () => {
    expect(parsePaygenticError(401, { message: 'Invalid API key', error: 'unauthorized' }, '')).toEqual({
      code: 'unauthorized',
      message: 'Invalid API key',
    });
  });

  it('reads ValidationError and names the fields', () => {
    const body = {
      error: 'validation_error',
      message: 'Invalid request',
      errors: [
        { field: 'limit', message: 'too big', code: 'too_big' },
        { field: 'customerId', message: 'bad' },
      ],
    };
    expect(parsePaygenticError(400, body, '')).toEqual({
      code: 'validation_error',
      message: 'Invalid request (fields: limit, customerId)',
    });
  });

  it('ignores non-JSON or unexpected bodies and never copies raw text', () => {
    expect(parsePaygenticError(502, undefined, '<html>Bad gateway sk_live_secret</html>')).toEqual({});
    expect(parsePaygenticError(500, ['x'], '["x"]')).toEqual({});
    expect(parsePaygenticError(500, { message: 42, error: ['x'] }, '')).toEqual({});
    const long = parsePaygenticError(500, { message: 'x'.repeat(5_000) }, '');
    expect(long.message).toHaveLength(300);
  });
});
