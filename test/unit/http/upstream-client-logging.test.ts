import { describe, expect, it } from 'vitest';
import { jsonResponse, networkError, textResponse } from './fake-transport';
import { BASE_URL, createHarness } from './harness';

const CONFIGURED_SECRET = 'cfg-secret-7f3a9c2e';
const API_KEY = 'test_key_12345';
const BASIC = `Basic ${btoa(`${API_KEY}:`)}`;

describe('upstream client: logging of failed attempts', () => {
  it('logs each failed attempt at warn with the facts, but not the request headers or query values', async () => {
    const harness = createHarness(
      () => jsonResponse(503, { message: 'busy', api_error_code: 'internal_temporary_error' }),
      { maxAttempts: 2 },
    );
    await harness.fail({
      url: `${BASE_URL}/customers/cus_1/customer_entitlements?limit=100&offset=opaque-cursor-value`,
      headers: { authorization: BASIC },
    });

    const failures = harness.logs.filter((line) => line.event === 'upstream_attempt_failed');
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatchObject({
      level: 'warn',
      vendor: 'chargebee',
      operation: 'list_customer_entitlements',
      connectionKey: 'tenant-a:chargebee',
      method: 'GET',
      host: 'acme-test.chargebee.com',
      path: '/api/v2/customers/cus_1/customer_entitlements',
      queryKeys: ['limit', 'offset'],
      attempt: 1,
      maxAttempts: 2,
      failure: 'status',
      status: 503,
      vendorCode: 'internal_temporary_error',
      errorCode: 'vendor_unavailable',
      willRetry: true,
      nextDelayMs: 50,
    });
    expect(failures[1]).toMatchObject({ attempt: 2, willRetry: false, stopReason: 'attempts_exhausted' });
    const everything = harness.rawLogs.join('\n');
    expect(everything).not.toContain('opaque-cursor-value');
    expect(everything).not.toContain(btoa(`${API_KEY}:`));
    expect(everything).not.toContain('authorization');
  });

  it("logs the vendor's own id of a failed answer (Request-Id, else X-Request-Id), and none when it sends none", async () => {
    const stripeStyle = createHarness(
      () => jsonResponse(500, { error: {} }, { 'request-id': 'req_abc123' }),
      {
        maxAttempts: 1,
      },
    );
    await stripeStyle.fail();
    expect(stripeStyle.logs.find((entry) => entry.event === 'upstream_attempt_failed')).toMatchObject({
      vendorRequestId: 'req_abc123',
    });
    const other = createHarness(() => textResponse(200, 'not json', { 'x-request-id': 'trace-9' }), {
      maxAttempts: 1,
    });
    await other.fail();
    expect(other.logs.find((entry) => entry.event === 'upstream_attempt_failed')).toMatchObject({
      failure: 'malformed_body',
      vendorRequestId: 'trace-9',
    });
    const none = createHarness(() => jsonResponse(503, {}), { maxAttempts: 1 });
    await none.fail();
    expect(none.logs.find((entry) => entry.event === 'upstream_attempt_failed')).not.toHaveProperty(
      'vendorRequestId',
    );
  });

  it('redacts configured secrets, the request credentials and key-shaped strings in the vendor body', async () => {
    const body = JSON.stringify({
      message: `key ${API_KEY} with secret ${CONFIGURED_SECRET} and sk_test_abcdef123456 is invalid`,
      echo: BASIC,
    });
    const harness = createHarness(() => textResponse(401, body), { secrets: [CONFIGURED_SECRET] });
    await harness.fail({ headers: { authorization: BASIC } });

    const line = harness.logs.find((entry) => entry.event === 'upstream_attempt_failed');
    expect(typeof line?.body).toBe('string');
    expect(line?.body).toContain('[redacted]');
    const everything = harness.rawLogs.join('\n');
    for (const secret of [API_KEY, CONFIGURED_SECRET, 'sk_test_abcdef123456', btoa(`${API_KEY}:`)]) {
      expect(everything).not.toContain(secret);
    }
  });

  it('truncates the logged body to 512 characters, after redacting, so a secret at the cut cannot leak', async () => {
    const body = `${'x'.repeat(505)}${CONFIGURED_SECRET}${'y'.repeat(3_000)}`;
    const harness = createHarness(() => textResponse(500, body), {
      secrets: [CONFIGURED_SECRET],
      maxAttempts: 1,
    });
    await harness.fail();
    const line = harness.logs.find((entry) => entry.event === 'upstream_attempt_failed');
    const logged = String(line?.body);
    expect(logged).toHaveLength(512);
    expect(logged.startsWith('x'.repeat(505))).toBe(true);
    expect(logged).not.toContain(CONFIGURED_SECRET.slice(0, 4));
  });

  it('never puts the vendor body in the error detail', async () => {
    const harness = createHarness(() => textResponse(400, 'customer cus_1 has a weird flag SECRET-ISH'), {
      maxAttempts: 1,
    });
    const error = await harness.fail();
    expect(error.message).not.toContain('weird flag');
    expect(JSON.stringify(error.failure)).not.toContain('weird flag');
  });

  it('logs the network error cause, redacted', async () => {
    const harness = createHarness(
      () => {
        throw Object.assign(new Error(`connect failed with ${CONFIGURED_SECRET}`), { code: 'ECONNREFUSED' });
      },
      { secrets: [CONFIGURED_SECRET], maxAttempts: 1 },
    );
    await harness.fail();
    const line = harness.logs.find((entry) => entry.event === 'upstream_attempt_failed');
    expect(line).toMatchObject({ failure: 'network', errorCode: 'vendor_unavailable' });
    expect(String(line?.cause)).toContain('ECONNREFUSED');
    expect(String(line?.cause)).not.toContain(CONFIGURED_SECRET);
  });

  it('does not log successful calls', async () => {
    const harness = createHarness((call) =>
      call.index === 0 ? Promise.reject(networkError()) : jsonResponse(200, {}),
    );
    await harness.call();
    expect(harness.logs.filter((line) => line.level === 'warn')).toHaveLength(1);
  });
});
