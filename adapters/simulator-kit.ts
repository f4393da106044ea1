import type { Context, MiddlewareHandler } from 'hono';

/**
 * Shared plumbing of the vendor simulators: request recording (tests assert the outgoing vendor
 * requests), in-flight tracking (tests assert concurrency), artificial latency and fault injection
 * (the resilience suite). Vendor behaviour itself lives in each vendor's simulator.
 */

/** One request as the simulator received it. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** Every query parameter with all its values, in arrival order. */
  query: Record<string, string[]>;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  startedAt: number;
  endedAt: number | null;
  /** Refused by the simulated rate limit (answered 429 without reaching the vendor logic). */
  rateLimited: boolean;
}

/**
 * A vendor's request limit: at most `limit` requests per sliding `windowMs` are answered; the rest get
 * `status` (429) with `body` and a `Retry-After` (whole seconds until the window has room again).
 * Refused requests do not count against the window (only answered ones do), as a vendor's quota.
 */
export interface RateLimitRule {
  limit: number;
  windowMs: number;
  /** Default 429. */
  status?: number;
  /** Default a generic JSON error; vendors pass their own (Chargebee: `api_request_limit_exceeded`). */
  body?: string;
  /** Send `Retry-After` (default true; Chargebee does not guarantee it). */
  retryAfter?: boolean;
}

/** A misbehaviour to serve instead of (or before) the normal answer. */
export type Fault =
  /** Answer with this status and body (text as given, so it may be non-JSON). */
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  /** Wait before answering normally (longer than the gateway's deadline = a timeout). */
  | { kind: 'delay'; ms: number }
  /** A 200 whose body is not JSON. */
  | { kind: 'malformed-json' }
  /** A 200 that starts a JSON body and then drops the connection. */
  | { kind: 'truncated-body' }
  /** Drop the connection before any response. */
  | { kind: 'connection-reset' }
  /** Send headers at once, then the body only after `ms`. */
  | { kind: 'slow-body'; ms: number };

/** Which requests a fault applies to, and how many times. */
export interface FaultRule {
  fault: Fault;
  /** Applies to paths starting with this string or matching this pattern; all paths when absent. */
  path?: string | RegExp;
  /** How many matching requests get the fault; Infinity for all. Default 1. */
  times?: number;
}

/**
 * How the kit waits while it holds a request (latency, the `delay` and `slow-body` faults). Real
 * timers by default; a test on virtual time passes its own, and learns which request is held.
 */
export type HoldRequest = (ms: number, request: RecordedRequest) => Promise<void>;

export interface SimulatorKit {
  readonly recorded: RecordedRequest[];
  /** Requests being served right now, and the most ever served at once. */
  readonly inFlight: { current: number; peak: number };
  inject(rule: FaultRule): void;
  /** Adds latency to every normal answer (lets tests observe concurrency). */
  setLatency(ms: number): void;
  /** Enforces a request limit per sliding window (null removes it). */
  setRateLimit(rule: RateLimitRule | null): void;
  /** Replaces the real-timer waits of latency and the holding faults (kept across `reset`). */
  holdWith(hold: HoldRequest): void;
  /** Forgets recorded requests, faults, latency, the rate limit and the in-flight peak. */
  reset(): void;
  middleware: MiddlewareHandler;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function matches(rule: FaultRule, path: string): boolean {
  if (rule.path === undefined) return true;
  return typeof rule.path === 'string' ? path.startsWith(rule.path) : rule.path.test(path);
}

/** Destroys the underlying socket when served by @hono/node-server; in process, fails like a network error. */
function dropConnection(c: Context): never {
  const incoming = (c.env as { incoming?: { socket?: { destroy(): void } } } | undefined)?.incoming;
  incoming?.socket?.destroy();
  throw new TypeError('simulated connection reset');
}

function streamThenFail(prefix: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(prefix);
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes);
      setTimeout(() => controller.error(new Error('simulated truncation')), 5);
    },
  });
}

function slowStream(body: string, wait: () => Promise<void>): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(body);
  return new ReadableStream({
    async start(controller) {
      await wait();
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

export function createSimulatorKit(): SimulatorKit {
  const recorded: RecordedRequest[] = [];
  const inFlight = { current: 0, peak: 0 };
  let rules: Array<FaultRule & { remaining: number }> = [];
  let latencyMs = 0;
  let rateLimit: RateLimitRule | null = null;
  /** Arrival times of the answered requests inside the current window (oldest first). */
  let admitted: number[] = [];

  /** Whether a request arriving at `now` fits the limit; records it when it does. */
  const admit = (now: number): { ok: true } | { ok: false; retryAfterMs: number } => {
    if (rateLimit === null) return { ok: true };
    const windowStart = now - rateLimit.windowMs;
    admitted = admitted.filter((time) => time > windowStart);
    if (admitted.length < rateLimit.limit) {
      admitted.push(now);
      return { ok: true };
    }
    return { ok: false, retryAfterMs: (admitted[0] ?? now) + rateLimit.windowMs - now };
  };
  let hold: HoldRequest = async (ms) => {
    await sleep(ms);
  };

  const middleware: MiddlewareHandler = async (c, next) => {
    const url = new URL(c.req.url);
    const query: Record<string, string[]> = {};
    for (const [key, value] of url.searchParams) {
      const values = query[key] ?? [];
      values.push(value);
      query[key] = values;
    }
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const record: RecordedRequest = {
      method: c.req.method,
      path: url.pathname,
      query,
      headers,
      startedAt: Date.now(),
      endedAt: null,
      rateLimited: false,
    };
    recorded.push(record);
    const admission = admit(record.startedAt);
    if (!admission.ok && rateLimit !== null) {
      record.rateLimited = true;
      record.endedAt = Date.now();
      return new Response(rateLimit.body ?? '{"error":"rate_limited"}', {
        status: rateLimit.status ?? 429,
        headers: {
          'content-type': 'application/json',
          ...(rateLimit.retryAfter === false
            ? {}
            : { 'retry-after': String(Math.max(1, Math.ceil(admission.retryAfterMs / 1000))) }),
        },
      });
    }
    inFlight.current += 1;
    inFlight.peak = Math.max(inFlight.peak, inFlight.current);
    try {
      const rule = rules.find((candidate) => candidate.remaining > 0 && matches(candidate, url.pathname));
      if (rule) rule.remaining -= 1;
      const fault = rule?.fault;
      if (fault?.kind === 'connection-reset') dropConnection(c);
      if (fault?.kind === 'status') {
        return new Response(fault.body ?? '', {
          status: fault.status,
          headers: { 'content-type': 'application/json', ...fault.headers },
        });
      }
      if (fault?.kind === 'malformed-json') {
        return new Response('{"list": [ {"oops"', {
          status: 200,
          headers: { 'content-type': 'application/json' },
        });
      }
      if (fault?.kind === 'truncated-body') {
        return new Response(streamThenFail('{"list":[{"partial":'), {
          status: 200,
          headers: { 'content-type': 'application/json' },
        });
      }
      if (fault?.kind === 'delay') await hold(fault.ms, record);
      if (latencyMs > 0) await hold(latencyMs, record);
      await next();
      if (fault?.kind === 'slow-body') {
        const body = await c.res.text();
        c.res = new Response(
          slowStream(body, () => hold(fault.ms, record)),
          { status: c.res.status, headers: c.res.headers },
        );
      }
    } finally {
      inFlight.current -= 1;
      record.endedAt = Date.now();
    }
  };

  return {
    recorded,
    inFlight,
    inject(rule) {
      rules.push({ ...rule, remaining: rule.times ?? 1 });
    },
    holdWith(replacement) {
      hold = replacement;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    setRateLimit(rule) {
      if (rule !== null && !(rule.limit >= 1 && rule.windowMs > 0))
        throw new RangeError('a rate limit needs limit >= 1 and windowMs > 0');
      rateLimit = rule;
      admitted = [];
    },
    reset() {
      recorded.length = 0;
      rules = [];
      latencyMs = 0;
      rateLimit = null;
      admitted = [];
      inFlight.peak = inFlight.current;
    },
    middleware,
  };
}

/**
 * The most requests that arrived within any `windowMs` (a window starting at each arrival), from
 * recorded arrival times: what a vendor counting a rolling window would have counted at its worst.
 */
export function busiestWindow(arrivals: readonly number[], windowMs: number): number {
  const sorted = [...arrivals].sort((a, b) => a - b);
  let most = 0;
  let end = 0;
  for (let start = 0; start < sorted.length; start++) {
    const first = sorted[start] ?? 0;
    while (end < sorted.length && (sorted[end] ?? 0) < first + windowMs) end += 1;
    most = Math.max(most, end - start);
  }
  return most;
}
