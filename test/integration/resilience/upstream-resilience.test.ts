import { Hono } from 'hono';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { UpstreamError } from '../../../adapters/kit/errors';
import type { Transport, UpstreamRequest, VendorErrorParser } from '../../../adapters/kit/upstream';
import { createSimulatorKit, type Fault } from '../../../adapters/simulator-kit';
import { createFetchTransport } from '../../../src/http/fetch-transport';
import { type Sleep, systemSleep } from '../../../src/http/timers';
import { createUndiciTransport, type UndiciTransport } from '../../../src/http/undici-transport';
import {
  createUpstreamClient,
  type ResilientUpstreamClient,
  type UpstreamClientOptions,
} from '../../../src/http/upstream-client';
import { type RunningServer, startHttpServer } from '../../support/http-server';
import { createVirtualTime } from '../../unit/http/virtual-time';

/**
 * The resilience rules over real sockets: a loopback HTTP server with the simulator kit injecting
 * faults, reached through the production Node transport (undici) and the Workers transport (fetch).
 * Every case ends in its documented outcome; the server's request log shows how many attempts were
 * really made.
 */

const kit = createSimulatorKit();
const app = new Hono();
app.use('*', kit.middleware);
// A simulated reset throws after destroying the socket; answer quietly instead of logging a stack.
app.onError((_error, c) => c.text('', 500));
app.get('/api/v2/items', (c) => c.json({ list: [{ item: { id: 'seats' } }], next_offset: null }));
app.post('/api/v2/items', (c) => c.json({ created: true }));

const parseError: VendorErrorParser = (_status, body) => {
  if (typeof body !== 'object' || body === null) return {};
  const code = (body as Record<string, unknown>)['api_error_code'];
  return typeof code === 'string' ? { code } : {};
};

const generous = { requestsPerMinute: 60_000, burst: 10_000, maxConcurrent: 100 };

/** Short timings so the whole suite runs in seconds; the rules are the same as with the defaults. */
const fastTimings: Partial<UpstreamClientOptions> = {
  attemptTimeoutMs: 500,
  deadlineMs: 3_000,
  baseDelayMs: 10,
  maxDelayMs: 50,
  failureThreshold: 1_000,
  limitsFor: () => generous,
};

/**
 * The production sleep, recording every wait the client asked for and whether it ran to its end
 * (attempt timeouts and the deadline are waits too, cut short when the call settles first).
 */
function recordingSleep(): { sleep: Sleep; waits: Array<{ ms: number; completed: boolean }> } {
  const waits: Array<{ ms: number; completed: boolean }> = [];
  return {
    waits,
    sleep: async (ms, signal) => {
      const wait = { ms, completed: false };
      waits.push(wait);
      await systemSleep(ms, signal);
      wait.completed = true;
    },
  };
}

let server: RunningServer;
let undici: UndiciTransport;

beforeAll(async () => {
  // The server side reports the faults it was told to simulate; keep every other error visible.
  const consoleError = console.error.bind(console);
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    if (args.some((arg) => String(arg).includes('simulated'))) return;
    consoleError(...args);
  });
  server = await startHttpServer(app);
  undici = createUndiciTransport({
    connectionsPerOrigin: 4,
    connectTimeoutMs: 1_000,
    headersTimeoutMs: 3_000,
    bodyTimeoutMs: 3_000,
  });
});

afterAll(async () => {
  vi.restoreAllMocks();
  await undici.close();
  await server.close();
});

beforeEach(() => kit.reset());

function request(overrides: Partial<UpstreamRequest> = {}): UpstreamRequest {
  return {
    vendor: 'chargebee',
    connectionKey: 'tenant-a:chargebee',
    operation: 'list_items',
    method: 'GET',
    url: `${server.url}/api/v2/items?limit=100`,
    headers: { authorization: 'Basic dGVzdF9rZXk6' },
    ...overrides,
  };
}

async function failure(
  client: ResilientUpstreamClient,
  overrides?: Partial<UpstreamRequest>,
): Promise<UpstreamError> {
  try {
    await client.requestJson(request(overrides), parseError);
  } catch (error) {
    if (error instanceof UpstreamError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

const transports: Array<[string, () => Transport]> = [
  ['undici', () => undici],
  ['fetch', () => createFetchTransport()],
];

describe.each(transports)('fault -> outcome over loopback (%s transport)', (_name, transport) => {
  let client: ResilientUpstreamClient;
  beforeEach(() => {
    client = createUpstreamClient({ transport: transport(), ...fastTimings });
  });

  const inject = (fault: Fault, times = 1) => kit.inject({ fault, path: '/api/v2/items', times });

  it('healthy: one request with the caller headers, body parsed', async () => {
    const response = await client.requestJson(request(), parseError);
    expect(response).toMatchObject({ status: 200, attempts: 1, body: { list: [{ item: { id: 'seats' } }] } });
    expect(kit.recorded).toHaveLength(1);
    expect(kit.recorded[0]).toMatchObject({
      method: 'GET',
      path: '/api/v2/items',
      query: { limit: ['100'] },
      headers: { authorization: 'Basic dGVzdF9rZXk6', accept: 'application/json' },
    });
  });

  it('timeout once (delay > attempt timeout): success on the retry', async () => {
    inject({ kind: 'delay', ms: 1_500 });
    const response = await client.requestJson(request(), parseError);
    expect(response.attempts).toBe(2);
    expect(kit.recorded).toHaveLength(2);
  });

  it('timeout always: vendor_timeout (504) after maxAttempts', async () => {
    inject({ kind: 'delay', ms: 1_500 }, Number.POSITIVE_INFINITY);
    const error = await failure(client);
    expect(error).toMatchObject({ code: 'vendor_timeout', status: 504, failure: { attempts: 3 } });
    expect(kit.recorded).toHaveLength(3);
  });

  it('connection reset once: success on the retry', async () => {
    inject({ kind: 'connection-reset' });
    expect((await client.requestJson(request(), parseError)).attempts).toBe(2);
    expect(kit.recorded).toHaveLength(2);
  });

  it('connection reset always: vendor_unavailable (503) with no vendor status', async () => {
    inject({ kind: 'connection-reset' }, Number.POSITIVE_INFINITY);
    const error = await failure(client);
    expect(error).toMatchObject({ code: 'vendor_unavailable', status: 503, failure: { attempts: 3 } });
    expect(error.failure.vendorStatus).toBeUndefined();
  });

  it('500 once: success on the retry', async () => {
    inject({ kind: 'status', status: 500, body: '<html>oops</html>' });
    expect((await client.requestJson(request(), parseError)).attempts).toBe(2);
  });

  it.each([502, 503])('%i always: vendor_unavailable (503) after maxAttempts', async (status) => {
    inject(
      { kind: 'status', status, body: '{"api_error_code":"internal_temporary_error"}' },
      Number.POSITIVE_INFINITY,
    );
    const error = await failure(client);
    expect(error).toMatchObject({
      code: 'vendor_unavailable',
      failure: { vendorStatus: status, vendorCode: 'internal_temporary_error', attempts: 3 },
    });
    expect(kit.recorded).toHaveLength(3);
  });

  it('429 with Retry-After: 1: waits a second, then succeeds', async () => {
    inject({
      kind: 'status',
      status: 429,
      body: '{"api_error_code":"api_request_limit_exceeded"}',
      headers: { 'retry-after': '1' },
    });
    const recorder = recordingSleep();
    const waiting = createUpstreamClient({ transport: transport(), ...fastTimings, sleep: recorder.sleep });
    const response = await waiting.requestJson(request(), parseError);
    expect(response.attempts).toBe(2);
    // The wait between the attempts was the vendor's second, not a backoff.
    expect(recorder.waits.filter((wait) => wait.completed).map((wait) => wait.ms)).toEqual([1_000]);
    const [first, second] = kit.recorded;
    expect((second?.startedAt ?? 0) - (first?.startedAt ?? 0)).toBeGreaterThanOrEqual(990);
  });

  it('429 with Retry-After beyond the deadline: vendor_rate_limited at once, Retry-After passed on', async () => {
    inject({
      kind: 'status',
      status: 429,
      body: '{"api_error_code":"api_request_limit_exceeded"}',
      headers: { 'retry-after': '30' },
    });
    const recorder = recordingSleep();
    const error = await failure(
      createUpstreamClient({ transport: transport(), ...fastTimings, sleep: recorder.sleep }),
    );
    // At once: no wait ran to its end (only the attempt timeout and the deadline were armed).
    expect(recorder.waits.filter((wait) => wait.completed)).toEqual([]);
    expect(kit.recorded).toHaveLength(1);
    expect(error).toMatchObject({
      code: 'vendor_rate_limited',
      status: 503,
      headers: { 'Retry-After': '30' },
      failure: { retryAfterSeconds: 30, vendorStatus: 429, vendorCode: 'api_request_limit_exceeded' },
    });
  });

  it('429 without Retry-After: backoff, then success', async () => {
    inject({ kind: 'status', status: 429, body: '{"api_error_code":"api_request_limit_exceeded"}' });
    expect((await client.requestJson(request(), parseError)).attempts).toBe(2);
  });

  it('malformed JSON once: success on the retry', async () => {
    inject({ kind: 'malformed-json' });
    expect((await client.requestJson(request(), parseError)).attempts).toBe(2);
  });

  it('malformed JSON always: vendor_bad_response (502) after exactly one retry', async () => {
    inject({ kind: 'malformed-json' }, Number.POSITIVE_INFINITY);
    const error = await failure(client);
    expect(error).toMatchObject({
      code: 'vendor_bad_response',
      status: 502,
      failure: { vendorStatus: 200, attempts: 2 },
    });
    expect(kit.recorded).toHaveLength(2);
  });

  it('truncated body once: success on the retry', async () => {
    inject({ kind: 'truncated-body' });
    expect((await client.requestJson(request(), parseError)).attempts).toBe(2);
    expect(kit.recorded).toHaveLength(2);
  });

  it('truncated body always: vendor_bad_response (502) after exactly one retry', async () => {
    inject({ kind: 'truncated-body' }, Number.POSITIVE_INFINITY);
    const error = await failure(client);
    expect(error).toMatchObject({ code: 'vendor_bad_response', failure: { vendorStatus: 200, attempts: 2 } });
    expect(kit.recorded).toHaveLength(2);
  });

  it('slow body within the attempt timeout: success on the first attempt', async () => {
    inject({ kind: 'slow-body', ms: 100 });
    expect((await client.requestJson(request(), parseError)).attempts).toBe(1);
  });

  it('slow body beyond the attempt timeout: the attempt is cut, the retry succeeds', async () => {
    inject({ kind: 'slow-body', ms: 1_500 });
    expect((await client.requestJson(request(), parseError)).attempts).toBe(2);
    expect(kit.recorded).toHaveLength(2);
  });

  it('404: vendor_request_rejected (502) with the vendor status and code, not retried', async () => {
    inject(
      { kind: 'status', status: 404, body: '{"api_error_code":"resource_not_found"}' },
      Number.POSITIVE_INFINITY,
    );
    const error = await failure(client);
    expect(error).toMatchObject({
      code: 'vendor_request_rejected',
      status: 502,
      failure: { vendorStatus: 404, vendorCode: 'resource_not_found', attempts: 1 },
    });
    expect(kit.recorded).toHaveLength(1);
  });

  it('401: vendor_auth_failed (502), not retried', async () => {
    inject({ kind: 'status', status: 401, body: '{"api_error_code":"api_authentication_failed"}' });
    expect(await failure(client)).toMatchObject({ code: 'vendor_auth_failed', status: 502 });
    expect(kit.recorded).toHaveLength(1);
  });

  it('POST is never retried', async () => {
    inject({ kind: 'status', status: 503 }, Number.POSITIVE_INFINITY);
    await failure(client, { method: 'POST', body: '{}' });
    expect(kit.recorded).toHaveLength(1);
    expect(kit.recorded[0]?.method).toBe('POST');
  });

  it('a run of failures opens the circuit, which then answers without calling the vendor', async () => {
    const breaking = createUpstreamClient({
      transport: transport(),
      ...fastTimings,
      maxAttempts: 1,
      failureThreshold: 2,
      openMs: 60_000,
    });
    inject({ kind: 'status', status: 503 }, Number.POSITIVE_INFINITY);
    await failure(breaking);
    await failure(breaking);
    expect(breaking.breakerState('tenant-a:chargebee')).toBe('open');
    const error = await failure(breaking);
    expect(error).toMatchObject({
      code: 'vendor_unavailable',
      headers: { 'Retry-After': '60' },
      failure: { attempts: 0 },
    });
    expect(kit.recorded).toHaveLength(2);
  });
});

describe('request budget over loopback', () => {
  it('a burst of 300 calls at 150/min with burst 150 never lets more than the budget reach the server', async () => {
    // Virtual time for the client, real sockets for the requests: time stands still while requests
    // are on the wire and moves (1 ms at a time) only when none is, so the budget alone decides who
    // is served, whatever the machine's load (a loopback round trip takes no virtual time).
    const time = createVirtualTime();
    const startedAt = time.now();
    const sentAt: number[] = [];
    let onTheWire = 0;
    const client = createUpstreamClient({
      transport: async (url, init) => {
        sentAt.push(time.now());
        onTheWire += 1;
        try {
          const response = await undici(url, init);
          return {
            status: response.status,
            headers: response.headers,
            text: () => response.text().finally(() => (onTheWire -= 1)),
          };
        } catch (error) {
          onTheWire -= 1;
          throw error;
        }
      },
      ...fastTimings,
      clock: time.clock,
      sleep: time.sleep,
      limitsFor: () => ({ requestsPerMinute: 150, burst: 150, maxConcurrent: 50 }),
    });
    let settled = false;
    const calls = Promise.allSettled(
      Array.from({ length: 300 }, () => client.requestJson(request(), parseError)),
    ).finally(() => {
      settled = true;
    });
    const quiet = async () => {
      // No request on the wire, and none about to leave: a finished response frees a concurrency
      // slot, and the next call sends through it within the same turn of the event loop.
      do {
        while (onTheWire > 0) await new Promise((resolve) => setTimeout(resolve, 1));
        await new Promise((resolve) => setImmediate(resolve));
        await new Promise((resolve) => setImmediate(resolve));
      } while (onTheWire > 0);
    };
    while (!settled) {
      await quiet();
      await time.advance(1);
    }
    const results = await calls;

    // The burst at once, then one token per 400 ms while a wait still fits the 3 s deadline (less
    // the 50 ms attempt window): 400, 800 … 2800 ms. Everything else is refused without a request.
    const served = kit.recorded.length;
    expect(sentAt).toHaveLength(served);
    expect(served).toBe(150 + 7);
    const offsets = sentAt.map((sent) => sent - startedAt).sort((a, b) => a - b);
    expect(offsets.slice(0, 150).every((offset) => offset === 0)).toBe(true);
    offsets.slice(150).forEach((offset, index) => {
      expect(offset).toBeGreaterThanOrEqual((index + 1) * 400);
      expect(offset).toBeLessThan((index + 2) * 400);
    });

    const fulfilled = results.filter((result) => result.status === 'fulfilled');
    const rejected = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
    expect(fulfilled).toHaveLength(served);
    expect(rejected).toHaveLength(300 - served);
    for (const error of rejected) {
      expect(error).toBeInstanceOf(UpstreamError);
      expect(error).toMatchObject({ code: 'vendor_rate_limited', status: 503, failure: { attempts: 0 } });
      expect(Number((error as UpstreamError).headers['Retry-After'])).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('concurrency cap over loopback', () => {
  it('keeps at most maxConcurrent requests in flight at the server', async () => {
    const client = createUpstreamClient({
      transport: undici,
      ...fastTimings,
      limitsFor: () => ({ requestsPerMinute: 60_000, burst: 1_000, maxConcurrent: 3 }),
    });
    kit.setLatency(50);
    const results = await Promise.all(
      Array.from({ length: 12 }, () => client.requestJson(request(), parseError)),
    );
    expect(results).toHaveLength(12);
    expect(kit.recorded).toHaveLength(12);
    expect(kit.inFlight.peak).toBe(3);
  });
});

describe('undici transport socket hygiene', () => {
  let single: UndiciTransport;
  beforeEach(() => {
    single = createUndiciTransport({ connectionsPerOrigin: 1 });
  });
  afterEach(async () => {
    await single.close();
  });

  it('releases the only socket of a timed-out attempt, so the retry is not stuck behind it', async () => {
    kit.inject({ fault: { kind: 'delay', ms: 3_000 }, path: '/api/v2/items' });
    const client = createUpstreamClient({ transport: single, ...fastTimings });
    const response = await client.requestJson(request(), parseError);
    // Had the socket stayed busy, the retry would have queued behind the 3 s answer and timed out
    // too (a third attempt, or vendor_timeout once the 3 s deadline passed).
    expect(response.attempts).toBe(2);
    expect(kit.recorded).toHaveLength(2);
  });

  it('releases the socket of a response whose body stalled', async () => {
    kit.inject({ fault: { kind: 'slow-body', ms: 3_000 }, path: '/api/v2/items' });
    const client = createUpstreamClient({ transport: single, ...fastTimings });
    expect((await client.requestJson(request(), parseError)).attempts).toBe(2);
    expect((await client.requestJson(request(), parseError)).attempts).toBe(1);
  });

  it('rejects text() cleanly when the body is cut mid-way', async () => {
    kit.inject({ fault: { kind: 'truncated-body' }, path: '/api/v2/items' });
    const response = await single(`${server.url}/api/v2/items`, {
      method: 'GET',
      headers: {},
      signal: AbortSignal.timeout(3_000),
    });
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
    // The pool recovers: the next request on the single socket slot goes through.
    const next = await single(`${server.url}/api/v2/items`, {
      method: 'GET',
      headers: {},
      signal: AbortSignal.timeout(2_000),
    });
    expect(JSON.parse(await next.text())).toMatchObject({ list: [{ item: { id: 'seats' } }] });
  });

  it('refuses a body larger than maxResponseBytes', async () => {
    const small = createUndiciTransport({ maxResponseBytes: 16 });
    try {
      const response = await small(`${server.url}/api/v2/items`, {
        method: 'GET',
        headers: {},
        signal: AbortSignal.timeout(2_000),
      }).then((answer) => answer.text());
      expect.unreachable(`expected a size error, got ${response}`);
    } catch (error) {
      expect(String(error)).toMatch(/size|max/i);
    } finally {
      await small.close();
    }
  });
});
