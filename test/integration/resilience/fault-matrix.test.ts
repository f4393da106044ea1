import { afterAll, beforeAll, describe, type ExpectStatic, it } from 'vitest';
import type { Fault } from '../../../adapters/simulator-kit';
import { EntitlementListSchema } from '../../../schemas/page';
import { ProblemSchema } from '../../../schemas/problem';
import type { ErrorCode } from '../../../src/errors/codes';
import {
  callGateway,
  decisions,
  type GatewayReply,
  HOLD_MS,
  LIST_ROUTE,
  listPath,
  MAX_ATTEMPTS,
  OutputAudit,
  parsedLogs,
  type ResilienceStack,
  requestLogLine,
  rowsRequests,
  STALE_AFTER_MS,
  serverTiming,
  silenceSimulatedFaults,
  startResilienceStack,
  VENDOR_BODY_MARKER,
  type VendorTarget,
  vendorRequests,
  vendorTargets,
} from '../../support/resilience-stack';

/**
 * Every vendor × every fault, through the gateway's HTTP routes, against the vendor simulators on
 * loopback HTTP (real adapters, undici, the resilient upstream client, the tiered cache). Each fault
 * is played in three situations, each on a fresh gateway (so one case's breaker never decides
 * another's):
 *
 * - `once`: the vendor fails one request, then recovers. A transient fault is retried and the caller
 *   gets a normal 200; a fault the gateway will not wait out answers with its problem.
 * - `outage, cold cache`: the vendor keeps failing and nothing is cached: a 502/503/504 problem that
 *   names the vendor (never a 500, never the vendor's own body).
 * - `outage, stale entry`: the vendor keeps failing after the entry went stale: callers get the stale
 *   data, flagged in `Cache-Status` (stale-while-revalidate for a plain read, stale-if-error for a
 *   `Cache-Control: no-cache` read that waited for the failed reload).
 *
 * Every case also checks the per-request log line and `Server-Timing`, that `/healthz` and `/readyz`
 * still answer 200, and feeds the audit the last test scans for secrets.
 */

interface ExpectedProblem {
  status: 502 | 503 | 504;
  code: ErrorCode;
  /** The `Retry-After` the caller is given: none, or a range of whole seconds. */
  retryAfter: null | { min: number; max: number };
}

interface FaultCase {
  name: string;
  fault(target: VendorTarget, now: number): Fault;
  /** How the gateway classifies the failed attempt (`failure` of its `upstream_attempt_failed` log line). */
  failure: 'timeout' | 'network' | 'status' | 'malformed_body' | 'truncated_body';
  /** Whether one such failure is retried within the deadline (so a one-off fault ends in a 200). */
  retried: boolean;
  /** More of what the failed attempt's log line must say (the wait chosen, why it stopped). */
  attemptLog?: Record<string, unknown>;
  /** What the caller gets while the fault persists and nothing is cached. */
  problem: ExpectedProblem;
}

const RETRY_AFTER_DATE_AHEAD_MS = 120_000;

const unavailable: ExpectedProblem = { status: 503, code: 'vendor_unavailable', retryAfter: null };
const timedOut: ExpectedProblem = { status: 504, code: 'vendor_timeout', retryAfter: null };
const badResponse: ExpectedProblem = { status: 502, code: 'vendor_bad_response', retryAfter: null };

const faultCases: readonly FaultCase[] = [
  {
    name: 'timeout (no answer within the attempt timeout)',
    failure: 'timeout',
    fault: () => ({ kind: 'delay', ms: HOLD_MS }),
    retried: true,
    problem: timedOut,
  },
  {
    name: 'connection reset',
    failure: 'network',
    fault: () => ({ kind: 'connection-reset' }),
    retried: true,
    problem: unavailable,
  },
  {
    name: 'HTTP 500',
    failure: 'status',
    fault: (target) => ({ kind: 'status', status: 500, body: target.errorBody(500) }),
    retried: true,
    problem: unavailable,
  },
  {
    name: 'HTTP 502',
    failure: 'status',
    fault: (target) => ({ kind: 'status', status: 502, body: target.errorBody(502) }),
    retried: true,
    problem: unavailable,
  },
  {
    name: 'HTTP 503',
    failure: 'status',
    fault: (target) => ({ kind: 'status', status: 503, body: target.errorBody(503) }),
    retried: true,
    problem: unavailable,
  },
  {
    name: 'HTTP 429 with Retry-After: 1 (seconds, within the deadline)',
    failure: 'status',
    fault: (target) => ({
      kind: 'status',
      status: 429,
      body: target.errorBody(429),
      headers: { 'retry-after': '1' },
    }),
    retried: true,
    // The vendor's wait is honoured instead of the (shorter) jittered backoff.
    attemptLog: { retryAfterMs: 1_000, nextDelayMs: 1_000 },
    problem: { status: 503, code: 'vendor_rate_limited', retryAfter: { min: 1, max: 1 } },
  },
  {
    name: 'HTTP 429 with Retry-After as an HTTP-date beyond the deadline',
    failure: 'status',
    fault: (target, now) => ({
      kind: 'status',
      status: 429,
      body: target.errorBody(429),
      headers: { 'retry-after': new Date(now + RETRY_AFTER_DATE_AHEAD_MS).toUTCString() },
    }),
    // Waiting two minutes inside a 3 s deadline is impossible: the vendor's wait is passed on instead.
    retried: false,
    attemptLog: { stopReason: 'retry_after_exceeds_deadline' },
    problem: {
      status: 503,
      code: 'vendor_rate_limited',
      retryAfter: { min: RETRY_AFTER_DATE_AHEAD_MS / 1000 - 10, max: RETRY_AFTER_DATE_AHEAD_MS / 1000 },
    },
  },
  {
    name: 'HTTP 429 without Retry-After',
    failure: 'status',
    fault: (target) => ({ kind: 'status', status: 429, body: target.errorBody(429) }),
    retried: true,
    problem: { status: 503, code: 'vendor_rate_limited', retryAfter: null },
  },
  {
    name: 'malformed JSON (200)',
    failure: 'malformed_body',
    fault: () => ({ kind: 'malformed-json' }),
    retried: true,
    problem: badResponse,
  },
  {
    name: 'truncated body (200, connection dropped mid-body)',
    failure: 'truncated_body',
    fault: () => ({ kind: 'truncated-body' }),
    retried: true,
    problem: badResponse,
  },
  {
    name: 'slow body (headers at once, body after the attempt timeout)',
    failure: 'timeout',
    fault: () => ({ kind: 'slow-body', ms: HOLD_MS }),
    retried: true,
    problem: timedOut,
  },
];

const situations = ['once', 'outage, cold cache', 'outage, stale entry'] as const;
type Situation = (typeof situations)[number];

const audit = new OutputAudit();
/** What a healthy gateway answers for each target's page: the data every recovered answer must match. */
const healthyDecisions = new Map<string, Array<[string, boolean]>>();
let casesRun = 0;
let restoreConsole: () => void = () => undefined;

beforeAll(async () => {
  restoreConsole = silenceSimulatedFaults();
  const stack = await startResilienceStack(audit);
  try {
    for (const target of vendorTargets) {
      const reply = await callGateway(
        stack,
        audit,
        'healthy reference',
        listPath(target.vendor, target.customerId),
      );
      const page = EntitlementListSchema.parse(reply.body);
      // A full page with a signed cursor: comparisons below are not vacuous, and the cursor secret is in play.
      if (page.data.length < 2 || page.nextCursor === null)
        throw new Error(`the ${target.vendor} reference customer needs more than one page at limit=2`);
      healthyDecisions.set(target.vendor, decisions(page));
    }
  } finally {
    await stack.close();
  }
});

afterAll(() => restoreConsole());

/** The checks every gateway answer in the matrix gets: its log line and `Server-Timing`. */
function expectObserved(
  expect: ExpectStatic,
  logs: readonly string[],
  reply: GatewayReply,
  target: VendorTarget,
  expected: { cache: string | undefined; attempts: { min: number; max: number } | undefined },
) {
  expect(reply.status).not.toBe(500);
  const line = requestLogLine(logs, reply.requestId);
  expect(line).toMatchObject({
    method: 'GET',
    route: LIST_ROUTE,
    status: reply.status,
    tenant: 'default',
    vendor: target.vendor,
  });
  const timing = serverTiming(reply.headers);
  expect(timing['total']).toMatch(/^dur=\d+(\.\d+)?$/);
  // The log line is written after the response is built, on the same request clock: its duration
  // covers the one Server-Timing reported (0.1 ms for the two roundings).
  const totalTimed = Number(timing['total']?.slice('dur='.length));
  expect(line.durationMs).toBeGreaterThanOrEqual(totalTimed - 0.1);
  if (expected.cache !== undefined) {
    expect(line.cache).toBe(expected.cache);
    expect(timing['cache']).toBe(`desc="${expected.cache}"`);
  }
  if (expected.attempts !== undefined) {
    expect(line.upstream?.attempts).toBeGreaterThanOrEqual(expected.attempts.min);
    expect(line.upstream?.attempts).toBeLessThanOrEqual(expected.attempts.max);
    expect(timing['upstream']).toMatch(/^dur=\d+(\.\d+)?;desc="\d+ calls"$/);
  }
}

function expectProblem(
  expect: ExpectStatic,
  reply: GatewayReply,
  target: VendorTarget,
  problem: ExpectedProblem,
) {
  expect(reply.status).toBe(problem.status);
  expect(reply.headers.get('content-type')).toBe('application/problem+json');
  const body = ProblemSchema.parse(reply.body);
  expect(body).toMatchObject({ status: problem.status, code: problem.code, vendor: target.vendor });
  expect(body.detail).toContain(target.vendor);
  expect(body.requestId).toBe(reply.requestId);
  // The vendor's words are for the logs only.
  expect(reply.text).not.toContain(VENDOR_BODY_MARKER);
  const retryAfter = reply.headers.get('retry-after');
  if (problem.retryAfter === null) {
    expect(retryAfter).toBeNull();
  } else {
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(problem.retryAfter.min);
    expect(Number(retryAfter)).toBeLessThanOrEqual(problem.retryAfter.max);
  }
}

/**
 * The attempts a cold load's log line may report: at least every request on the rows path, at most
 * every request the vendor saw. They differ only for Chargebee, whose feature-catalogue crawl runs
 * alongside the rows; when the rows fail fast the answer (and its log line) can go out while the
 * catalogue pages are still in flight, and those finish (and are cached) after the line was written.
 */
function attemptsOfColdLoad(stack: ResilienceStack, target: VendorTarget) {
  return { min: rowsRequests(stack, target), max: vendorRequests(stack, target.vendor) };
}

async function runCase(
  expect: ExpectStatic,
  target: VendorTarget,
  faultCase: FaultCase,
  situation: Situation,
) {
  // Virtual time: the attempt timeout, deadline and backoff pass only while the vendor holds a request.
  const stack = await startResilienceStack(audit);
  const clock = stack.clock;
  const label = `${target.vendor} × ${faultCase.name} × ${situation}`;
  const path = listPath(target.vendor, target.customerId);
  const kit = stack.simulators[target.vendor].kit;
  const attemptsPerCall = faultCase.retried ? MAX_ATTEMPTS : 1;
  try {
    if (situation === 'once') {
      kit.inject({ fault: faultCase.fault(target, clock.now()), path: target.rowsPath, times: 1 });
      const reply = await callGateway(stack, audit, label, path);
      if (faultCase.retried) {
        expect(reply.status).toBe(200);
        expect(decisions(EntitlementListSchema.parse(reply.body))).toEqual(
          healthyDecisions.get(target.vendor),
        );
        expect(reply.headers.get('cache-status')).toMatch(/; fwd=miss; stored/);
        // The faulty answer and the retry that succeeded.
        expect(rowsRequests(stack, target)).toBe(2);
      } else {
        expectProblem(expect, reply, target, faultCase.problem);
        expect(rowsRequests(stack, target)).toBe(1);
      }
      const attemptLines = parsedLogs(stack.logs).filter(
        (line) => line['event'] === 'upstream_attempt_failed',
      );
      expect(attemptLines).toHaveLength(1);
      expect(attemptLines[0]).toMatchObject({
        vendor: target.vendor,
        attempt: 1,
        failure: faultCase.failure,
        willRetry: faultCase.retried,
        ...faultCase.attemptLog,
      });
      expectObserved(expect, stack.logs, reply, target, {
        cache: faultCase.retried ? 'miss' : undefined,
        attempts: attemptsOfColdLoad(stack, target),
      });
    }

    if (situation === 'outage, cold cache') {
      kit.inject({ fault: faultCase.fault(target, clock.now()), path: target.rowsPath, times: Infinity });
      const reply = await callGateway(stack, audit, label, path);
      expectProblem(expect, reply, target, faultCase.problem);
      expect(rowsRequests(stack, target)).toBe(attemptsPerCall);
      expectObserved(expect, stack.logs, reply, target, {
        cache: undefined,
        attempts: attemptsOfColdLoad(stack, target),
      });
      // The vendor's body (when it sent one) reached the logs, with the credentials it echoed redacted.
      if (faultCase.fault(target, clock.now()).kind === 'status') {
        const attemptLines = parsedLogs(stack.logs).filter(
          (line) => line['event'] === 'upstream_attempt_failed',
        );
        expect(attemptLines).toHaveLength(attemptsPerCall);
        for (const line of attemptLines) {
          expect(line['body']).toContain(VENDOR_BODY_MARKER);
          expect(line['body']).toContain('[redacted]');
        }
      }
    }

    if (situation === 'outage, stale entry') {
      const first = await callGateway(stack, audit, `${label} (initial load)`, path);
      expect(first.status).toBe(200);
      clock.advance(STALE_AFTER_MS);
      kit.inject({ fault: faultCase.fault(target, clock.now()), path: target.rowsPath, times: Infinity });

      // A plain read does not wait for the vendor: the stale entry answers, a background reload tries.
      const stale = await callGateway(stack, audit, `${label} (plain read)`, path);
      expect(stale.status).toBe(200);
      expect(decisions(stale.body)).toEqual(decisions(first.body));
      expect(stale.headers.get('cache-status')).toMatch(/; hit; ttl=-\d+; detail=stale-while-revalidate$/);
      expect(Number(stale.headers.get('age'))).toBeGreaterThanOrEqual(STALE_AFTER_MS / 1000);
      expectObserved(expect, stack.logs, stale, target, { cache: 'stale', attempts: undefined });
      await stack.background.drain();
      expect(rowsRequests(stack, target)).toBe(1 + attemptsPerCall);
      expect(parsedLogs(stack.logs).some((line) => line['event'] === 'cache_background_refresh_failed')).toBe(
        true,
      );

      // A read that insists on fresh data waits for the reload, which fails: the stale entry, flagged.
      const before = vendorRequests(stack, target.vendor);
      const forced = await callGateway(stack, audit, `${label} (no-cache read)`, path, {
        'cache-control': 'no-cache',
      });
      expect(forced.status).toBe(200);
      expect(decisions(forced.body)).toEqual(decisions(first.body));
      expect(forced.headers.get('cache-status')).toMatch(/; fwd=stale; ttl=-\d+; detail=stale-if-error$/);
      expect(rowsRequests(stack, target)).toBe(1 + 2 * attemptsPerCall);
      const reloadAttempts = vendorRequests(stack, target.vendor) - before;
      expectObserved(expect, stack.logs, forced, target, {
        cache: 'stale-if-error',
        attempts: { min: reloadAttempts, max: reloadAttempts },
      });
    }

    const health = await callGateway(stack, audit, `${label} (healthz)`, '/healthz');
    expect(health.status).toBe(200);
    const readiness = await callGateway(stack, audit, `${label} (readyz)`, '/readyz');
    expect(readiness.status).toBe(200);
    const unexpected = parsedLogs(stack.logs).filter(
      (line) => line['event'] === 'unhandled_error' || line['event'] === 'batch_item_failed',
    );
    expect(unexpected).toEqual([]);
    casesRun += 1;
  } finally {
    await stack.close();
  }
}

// The cases are independent (one gateway and every vendor's simulator each) and mostly wait on timers.
describe.concurrent('fault matrix', () => {
  for (const target of vendorTargets) {
    describe(target.vendor, () => {
      for (const faultCase of faultCases) {
        for (const situation of situations) {
          it(`${faultCase.name} × ${situation}`, async ({ expect }) => {
            await runCase(expect, target, faultCase, situation);
          });
        }
      }
    });
  }
});

describe('over the whole matrix', () => {
  const matrixSize = vendorTargets.length * faultCases.length * situations.length;

  it('every case completed (so the checks below cover all of them)', ({ expect }) => {
    expect(casesRun).toBe(matrixSize);
  });

  it('no caller ever got a 500', ({ expect }) => {
    expect(audit.exchanges.length).toBeGreaterThan(matrixSize);
    expect(
      audit.exchanges.filter((exchange) => exchange.status === 500).map((exchange) => exchange.label),
    ).toEqual([]);
  });

  it('no API key or secret appears in any log line, response header or response body', ({ expect }) => {
    // The simulated vendors echoed credentials in their error bodies: they reached the logs, redacted.
    expect(audit.logLines.filter((line) => line.includes('[redacted]')).length).toBeGreaterThan(0);
    expect(audit.leaks()).toEqual([]);
  });
});
