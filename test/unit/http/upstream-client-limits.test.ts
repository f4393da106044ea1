import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../../adapters/kit/errors';
import type { VendorId } from '../../../schemas/entitlement';
import { defaultLimitsFor } from '../../../src/http/connection-limits';
import { hangUntilAborted, jsonResponse, respondAfter } from './fake-transport';
import { createHarness } from './harness';

const ok = jsonResponse(200, { list: [] });

async function settleAll<T>(promises: Promise<T>[]): Promise<Array<PromiseSettledResult<T>>> {
  return Promise.allSettled(promises);
}

describe('upstream client: request budget (token bucket per connection)', () => {
  it('lets the burst through, then fails fast without calling the vendor when no token fits the deadline', async () => {
    const harness = createHarness(() => ok, {
      deadlineMs: 500,
      limitsFor: () => ({ requestsPerMinute: 60, burst: 2, maxConcurrent: 10 }),
    });
    const results = await harness.time.run(settleAll([harness.start(), harness.start(), harness.start()]));

    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect(harness.fake.calls).toHaveLength(2);
    const third = results[2];
    const error = third?.status === 'rejected' ? third.reason : undefined;
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({
      code: 'vendor_rate_limited',
      status: 503,
      headers: { 'Retry-After': '1' },
      failure: { attempts: 0, retryAfterSeconds: 1 },
    });
    expect((error as UpstreamError).message).toContain('budget');
    // The rejected call settles first: it never waited on the vendor.
    expect(harness.reports.map((report) => [report.attempts, report.errorCode])).toEqual([
      [0, 'vendor_rate_limited'],
      [1, undefined],
      [1, undefined],
    ]);
  });

  it('refills over time', async () => {
    const harness = createHarness(() => ok, {
      deadlineMs: 500,
      limitsFor: () => ({ requestsPerMinute: 60, burst: 1, maxConcurrent: 10 }),
    });
    await harness.call();
    await expect(harness.call()).rejects.toMatchObject({ code: 'vendor_rate_limited' });
    await harness.time.advance(1_000);
    await harness.call();
    expect(harness.fake.calls).toHaveLength(2);
  });

  it('waits for the next token when it fits in the deadline, spacing calls at the sustained rate', async () => {
    const harness = createHarness(() => ok, {
      limitsFor: () => ({ requestsPerMinute: 60, burst: 2, maxConcurrent: 10 }),
    });
    const startedAt = harness.time.now();
    await harness.time.run(Promise.all([1, 2, 3, 4, 5].map(() => harness.start())));
    expect(harness.fake.calls.map((call) => call.at - startedAt)).toEqual([0, 0, 1_000, 2_000, 3_000]);
  });

  it('charges retries to the budget, and keeps the vendor error when the budget stops a retry', async () => {
    const harness = createHarness(() => jsonResponse(503, {}), {
      deadlineMs: 500,
      limitsFor: () => ({ requestsPerMinute: 60, burst: 1, maxConcurrent: 10 }),
    });
    const error = await harness.fail();
    expect(harness.fake.calls).toHaveLength(1);
    expect(error).toMatchObject({ code: 'vendor_unavailable', failure: { vendorStatus: 503, attempts: 1 } });
  });

  it('gives a reserved token back when the caller gives up while waiting for it', async () => {
    const harness = createHarness(() => ok, {
      limitsFor: () => ({ requestsPerMinute: 60, burst: 1, maxConcurrent: 10 }),
    });
    await harness.call();
    const controller = new AbortController();
    const waiting = harness.start({ signal: controller.signal }).catch((error: unknown) => error);
    await harness.time.advance(500);
    controller.abort(new Error('gone'));
    await harness.time.run(waiting);
    // The abandoned reservation is refunded: the token that matures at t=1000 goes to the next caller.
    await harness.time.advance(500);
    const startedAt = harness.time.now();
    await harness.call();
    expect(harness.fake.calls.at(-1)?.at).toBe(startedAt);
    expect(harness.fake.calls).toHaveLength(2);
  });

  it('keeps a budget per connection', async () => {
    const harness = createHarness(() => ok, {
      deadlineMs: 500,
      limitsFor: () => ({ requestsPerMinute: 60, burst: 1, maxConcurrent: 10 }),
    });
    await harness.call({ connectionKey: 'tenant-a:chargebee' });
    await harness.call({ connectionKey: 'tenant-b:chargebee' });
    await expect(harness.call({ connectionKey: 'tenant-a:chargebee' })).rejects.toMatchObject({
      code: 'vendor_rate_limited',
    });
    expect(harness.fake.calls).toHaveLength(2);
  });

  it('asks limitsFor once per connection, with the connection key and vendor', async () => {
    const asked: string[] = [];
    const harness = createHarness(() => ok, {
      limitsFor: (connectionKey, vendor) => {
        asked.push(`${connectionKey}/${vendor}`);
        return { requestsPerMinute: 600, burst: 10, maxConcurrent: 2 };
      },
    });
    await harness.call();
    await harness.call();
    await harness.call({ vendor: 'zenskar', connectionKey: 'tenant-a:zenskar' });
    expect(asked).toEqual(['tenant-a:chargebee/chargebee', 'tenant-a:zenskar/zenskar']);
  });

  it('uses per-vendor defaults that stay within each vendor limit over a rolling minute', () => {
    const perMinute = (vendor: VendorId) => {
      const limits = defaultLimitsFor(`tenant-a:${vendor}`, vendor);
      return limits.requestsPerMinute + limits.burst;
    };
    expect(perMinute('chargebee')).toBe(150);
    expect(perMinute('zenskar')).toBe(600);
    expect(perMinute('paygentic')).toBe(600);
  });
});

describe('upstream client: concurrency cap per connection', () => {
  it('never has more than maxConcurrent requests in flight and serves the queue in order', async () => {
    const harness = createHarness((call) => respondAfter(harness.time, call, 100, ok), {
      limitsFor: () => ({ requestsPerMinute: 60_000, burst: 100, maxConcurrent: 2 }),
    });
    const startedAt = harness.time.now();
    const order: number[] = [];
    await harness.time.run(
      Promise.all([0, 1, 2, 3, 4].map((n) => harness.start().then(() => order.push(n)))),
    );
    expect(harness.fake.inFlight.peak).toBe(2);
    expect(harness.fake.calls.map((call) => call.at - startedAt)).toEqual([0, 0, 100, 100, 200]);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('counts time spent queueing against the deadline and never calls the vendor for a call that expired in the queue', async () => {
    const harness = createHarness((call) => hangUntilAborted(call), {
      deadlineMs: 2_000,
      attemptTimeoutMs: 3_000,
      maxAttempts: 1,
      limitsFor: () => ({ requestsPerMinute: 60_000, burst: 100, maxConcurrent: 1 }),
    });
    const startedAt = harness.time.now();
    const results = await harness.time.run(settleAll([harness.start(), harness.start()]));
    expect(harness.fake.calls).toHaveLength(1);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect(result.status === 'rejected' ? result.reason : undefined).toMatchObject({
        code: 'vendor_timeout',
      });
    }
    expect(results[1]?.status === 'rejected' ? results[1].reason : undefined).toMatchObject({
      failure: { attempts: 0 },
    });
    expect(harness.time.now() - startedAt).toBe(2_000);
  });

  it('frees the slot during backoff so other calls are not held up by a retrying one', async () => {
    const harness = createHarness(
      (call) =>
        call.index === 0
          ? jsonResponse(503, {}, { 'retry-after': '2' })
          : respondAfter(harness.time, call, 10, ok),
      { limitsFor: () => ({ requestsPerMinute: 60_000, burst: 100, maxConcurrent: 1 }) },
    );
    const startedAt = harness.time.now();
    const retrying = harness.start();
    await harness.time.advance(1);
    await harness.time.run(harness.start());
    // The second call ran while the first waited out its Retry-After.
    expect(harness.fake.calls[1]?.at).toBe(startedAt + 1);
    await harness.time.run(retrying);
    expect(harness.fake.calls[2]?.at).toBe(startedAt + 2_000);
  });
});
