import { describe, expect, it } from 'vitest';
import { codeForVendorStatus } from '../../../adapters/kit/errors';
import { errorCatalog } from '../../../src/errors/codes';
import {
  hangUntilAborted,
  jsonResponse,
  networkError,
  respondAfter,
  stalledBodyResponse,
  textResponse,
  truncatedResponse,
} from './fake-transport';
import { BASE_URL, createHarness, gaps } from './harness';

const ok = jsonResponse(200, { list: [{ customer_entitlement: { feature_id: 'seats' } }] });

describe('upstream client: a healthy call', () => {
  it('sends one GET with the caller headers plus Accept, and resolves with the parsed body', async () => {
    const harness = createHarness(() => ok);
    const response = await harness.call();

    expect(response).toMatchObject({ status: 200, attempts: 1 });
    expect(response.body).toEqual({ list: [{ customer_entitlement: { feature_id: 'seats' } }] });
    expect(harness.fake.calls).toHaveLength(1);
    const [sent] = harness.fake.calls;
    expect(sent?.url).toBe(`${BASE_URL}/customers/cus_1/customer_entitlements?limit=100`);
    expect(sent?.method).toBe('GET');
    expect(sent?.headers).toEqual({
      accept: 'application/json',
      authorization: 'Basic dGVzdF9rZXlfMTIzNDU6',
    });
    expect(sent?.body).toBeUndefined();
    expect(harness.logs.filter((line) => line.level === 'warn')).toEqual([]);
  });

  it('passes a POST body through and reports the call to the observer once', async () => {
    const harness = createHarness((call) =>
      respondAfter(harness.time, call, 120, jsonResponse(201, { id: 'x' })),
    );
    await harness.call({
      method: 'POST',
      body: 'a=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });

    expect(harness.fake.calls[0]?.body).toBe('a=1');
    expect(harness.fake.calls[0]?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(harness.reports).toEqual([
      {
        vendor: 'chargebee',
        operation: 'list_customer_entitlements',
        attempts: 1,
        durationMs: 120,
        status: 201,
      },
    ]);
  });

  it('leaves no timers behind once a call is done', async () => {
    const harness = createHarness(() => ok);
    await harness.call();
    expect(harness.time.pendingTimers()).toBe(0);
  });
});

describe('upstream client: vendor status mapping', () => {
  it.each([
    [401, 'vendor_auth_failed', 502],
    [403, 'vendor_auth_failed', 502],
    [400, 'vendor_request_rejected', 502],
    [404, 'vendor_request_rejected', 502],
    [409, 'vendor_request_rejected', 502],
    [422, 'vendor_request_rejected', 502],
    [408, 'vendor_timeout', 504],
    [429, 'vendor_rate_limited', 503],
    [500, 'vendor_unavailable', 503],
    [501, 'vendor_unavailable', 503],
    [503, 'vendor_unavailable', 503],
  ] as const)('HTTP %i becomes %s (%i)', async (status, code, gatewayStatus) => {
    const harness = createHarness(
      () =>
        jsonResponse(status, { message: 'Sorry, no customer cus_1 here', api_error_code: 'vendor_said_no' }),
      { maxAttempts: 1 },
    );
    const error = await harness.fail();

    expect(codeForVendorStatus(status)).toBe(code);
    expect(error.code).toBe(code);
    expect(errorCatalog[error.code].status).toBe(gatewayStatus);
    expect(error.vendor).toBe('chargebee');
    expect(error.failure).toMatchObject({
      vendorStatus: status,
      vendorCode: 'vendor_said_no',
      vendorMessage: 'Sorry, no customer cus_1 here',
      operation: 'list_customer_entitlements',
      attempts: 1,
    });
    // The vendor's words are for logs and adapters, never for the caller-facing detail.
    expect(error.message).not.toContain('Sorry');
    expect(harness.reports).toEqual([expect.objectContaining({ attempts: 1, status, errorCode: code })]);
  });

  it('keeps the status when the vendor error parser throws', async () => {
    const harness = createHarness(() => textResponse(404, '<html>not found</html>'), { maxAttempts: 1 });
    const error = await harness.time
      .run(
        harness.client.requestJson(harness.request(), () => {
          throw new Error('parser bug');
        }),
      )
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );
    expect(error).toMatchObject({ code: 'vendor_request_rejected', failure: { vendorStatus: 404 } });
  });

  it('maps a network error to vendor_unavailable (503) and keeps the cause', async () => {
    const harness = createHarness(() => {
      throw networkError();
    });
    const error = await harness.fail();
    expect(error).toMatchObject({ code: 'vendor_unavailable', status: 503, retryable: true });
    expect(error.failure.vendorStatus).toBeUndefined();
    expect(error.cause).toMatchObject({ code: 'ECONNRESET' });
  });
});

describe('upstream client: which failures are retried', () => {
  it.each([408, 429, 500, 502, 503, 504])('retries a GET after HTTP %i and succeeds', async (status) => {
    const harness = createHarness((call) => (call.index === 0 ? jsonResponse(status, {}) : ok));
    const response = await harness.call();
    expect(harness.fake.calls).toHaveLength(2);
    expect(response.attempts).toBe(2);
    expect(harness.reports).toEqual([expect.objectContaining({ attempts: 2, status: 200 })]);
    expect(harness.reports[0]?.errorCode).toBeUndefined();
  });

  it('retries a GET after a network error, with the jittered backoff between attempts', async () => {
    const harness = createHarness((call) => {
      if (call.index === 0) throw networkError();
      return ok;
    });
    const response = await harness.call();
    expect(response.attempts).toBe(2);
    // random() = 0.5 and the first ceiling is baseDelayMs (100): 50 ms.
    expect(gaps(harness.fake)).toEqual([50]);
  });

  it.each([400, 401, 403, 404, 409, 422, 501])('does not retry HTTP %i', async (status) => {
    const harness = createHarness(() => jsonResponse(status, {}), { maxAttempts: 5 });
    const error = await harness.fail();
    expect(harness.fake.calls).toHaveLength(1);
    expect(error.failure.attempts).toBe(1);
  });

  it.each([
    ['HTTP 503', () => jsonResponse(503, {})],
    ['HTTP 429', () => jsonResponse(429, {}, { 'retry-after': '1' })],
    [
      'a network error',
      () => {
        throw networkError();
      },
    ],
  ])('never retries a POST after %s', async (_label, script) => {
    const harness = createHarness(script, { maxAttempts: 5 });
    await harness.fail({ method: 'POST', body: '{}' });
    expect(harness.fake.calls).toHaveLength(1);
  });

  it('never retries a POST that timed out (it may have been applied)', async () => {
    const harness = createHarness((call) => hangUntilAborted(call), { maxAttempts: 5 });
    const error = await harness.fail({ method: 'POST', body: '{}' });
    expect(error.code).toBe('vendor_timeout');
    expect(harness.fake.calls).toHaveLength(1);
  });

  it('stops after maxAttempts and reports every attempt', async () => {
    const harness = createHarness(() => jsonResponse(503, {}));
    const error = await harness.fail();
    expect(harness.fake.calls).toHaveLength(3);
    expect(error).toMatchObject({ code: 'vendor_unavailable', failure: { attempts: 3, vendorStatus: 503 } });
    expect(harness.reports).toEqual([
      expect.objectContaining({ attempts: 3, status: 503, errorCode: 'vendor_unavailable' }),
    ]);
    expect(harness.logs.filter((line) => line.event === 'upstream_attempt_failed')).toHaveLength(3);
  });

  it('honours a custom maxAttempts', async () => {
    const harness = createHarness(() => jsonResponse(502, {}), { maxAttempts: 5 });
    await harness.fail();
    expect(harness.fake.calls).toHaveLength(5);
  });
});

describe('upstream client: bad 2xx bodies', () => {
  it('retries a non-JSON 2xx exactly once, then fails with vendor_bad_response (502)', async () => {
    const harness = createHarness(() => textResponse(200, '{"list": [ {"oops"'), { maxAttempts: 5 });
    const error = await harness.fail();
    expect(harness.fake.calls).toHaveLength(2);
    expect(error).toMatchObject({
      code: 'vendor_bad_response',
      status: 502,
      failure: { vendorStatus: 200, attempts: 2 },
    });
  });

  it('succeeds when the retry of a non-JSON 2xx is good', async () => {
    const harness = createHarness((call) => (call.index === 0 ? textResponse(200, '<html>') : ok));
    expect((await harness.call()).attempts).toBe(2);
  });

  it('retries a truncated 2xx body and succeeds', async () => {
    const harness = createHarness((call) => (call.index === 0 ? truncatedResponse() : ok));
    const response = await harness.call();
    expect(response.attempts).toBe(2);
    expect(harness.logs.find((line) => line.event === 'upstream_attempt_failed')).toMatchObject({
      failure: 'truncated_body',
      status: 200,
      willRetry: true,
    });
  });

  it('gives a call only one extra attempt for bad bodies, whatever their kind', async () => {
    const harness = createHarness(
      (call) => (call.index === 0 ? truncatedResponse() : textResponse(200, 'nope')),
      {
        maxAttempts: 5,
      },
    );
    const error = await harness.fail();
    expect(harness.fake.calls).toHaveLength(2);
    expect(error.code).toBe('vendor_bad_response');
  });

  it('still retries a 503 after a bad body, within maxAttempts', async () => {
    const harness = createHarness((call) =>
      call.index === 0 ? textResponse(200, 'nope') : call.index === 1 ? jsonResponse(503, {}) : ok,
    );
    expect((await harness.call()).attempts).toBe(3);
  });

  it('maps a non-2xx whose body broke off by its status', async () => {
    const harness = createHarness(() => truncatedResponse(404), { maxAttempts: 1 });
    const error = await harness.fail();
    expect(error).toMatchObject({ code: 'vendor_request_rejected', failure: { vendorStatus: 404 } });
  });
});

describe('upstream client: backoff', () => {
  it('waits random * min(maxDelayMs, baseDelayMs * 2^n) before retry n+1', async () => {
    const harness = createHarness(() => jsonResponse(503, {}), {
      maxAttempts: 5,
      baseDelayMs: 100,
      maxDelayMs: 300,
      random: () => 0.999,
    });
    await harness.fail();
    expect(gaps(harness.fake)).toEqual([99, 199, 299, 299]);
  });

  it('can retry at once when jitter draws 0', async () => {
    const harness = createHarness(() => jsonResponse(500, {}), { random: () => 0 });
    await harness.fail();
    expect(gaps(harness.fake)).toEqual([0, 0]);
  });
});

describe('upstream client: deadlines', () => {
  it('times out a hanging attempt after attemptTimeoutMs, aborts it, and retries', async () => {
    const harness = createHarness((call) => (call.index === 0 ? hangUntilAborted(call) : ok));
    const response = await harness.call();

    expect(response.attempts).toBe(2);
    expect(harness.fake.calls[0]?.signal.aborted).toBe(true);
    expect(harness.fake.calls[1]?.signal.aborted).toBe(false);
    expect(harness.fake.calls[1]?.at).toBe(3_000 + 50 + harness.fake.calls[0]!.at);
    expect(harness.logs.find((line) => line.event === 'upstream_attempt_failed')).toMatchObject({
      failure: 'timeout',
      errorCode: 'vendor_timeout',
      durationMs: 3_000,
    });
  });

  it('times out a body that stalls after the head arrived', async () => {
    const harness = createHarness((call) => (call.index === 0 ? stalledBodyResponse(call) : ok), {
      attemptTimeoutMs: 500,
    });
    const response = await harness.call();
    expect(response.attempts).toBe(2);
    expect(gaps(harness.fake)).toEqual([550]);
  });

  it('ends the whole call at deadlineMs with vendor_timeout (504), cutting the last attempt short', async () => {
    const harness = createHarness((call) => hangUntilAborted(call));
    const startedAt = harness.time.now();
    const error = await harness.fail();

    expect(error).toMatchObject({ code: 'vendor_timeout', status: 504, failure: { attempts: 3 } });
    // 0–3000 attempt 1, 50 ms backoff, 3050–6050 attempt 2, 100 ms backoff, 6150–8000 attempt 3.
    expect(harness.fake.calls.map((call) => call.at - startedAt)).toEqual([0, 3_050, 6_150]);
    expect(harness.time.now() - startedAt).toBe(8_000);
    expect(harness.reports).toEqual([
      {
        vendor: 'chargebee',
        operation: 'list_customer_entitlements',
        attempts: 3,
        durationMs: 8_000,
        errorCode: 'vendor_timeout',
      },
    ]);
  });

  it('does not start a retry whose backoff would run past the deadline, and keeps the vendor error', async () => {
    const harness = createHarness((call) => respondAfter(harness.time, call, 950, jsonResponse(503, {})), {
      deadlineMs: 1_000,
      baseDelayMs: 1_000,
      maxDelayMs: 1_000,
    });
    const error = await harness.fail();
    expect(harness.fake.calls).toHaveLength(1);
    expect(error.code).toBe('vendor_unavailable');
    expect(harness.logs.find((line) => line.event === 'upstream_attempt_failed')).toMatchObject({
      stopReason: 'deadline',
      willRetry: false,
    });
  });
});

describe('upstream client: Retry-After', () => {
  it('waits the seconds a 429 asks for, then retries', async () => {
    const harness = createHarness((call) =>
      call.index === 0
        ? jsonResponse(429, { api_error_code: 'api_request_limit_exceeded' }, { 'retry-after': '2' })
        : ok,
    );
    const response = await harness.call();
    expect(response.attempts).toBe(2);
    expect(gaps(harness.fake)).toEqual([2_000]);
  });

  it('waits until an HTTP-date, then retries', async () => {
    const harness = createHarness((call) =>
      call.index === 0
        ? jsonResponse(503, {}, { 'retry-after': new Date(harness.time.now() + 3_000).toUTCString() })
        : ok,
    );
    await harness.call();
    expect(gaps(harness.fake)).toEqual([3_000]);
  });

  it('waits a Retry-After that just fits in the deadline', async () => {
    const harness = createHarness((call) =>
      call.index === 0 ? jsonResponse(429, {}, { 'retry-after': '7' }) : ok,
    );
    await harness.call();
    expect(gaps(harness.fake)).toEqual([7_000]);
  });

  it('fails at once when a 429 asks for more than the deadline allows, passing Retry-After on', async () => {
    const harness = createHarness(() =>
      jsonResponse(429, { api_error_code: 'api_request_limit_exceeded' }, { 'retry-after': '120' }),
    );
    const startedAt = harness.time.now();
    const error = await harness.fail();

    expect(harness.fake.calls).toHaveLength(1);
    expect(harness.time.now()).toBe(startedAt);
    expect(error).toMatchObject({
      code: 'vendor_rate_limited',
      status: 503,
      headers: { 'Retry-After': '120' },
      failure: {
        retryAfterSeconds: 120,
        vendorStatus: 429,
        vendorCode: 'api_request_limit_exceeded',
        attempts: 1,
      },
    });
    expect(harness.logs.find((line) => line.event === 'upstream_attempt_failed')).toMatchObject({
      stopReason: 'retry_after_exceeds_deadline',
      retryAfterMs: 120_000,
    });
  });

  it('fails at once on a 503 whose HTTP-date is beyond the deadline', async () => {
    const harness = createHarness(() =>
      jsonResponse(503, {}, { 'retry-after': new Date(harness.time.now() + 60_000).toUTCString() }),
    );
    const error = await harness.fail();
    expect(harness.fake.calls).toHaveLength(1);
    expect(error).toMatchObject({
      code: 'vendor_unavailable',
      headers: { 'Retry-After': '60' },
      failure: { retryAfterSeconds: 60 },
    });
  });

  it('falls back to backoff when a 429 has no Retry-After, and adds no Retry-After of its own', async () => {
    const harness = createHarness(() => jsonResponse(429, {}));
    const error = await harness.fail();
    expect(gaps(harness.fake)).toEqual([50, 100]);
    expect(error.headers).toEqual({});
    expect(error.failure.retryAfterSeconds).toBeUndefined();
  });

  it('ignores a Retry-After it cannot read', async () => {
    const harness = createHarness((call) =>
      call.index === 0 ? jsonResponse(503, {}, { 'retry-after': 'soon' }) : ok,
    );
    await harness.call();
    expect(gaps(harness.fake)).toEqual([50]);
  });
});

describe('upstream client: the caller gives up', () => {
  it('aborts the attempt in flight and rejects with the caller reason', async () => {
    const harness = createHarness((call) => hangUntilAborted(call));
    const controller = new AbortController();
    const reason = new Error('client went away');
    const pending = harness.start({ signal: controller.signal });
    const settled = pending.then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await harness.time.advance(1_000);
    controller.abort(reason);

    expect(await harness.time.run(settled)).toBe(reason);
    expect(harness.fake.calls).toHaveLength(1);
    expect(harness.fake.calls[0]?.signal.aborted).toBe(true);
    expect(harness.reports).toEqual([
      expect.objectContaining({ attempts: 1, errorCode: 'aborted', durationMs: 1_000 }),
    ]);
    expect(harness.time.pendingTimers()).toBe(0);
  });

  it('does not retry after an abort during backoff', async () => {
    const harness = createHarness(() => jsonResponse(503, {}, { 'retry-after': '5' }));
    const controller = new AbortController();
    const settled = harness.start({ signal: controller.signal }).catch((error: unknown) => error);
    await harness.time.advance(1_000);
    controller.abort(new Error('bye'));
    await harness.time.run(settled);
    expect(harness.fake.calls).toHaveLength(1);
  });

  it('sends nothing for an already-aborted signal', async () => {
    const harness = createHarness(() => ok);
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    await expect(harness.call({ signal: controller.signal })).rejects.toThrow('gone');
    expect(harness.fake.calls).toHaveLength(0);
    expect(harness.reports).toEqual([expect.objectContaining({ attempts: 0, errorCode: 'aborted' })]);
  });
});

describe('upstream client: observer', () => {
  it('is told once even when it throws, and its failure does not change the result', async () => {
    const harness = createHarness(() => ok);
    let told = 0;
    const response = await harness.call({
      observer: () => {
        told += 1;
        throw new Error('observer bug');
      },
    });
    expect(response.status).toBe(200);
    expect(told).toBe(1);
    expect(harness.logs.some((line) => line.event === 'upstream_observer_failed')).toBe(true);
  });
});

describe('upstream client: Accept header', () => {
  it('keeps an Accept the caller set, whatever its casing, instead of adding a second one', async () => {
    const harness = createHarness(() => ok);
    await harness.call({ headers: { Accept: 'application/vnd.api+json' } });
    expect(harness.fake.calls[0]?.headers).toEqual({ Accept: 'application/vnd.api+json' });
  });
});
