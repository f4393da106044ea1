import { type Clock, systemClock } from '../../adapters/kit/clock';
import {
  codeForVendorStatus,
  UpstreamError,
  upstreamError,
  upstreamErrorWithDetail,
} from '../../adapters/kit/errors';
import type {
  Transport,
  TransportResponse,
  UpstreamCallReport,
  UpstreamClient,
  UpstreamJsonResponse,
  UpstreamObserver,
  UpstreamRequest,
  VendorErrorDetails,
  VendorErrorParser,
} from '../../adapters/kit/upstream';
import { type Logger, redactText, silentLogger } from '../logger';
import { formatTraceparent, newSpanId } from '../observability/trace-context';
import { CircuitBreaker, type CircuitState, countsAsBreakerFailure } from './circuit-breaker';
import { ConcurrencyLimiter } from './concurrency-limiter';
import { defaultLimitsFor, type LimitsFor } from './connection-limits';
import { localRequestBudget, type RateBudgetSettings, type RequestBudget } from './rate-budget';
import { parseRetryAfter, retryAfterSeconds } from './retry-after';
import {
  type AttemptFailure,
  backoffDelayMs,
  defaultRetryPolicy,
  isIdempotentMethod,
  isRetryableFailure,
  type RetryPolicy,
} from './retry-policy';
import { linkedController, raceAbort, type Sleep, startTimer, systemSleep } from './timers';

/** Options of the upstream client. Every duration is in milliseconds. */
export interface UpstreamClientOptions {
  /** Sends one HTTP request: undici on Node, `fetch` on Workers, in-process in sandbox mode. */
  transport: Transport;
  /** Time allowed for one attempt, response body included. Default 3000. */
  attemptTimeoutMs?: number;
  /** Time allowed for a whole logical call: queueing, budget waits, attempts and backoff. Default 8000. */
  deadlineMs?: number;
  /** Attempts per logical call (GETs only retry). Default 3. */
  maxAttempts?: number;
  /** Backoff ceiling before the first retry; doubles per retry. Default 100. */
  baseDelayMs?: number;
  /** Upper bound of the backoff ceiling. Default 2000. */
  maxDelayMs?: number;
  /** Rate budget and concurrency cap per connection. Default: `defaultConnectionLimits` per vendor. */
  limitsFor?: LimitsFor;
  /**
   * Where a connection's request budget lives. Default: an in-process token bucket per connection.
   * With Redis the gateway passes the shared budget (`shared-rate-budget.ts`): one across instances.
   */
  budgetFor?: (connectionKey: string, settings: RateBudgetSettings) => RequestBudget;
  /** Consecutive failed attempts that open a connection's circuit. Default 5. */
  failureThreshold?: number;
  /** How long an open circuit answers without calling the vendor. Default 30000. */
  openMs?: number;
  /** Time source (tests inject a virtual one). */
  clock?: Clock;
  /** Waiting primitive (tests inject a virtual one). */
  sleep?: Sleep;
  /** Uniform random number in [0, 1) for backoff jitter. */
  random?: () => number;
  /** Where failed attempts and circuit changes are logged. Default: silent. */
  logger?: Logger;
  /** Told of every logical call, whoever made it (process metrics); per-request observers see theirs. */
  onCall?: UpstreamObserver;
  /**
   * Secret values to scrub from logged vendor bodies. Credential header values of each request
   * (Authorization, API-key headers) are scrubbed automatically on top of these.
   */
  secrets?: readonly string[];
}

/** The upstream client plus what readiness checks and tests need to see. */
export interface ResilientUpstreamClient extends UpstreamClient {
  /** The circuit state of a connection; `closed` for a connection never used. */
  breakerState(connectionKey: string): CircuitState;
}

function tryParseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** The outcome of one attempt. */
type AttemptResult =
  | { kind: 'success'; status: number; headers: TransportResponse['headers']; body: unknown }
  | {
      kind: 'failed';
      failure: AttemptFailure;
      vendor: VendorErrorDetails;
      text: string | undefined;
      /** The vendor's id of its answer, when it sends one: what its support asks for. */
      vendorRequestId?: string;
    }
  /** The caller's signal aborted: not the vendor's fault, nothing to record. */
  | { kind: 'aborted' };

/** The overall deadline of a logical call fired while the call was waiting (queue, budget, backoff). */
class DeadlineExceeded extends Error {
  constructor() {
    super('upstream call deadline exceeded');
    this.name = 'DeadlineExceeded';
  }
}

/** The per-attempt timer fired. */
class AttemptTimedOut extends Error {
  constructor() {
    super('upstream attempt timed out');
    this.name = 'AttemptTimedOut';
  }
}

/**
 * An attempt is only started (or a wait only accepted) when at least this much of the deadline is
 * left afterwards: a request with a few milliseconds to live can only time out, and it would still
 * cost a budget token.
 */
const MIN_ATTEMPT_WINDOW_MS = 50;
/** Vendor bodies are logged up to this many characters. */
const LOGGED_BODY_CHARS = 512;
const credentialHeaderPattern = /(authorization|api[-_]?key|secret|password|token|signature|cookie)/i;

/**
 * Credential values in a request's headers, so a vendor that echoes them back in an error body does
 * not put them in our logs. Basic credentials are decoded too: Chargebee's key is the user name.
 */
function credentialValues(headers: Record<string, string> | undefined): string[] {
  const values: string[] = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!credentialHeaderPattern.test(name)) continue;
    values.push(value);
    const scheme = /^(Basic|Bearer)\s+(.+)$/i.exec(value.trim());
    const token = scheme?.[2];
    if (token === undefined) continue;
    values.push(token);
    if (scheme?.[1]?.toLowerCase() === 'basic') {
      try {
        values.push(
          ...atob(token)
            .split(':')
            .filter((part) => part.length > 0),
        );
      } catch {
        // Not base64: the raw token is already scrubbed.
      }
    }
  }
  return values;
}

/** Host and path plus the query's parameter names only: query values (offsets, filters, keys) stay out of logs. */
function loggableUrl(url: string): { host: string; path: string; queryKeys: string[] } {
  try {
    const parsed = new URL(url);
    return {
      host: parsed.host,
      path: parsed.pathname,
      queryKeys: [...new Set(parsed.searchParams.keys())].sort(),
    };
  } catch {
    return { host: '', path: '[unparseable url]', queryKeys: [] };
  }
}

/**
 * The id a vendor gives its answer (`Request-Id`, as Stripe sends, or `X-Request-Id`), for the logs:
 * it names the request in the vendor's own logs and is not a secret. Capped, as any header value.
 */
function vendorRequestIdOf(headers: TransportResponse['headers']): { vendorRequestId?: string } {
  const id = headers.get('request-id') ?? headers.get('x-request-id');
  return id ? { vendorRequestId: id.slice(0, 128) } : {};
}

/** The caller's headers plus `accept: application/json`, unless the caller chose an Accept (any casing). */
function withAcceptJson(headers: Record<string, string> | undefined): Record<string, string> {
  const chosen = Object.keys(headers ?? {}).some((name) => name.toLowerCase() === 'accept');
  return chosen ? { ...headers } : { accept: 'application/json', ...headers };
}

function describeCause(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string'
      ? `${error.name} ${code}: ${error.message}`
      : `${error.name}: ${error.message}`;
  }
  return String(error);
}

interface Connection {
  budget: RequestBudget;
  limiter: ConcurrencyLimiter;
  breaker: CircuitBreaker;
}

/**
 * The production upstream client: per-attempt and overall deadlines, retries of idempotent GETs
 * with capped full-jitter backoff and `Retry-After`, and per connection a token-bucket request
 * budget, a concurrency cap and a circuit breaker. It resolves with a 2xx JSON body and throws an
 * `UpstreamError` for every vendor failure; when the caller's `request.signal` aborts it rejects
 * with that signal's reason instead.
 */
export function createUpstreamClient(options: UpstreamClientOptions): ResilientUpstreamClient {
  const attemptTimeoutMs = options.attemptTimeoutMs ?? 3_000;
  const deadlineMs = options.deadlineMs ?? 8_000;
  const policy: RetryPolicy = {
    maxAttempts: Math.max(1, options.maxAttempts ?? defaultRetryPolicy.maxAttempts),
    baseDelayMs: options.baseDelayMs ?? defaultRetryPolicy.baseDelayMs,
    maxDelayMs: options.maxDelayMs ?? defaultRetryPolicy.maxDelayMs,
  };
  // Scaled down for very short deadlines so that a first attempt always gets to run.
  const minAttemptWindowMs = Math.min(MIN_ATTEMPT_WINDOW_MS, attemptTimeoutMs, Math.floor(deadlineMs / 4));
  const failureThreshold = options.failureThreshold ?? 5;
  const openMs = options.openMs ?? 30_000;
  const limitsFor = options.limitsFor ?? defaultLimitsFor;
  const clock = options.clock ?? systemClock;
  const sleep = options.sleep ?? systemSleep;
  const random = options.random ?? Math.random;
  const logger = options.logger ?? silentLogger;
  const configuredSecrets = options.secrets ?? [];
  const connections = new Map<string, Connection>();
  const budgetFor =
    options.budgetFor ??
    ((_connectionKey: string, settings: RateBudgetSettings) => localRequestBudget(settings, clock));

  function connectionFor(request: UpstreamRequest): Connection {
    const existing = connections.get(request.connectionKey);
    if (existing) return existing;
    const limits = limitsFor(request.connectionKey, request.vendor);
    const connection: Connection = {
      budget: budgetFor(request.connectionKey, limits),
      limiter: new ConcurrencyLimiter(limits.maxConcurrent),
      breaker: new CircuitBreaker({
        failureThreshold,
        openMs,
        onStateChange: (from, to) => {
          const fields = { vendor: request.vendor, connectionKey: request.connectionKey, from, to, openMs };
          if (to === 'open') logger.warn('upstream_circuit_opened', fields);
          else logger.info('upstream_circuit_closed', fields);
        },
      }),
    };
    connections.set(request.connectionKey, connection);
    return connection;
  }

  function circuitOpenError(request: UpstreamRequest, attempts: number, waitMs: number): UpstreamError {
    const seconds = retryAfterSeconds(waitMs);
    return upstreamErrorWithDetail(
      'vendor_unavailable',
      request,
      { attempts, retryAfterSeconds: seconds },
      `${request.vendor} has been failing; the gateway is pausing calls to it. Retry in ${seconds} s.`,
    );
  }

  function budgetExhaustedError(request: UpstreamRequest, attempts: number, waitMs: number): UpstreamError {
    const seconds = retryAfterSeconds(waitMs);
    return upstreamErrorWithDetail(
      'vendor_rate_limited',
      request,
      { attempts, retryAfterSeconds: seconds },
      `The gateway's request budget for ${request.vendor} is used up. Retry in ${seconds} s.`,
    );
  }

  function errorForFailure(
    request: UpstreamRequest,
    result: Extract<AttemptResult, { kind: 'failed' }>,
    attempts: number,
    secrets: readonly string[],
  ): UpstreamError {
    const { failure } = result;
    switch (failure.kind) {
      case 'network':
        return upstreamError('vendor_unavailable', request, { attempts }, failure.error);
      case 'timeout':
        return upstreamError('vendor_timeout', request, { attempts });
      case 'malformed_body':
        return upstreamError('vendor_bad_response', request, { vendorStatus: failure.status, attempts });
      case 'truncated_body':
        return upstreamError(
          'vendor_bad_response',
          request,
          { vendorStatus: failure.status, attempts },
          failure.error,
        );
      case 'status': {
        const code = codeForVendorStatus(failure.status);
        const asksToWait =
          failure.retryAfterMs !== undefined &&
          (code === 'vendor_rate_limited' || code === 'vendor_unavailable');
        return upstreamError(code, request, {
          vendorStatus: failure.status,
          ...(result.vendor.code === undefined ? {} : { vendorCode: result.vendor.code }),
          // Kept for logs: scrubbed like logged bodies (a vendor may echo the credentials it got).
          ...(result.vendor.message === undefined
            ? {}
            : { vendorMessage: redactText(result.vendor.message, secrets) }),
          attempts,
          ...(asksToWait ? { retryAfterSeconds: retryAfterSeconds(failure.retryAfterMs ?? 0) } : {}),
        });
      }
    }
  }

  function readVendorError(
    parseVendorError: VendorErrorParser,
    status: number,
    text: string | undefined,
  ): VendorErrorDetails {
    const parsed = text === undefined ? { ok: false as const } : tryParseJson(text);
    try {
      return parseVendorError(status, parsed.ok ? parsed.value : undefined, text ?? '');
    } catch (error) {
      // An adapter's parser choking on an odd body must not hide the vendor's status.
      logger.warn('upstream_error_parser_failed', { status, error: describeCause(error) });
      return {};
    }
  }

  async function performAttempt(
    request: UpstreamRequest,
    callSignal: AbortSignal,
    timeoutMs: number,
    parseVendorError: VendorErrorParser,
  ): Promise<AttemptResult> {
    const attempt = linkedController(callSignal);
    const timer = startTimer(sleep, timeoutMs, () => attempt.abort(new AttemptTimedOut()));
    // Our timer or the call's deadline cut the attempt short, unless the caller gave up.
    const interrupted = (): AttemptResult =>
      request.signal?.aborted
        ? { kind: 'aborted' }
        : { kind: 'failed', failure: { kind: 'timeout' }, vendor: {}, text: undefined };
    try {
      let response: TransportResponse;
      try {
        const pending = options.transport(request.url, {
          method: request.method,
          headers:
            request.trace === undefined
              ? withAcceptJson(request.headers)
              : // Each attempt is its own child span of the request's trace.
                {
                  ...withAcceptJson(request.headers),
                  traceparent: formatTraceparent(request.trace, newSpanId()),
                },
          ...(request.body === undefined ? {} : { body: request.body }),
          signal: attempt.signal,
        });
        // A transport that ignores its signal may still answer after we gave up: read and drop that
        // answer so its connection goes back to the pool instead of hanging until GC.
        pending.then(
          (late) => {
            if (attempt.signal.aborted) late.text().catch(() => undefined);
          },
          () => undefined,
        );
        response = await raceAbort(pending, attempt.signal);
      } catch (error) {
        if (attempt.signal.aborted) return interrupted();
        return { kind: 'failed', failure: { kind: 'network', error }, vendor: {}, text: undefined };
      }
      const status = response.status;
      let text: string | undefined;
      let readError: unknown;
      try {
        text = await raceAbort(response.text(), attempt.signal);
      } catch (error) {
        if (attempt.signal.aborted) return interrupted();
        readError = error;
      }
      if (status >= 200 && status < 300) {
        if (text === undefined) {
          return {
            kind: 'failed',
            failure: { kind: 'truncated_body', status, error: readError },
            vendor: {},
            text,
            ...vendorRequestIdOf(response.headers),
          };
        }
        const parsed = tryParseJson(text);
        if (!parsed.ok)
          return {
            kind: 'failed',
            failure: { kind: 'malformed_body', status },
            vendor: {},
            text,
            ...vendorRequestIdOf(response.headers),
          };
        return { kind: 'success', status, headers: response.headers, body: parsed.value };
      }
      // A non-2xx whose body broke off is still that status; the body only feeds the logs.
      return {
        kind: 'failed',
        failure: {
          kind: 'status',
          status,
          retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), clock.now()),
        },
        vendor: readVendorError(parseVendorError, status, text),
        text,
        ...vendorRequestIdOf(response.headers),
      };
    } finally {
      timer.cancel();
      attempt.dispose();
    }
  }

  function logFailedAttempt(
    request: UpstreamRequest,
    result: Extract<AttemptResult, { kind: 'failed' }>,
    error: UpstreamError,
    context: {
      attempt: number;
      durationMs: number;
      nextDelayMs: number | undefined;
      stopReason: string | undefined;
      secrets: readonly string[];
    },
  ): void {
    const { failure } = result;
    logger.warn('upstream_attempt_failed', {
      ...(request.trace === undefined ? {} : { traceId: request.trace.traceId }),
      vendor: request.vendor,
      operation: request.operation,
      connectionKey: request.connectionKey,
      method: request.method,
      ...loggableUrl(request.url),
      attempt: context.attempt,
      maxAttempts: policy.maxAttempts,
      failure: failure.kind,
      errorCode: error.code,
      status:
        failure.kind === 'status' || failure.kind === 'malformed_body' || failure.kind === 'truncated_body'
          ? failure.status
          : undefined,
      vendorCode: result.vendor.code,
      vendorRequestId: result.vendorRequestId,
      retryAfterMs: failure.kind === 'status' ? failure.retryAfterMs : undefined,
      durationMs: context.durationMs,
      willRetry: context.nextDelayMs !== undefined,
      nextDelayMs: context.nextDelayMs,
      stopReason: context.stopReason,
      cause:
        failure.kind === 'network' || failure.kind === 'truncated_body'
          ? redactText(describeCause(failure.error), context.secrets)
          : undefined,
      // Redact before truncating, so a secret cut in half at the limit is still caught whole.
      body:
        result.text === undefined
          ? undefined
          : redactText(result.text.slice(0, 8 * LOGGED_BODY_CHARS), context.secrets).slice(
              0,
              LOGGED_BODY_CHARS,
            ),
    });
  }

  async function requestJson(
    request: UpstreamRequest,
    parseVendorError: VendorErrorParser,
  ): Promise<UpstreamJsonResponse> {
    const startedAt = clock.now();
    const deadlineAt = startedAt + deadlineMs;
    const remaining = () => deadlineAt - clock.now();
    const call = linkedController(request.signal);
    const deadlineTimer = startTimer(sleep, deadlineMs, () => call.abort(new DeadlineExceeded()));
    const secrets = [...configuredSecrets, ...credentialValues(request.headers)];
    let attempts = 0;
    let finalStatus: number | undefined;
    let errorCode: string | undefined;
    // Once the vendor has answered, the final error describes its last answer; the gateway's own
    // limits (breaker, budget, deadline) then only decide whether to try again.
    let lastError: UpstreamError | undefined;
    let bodyFailures = 0;
    let budgetWaitMs = 0;
    let budgetRejected = false;

    try {
      const connection = connectionFor(request);
      for (;;) {
        const release = await connection.limiter.acquire(call.signal);
        let result: AttemptResult;
        let attemptStartedAt: number;
        try {
          // A slot granted this late could only start an attempt doomed to time out.
          if (remaining() < minAttemptWindowMs) throw new DeadlineExceeded();
          const permit = connection.breaker.tryAcquire(clock.now());
          if (!permit.allowed) throw lastError ?? circuitOpenError(request, attempts, permit.retryAfterMs);
          const pendingReservation = connection.budget.reserve(remaining() - minAttemptWindowMs);
          // The in-process budget answers synchronously: no extra tick on the common path.
          const reservation =
            pendingReservation instanceof Promise ? await pendingReservation : pendingReservation;
          if (!reservation.granted) {
            connection.breaker.release(permit.probe);
            logger.debug('upstream_budget_exhausted', {
              vendor: request.vendor,
              operation: request.operation,
              connectionKey: request.connectionKey,
              retryAfterMs: reservation.retryAfterMs,
            });
            budgetRejected = true;
            throw lastError ?? budgetExhaustedError(request, attempts, reservation.retryAfterMs);
          }
          if (reservation.waitMs > 0) {
            // A shared budget answers after a Redis round trip: the wait it granted may no longer fit.
            const fits = reservation.waitMs <= remaining() - minAttemptWindowMs;
            budgetWaitMs += reservation.waitMs;
            try {
              if (!fits) throw new DeadlineExceeded();
              await sleep(reservation.waitMs, call.signal);
            } catch (error) {
              connection.budget.refund();
              connection.breaker.release(permit.probe);
              // Out of time while waiting for budget: the budget is why, say so (503 + Retry-After).
              if (error instanceof DeadlineExceeded || call.signal.reason instanceof DeadlineExceeded) {
                if (!request.signal?.aborted) {
                  budgetRejected = true;
                  throw lastError ?? budgetExhaustedError(request, attempts, reservation.waitMs);
                }
              }
              throw error;
            }
          }
          attempts += 1;
          attemptStartedAt = clock.now();
          result = await performAttempt(
            request,
            call.signal,
            Math.min(attemptTimeoutMs, remaining()),
            parseVendorError,
          );
          if (result.kind === 'aborted') connection.breaker.release(permit.probe);
          else if (result.kind === 'failed' && countsAsBreakerFailure(result.failure)) {
            connection.breaker.failure(permit.probe, clock.now());
          } else connection.breaker.success(permit.probe);
        } finally {
          // Released before any backoff, so a call waiting to retry never blocks other calls.
          release();
        }

        if (result.kind === 'aborted') throw request.signal?.reason;
        if (result.kind === 'success') {
          finalStatus = result.status;
          return { status: result.status, headers: result.headers, body: result.body, attempts };
        }

        const { failure } = result;
        if (failure.kind !== 'network' && failure.kind !== 'timeout') finalStatus = failure.status;
        const error = errorForFailure(request, result, attempts, secrets);
        let nextDelayMs: number | undefined;
        let stopReason: string | undefined;
        if (!isIdempotentMethod(request.method)) stopReason = 'not_idempotent';
        else if (!isRetryableFailure(failure, bodyFailures)) stopReason = 'not_retryable';
        else if (attempts >= policy.maxAttempts) stopReason = 'attempts_exhausted';
        else {
          const vendorWaitMs = failure.kind === 'status' ? failure.retryAfterMs : undefined;
          const waitMs = vendorWaitMs ?? backoffDelayMs(attempts - 1, policy, random);
          if (waitMs + minAttemptWindowMs > remaining()) {
            stopReason = vendorWaitMs === undefined ? 'deadline' : 'retry_after_exceeds_deadline';
          } else nextDelayMs = waitMs;
        }
        if (failure.kind === 'malformed_body' || failure.kind === 'truncated_body') bodyFailures += 1;
        logFailedAttempt(request, result, error, {
          attempt: attempts,
          durationMs: clock.now() - attemptStartedAt,
          nextDelayMs,
          stopReason,
          secrets,
        });
        if (nextDelayMs === undefined) throw error;
        lastError = error;
        if (nextDelayMs > 0) await sleep(nextDelayMs, call.signal);
      }
    } catch (error) {
      if (error instanceof UpstreamError) {
        errorCode = error.code;
        throw error;
      }
      if (request.signal?.aborted) {
        errorCode = 'aborted';
        throw request.signal.reason;
      }
      if (error instanceof DeadlineExceeded || call.signal.aborted) {
        const timeout = lastError ?? upstreamError('vendor_timeout', request, { attempts });
        errorCode = timeout.code;
        throw timeout;
      }
      errorCode = 'internal_error';
      throw error;
    } finally {
      deadlineTimer.cancel();
      call.dispose();
      const report: UpstreamCallReport = {
        vendor: request.vendor,
        operation: request.operation,
        attempts,
        durationMs: clock.now() - startedAt,
        ...(finalStatus === undefined ? {} : { status: finalStatus }),
        ...(errorCode === undefined ? {} : { errorCode }),
        ...(budgetWaitMs > 0 ? { budgetWaitMs } : {}),
        ...(budgetRejected ? { budgetRejected } : {}),
      };
      try {
        request.observer?.(report);
        options.onCall?.(report);
      } catch (observerError) {
        logger.error('upstream_observer_failed', { error: describeCause(observerError) });
      }
    }
  }

  return {
    requestJson,
    breakerState(connectionKey) {
      return connections.get(connectionKey)?.breaker.state(clock.now()) ?? 'closed';
    },
  };
}
