import { describe, expect, it } from 'vitest';
import type { TransportResponse } from '../../../adapters/kit/upstream';
import type { FakeCall } from './fake-transport';
import { hangUntilAborted, jsonResponse, networkError, respondAfter, textResponse } from './fake-transport';
import { createHarness } from './harness';

const ok = jsonResponse(200, { list: [] });

/** A transport whose answer the test can change between calls. */
function switchable(initial: (call: FakeCall) => TransportResponse | Promise<TransportResponse>) {
  let current = initial;
  return {
    script: (call: FakeCall) => current(call),
    set(next: (call: FakeCall) => TransportResponse | Promise<TransportResponse>) {
      current = next;
    },
  };
}

describe('upstream client: circuit breaker', () => {
  it('opens after failureThreshold consecutive failures and then answers without calling the vendor', async () => {
    const harness = createHarness(() => jsonResponse(503, {}), { maxAttempts: 1, failureThreshold: 3 });
    await harness.fail();
    await harness.fail();
    expect(harness.client.breakerState('tenant-a:chargebee')).toBe('closed');
    await harness.fail();
    expect(harness.client.breakerState('tenant-a:chargebee')).toBe('open');

    const error = await harness.fail();
    expect(harness.fake.calls).toHaveLength(3);
    expect(error).toMatchObject({
      code: 'vendor_unavailable',
      status: 503,
      headers: { 'Retry-After': '30' },
      failure: { attempts: 0, retryAfterSeconds: 30 },
    });
    expect(harness.reports.at(-1)).toMatchObject({ attempts: 0, errorCode: 'vendor_unavailable' });
    expect(harness.logs.filter((line) => line.event === 'upstream_circuit_opened')).toHaveLength(1);

    await harness.time.advance(10_000);
    expect((await harness.fail()).headers).toEqual({ 'Retry-After': '20' });
    expect(harness.fake.calls).toHaveLength(3);
  });

  it('goes half-open after openMs, and a successful probe closes it', async () => {
    const vendor = switchable(() => jsonResponse(502, {}));
    const harness = createHarness(vendor.script, { maxAttempts: 1, failureThreshold: 2, openMs: 5_000 });
    await harness.fail();
    await harness.fail();
    expect(harness.client.breakerState('tenant-a:chargebee')).toBe('open');

    await harness.time.advance(5_000);
    expect(harness.client.breakerState('tenant-a:chargebee')).toBe('half-open');
    vendor.set(() => ok);
    await harness.call();
    expect(harness.client.breakerState('tenant-a:chargebee')).toBe('closed');
    await harness.call();
    expect(harness.fake.calls).toHaveLength(4);
    expect(harness.logs.some((line) => line.event === 'upstream_circuit_closed')).toBe(true);
  });

  it('re-opens for another openMs when the half-open probe fails', async () => {
    const harness = createHarness(() => jsonResponse(503, {}), {
      maxAttempts: 1,
      failureThreshold: 2,
      openMs: 5_000,
    });
    await harness.fail();
    await harness.fail();
    await harness.time.advance(5_000);
    await harness.fail();
    expect(harness.fake.calls).toHaveLength(3);
    expect(harness.client.breakerState('tenant-a:chargebee')).toBe('open');
    expect((await harness.fail()).headers).toEqual({ 'Retry-After': '5' });
    expect(harness.fake.calls).toHaveLength(3);
  });

  it('lets exactly one probe through while half-open; the others fail fast', async () => {
    const vendor = switchable(() => jsonResponse(503, {}));
    const harness = createHarness(vendor.script, { maxAttempts: 1, failureThreshold: 1, openMs: 1_000 });
    await harness.fail();
    await harness.time.advance(1_000);
    vendor.set((call) => respondAfter(harness.time, call, 200, ok));

    const probe = harness.start();
    const other = harness.start().catch((error: unknown) => error);
    expect(await harness.time.run(other)).toMatchObject({
      code: 'vendor_unavailable',
      headers: { 'Retry-After': '1' },
    });
    await harness.time.run(probe);
    expect(harness.fake.calls).toHaveLength(2);
    expect(harness.client.breakerState('tenant-a:chargebee')).toBe('closed');
  });

  it('frees the probe when the caller abandons it, so the next call can probe', async () => {
    const vendor = switchable(() => jsonResponse(503, {}));
    const harness = createHarness(vendor.script, { maxAttempts: 1, failureThreshold: 1, openMs: 1_000 });
    await harness.fail();
    await harness.time.advance(1_000);
    vendor.set((call) => (call.index === 1 ? hangUntilAborted(call) : ok));

    const controller = new AbortController();
    const abandoned = harness.start({ signal: controller.signal }).catch((error: unknown) => error);
    await harness.time.advance(10);
    controller.abort(new Error('gone'));
    await harness.time.run(abandoned);
    expect(harness.client.breakerState('tenant-a:chargebee')).toBe('half-open');
    await harness.call();
    expect(harness.client.breakerState('tenant-a:chargebee')).toBe('closed');
  });

  it.each([
    ['network errors', () => Promise.reject(networkError())],
    ['429s', () => jsonResponse(429, {})],
    ['500s', () => jsonResponse(500, {})],
  ])('counts %s', async (_label, script) => {
    const harness = createHarness(script, { maxAttempts: 1, failureThreshold: 2 });
    await harness.fail();
    await harness.fail();
    expect(harness.client.breakerState('tenant-a:chargebee')).toBe('open');
  });

  it('counts timeouts', async () => {
    const harness = createHarness((call) => hangUntilAborted(call), { maxAttempts: 1, failureThreshold: 2 });
    await harness.fail();
    await harness.fail();
    expect(harness.client.breakerState('tenant-a:chargebee')).toBe('open');
  });

  it('counts every attempt, and stops a call whose own retries opened the circuit (keeping the vendor error)', async () => {
    const harness = createHarness(() => jsonResponse(503, {}), { maxAttempts: 3, failureThreshold: 2 });
    const error = await harness.fail();
    expect(harness.fake.calls).toHaveLength(2);
    expect(error).toMatchObject({ code: 'vendor_unavailable', failure: { vendorStatus: 503, attempts: 2 } });
    expect(harness.client.breakerState('tenant-a:chargebee')).toBe('open');
  });

  it('does not count 4xx answers, which also break a run of failures', async () => {
    const harness = createHarness(
      (call) =>
        call.index % 2 === 0
          ? jsonResponse(503, {})
          : jsonResponse(404, { api_error_code: 'resource_not_found' }),
      { maxAttempts: 1, failureThreshold: 2 },
    );
    for (let n = 0; n < 6; n += 1) await harness.fail();
    expect(harness.fake.calls).toHaveLength(6);
    expect(harness.client.breakerState('tenant-a:chargebee')).toBe('closed');
  });

  it('does not count malformed 2xx JSON', async () => {
    const harness = createHarness(() => textResponse(200, 'not json'), {
      maxAttempts: 1,
      failureThreshold: 2,
    });
    for (let n = 0; n < 4; n += 1) await harness.fail();
    expect(harness.client.breakerState('tenant-a:chargebee')).toBe('closed');
  });

  it('does not count an abort by the caller', async () => {
    const harness = createHarness((call) => hangUntilAborted(call), { maxAttempts: 1, failureThreshold: 1 });
    const controller = new AbortController();
    const settled = harness.start({ signal: controller.signal }).catch((error: unknown) => error);
    await harness.time.advance(10);
    controller.abort(new Error('gone'));
    await harness.time.run(settled);
    expect(harness.client.breakerState('tenant-a:chargebee')).toBe('closed');
  });

  it('keeps one circuit per connection', async () => {
    const harness = createHarness((call) => (call.url.includes('zenskar') ? ok : jsonResponse(503, {})), {
      maxAttempts: 1,
      failureThreshold: 1,
    });
    await harness.fail();
    expect(harness.client.breakerState('tenant-a:chargebee')).toBe('open');
    await harness.call({
      vendor: 'zenskar',
      connectionKey: 'tenant-a:zenskar',
      url: 'https://api.zenskar.com/x',
    });
    expect(harness.client.breakerState('tenant-a:zenskar')).toBe('closed');
    expect(harness.client.breakerState('never-used')).toBe('closed');
  });
});
