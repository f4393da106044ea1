import { createHash, timingSafeEqual } from 'node:crypto';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { UpstreamCallReport } from '../../adapters/kit/upstream';
import { type VendorId, vendorIds } from '../../schemas/entitlement';
import type { CacheMetrics } from '../cache/cache-metrics';
import { standaloneProblemResponse } from '../errors/problem';
import type { CircuitState } from '../http/circuit-breaker';
import type { RequestOutcome } from '../routes/middleware/request-context';
import { registerRequestMetrics } from './request-metrics';

/**
 * The Node entry's `GET /metrics` (Prometheus text format, prom-client). Node only: the Worker never
 * imports this module (it reports the same facts as fields of its log lines, docs/operations.md).
 *
 * Request and vendor-call metrics are recorded as they happen; cache, Redis and breaker figures are
 * read at scrape time from the counters the cache already keeps and from the upstream client.
 */

/** What the metrics read at scrape time. */
export interface PrometheusSources {
  /** The cache's counters (one set per process). */
  cache: CacheMetrics;
  /** Every vendor connection (tenant + vendor) and its breaker state now. */
  breakers(): Array<{ vendor: VendorId; state: CircuitState }>;
  /** Checks answered by a fallback policy since start, by policy (`deny`, `allow`, `static`). */
  fallbackAnswers?(): Record<string, number>;
}

/** The gateway's Prometheus metrics and their registry. */
export interface GatewayPrometheus {
  registry: Registry;
  observeRequest(outcome: RequestOutcome): void;
  observeUpstreamCall(report: UpstreamCallReport): void;
}

const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A counter that mirrors a number kept elsewhere (increments by the difference at each scrape). */
function mirroredCounter(
  registry: Registry,
  name: string,
  help: string,
  labelName: string,
  read: () => Record<string, number>,
): void {
  const seen = new Map<string, number>();
  new Counter({
    name,
    help,
    labelNames: [labelName],
    registers: [registry],
    collect() {
      for (const [label, value] of Object.entries(read())) {
        const delta = value - (seen.get(label) ?? 0);
        if (delta > 0) this.inc({ [labelName]: label }, delta);
        else if (!seen.has(label)) this.inc({ [labelName]: label }, 0);
        seen.set(label, value);
      }
    },
  });
}

/** Creates the registry and every gateway metric. */
export function createGatewayPrometheus(sources: PrometheusSources): GatewayPrometheus {
  const registry = new Registry();
  // Recorded by every request: kept outside prom-client's label hashing (request-metrics.ts).
  const requests = registerRequestMetrics(registry, latencyBuckets);
  const upstreamCalls = new Counter({
    name: 'gateway_upstream_calls_total',
    help: 'Logical vendor calls (retries included in one call), by vendor and outcome (ok or the gateway error code).',
    labelNames: ['vendor', 'outcome'],
    registers: [registry],
  });
  const upstreamAttempts = new Counter({
    name: 'gateway_upstream_attempts_total',
    help: 'HTTP attempts sent to vendors (a call retries idempotent requests).',
    labelNames: ['vendor'],
    registers: [registry],
  });
  const upstreamDuration = new Histogram({
    name: 'gateway_upstream_call_duration_seconds',
    help: 'Duration of a logical vendor call (queueing, budget waits, attempts and backoff), by vendor.',
    labelNames: ['vendor'],
    buckets: latencyBuckets,
    registers: [registry],
  });
  const budgetWaits = new Counter({
    name: 'gateway_upstream_budget_waits_total',
    help: "Vendor calls that waited for their connection's rate budget.",
    labelNames: ['vendor'],
    registers: [registry],
  });
  const budgetWaitSeconds = new Counter({
    name: 'gateway_upstream_budget_wait_seconds_total',
    help: 'Time vendor calls spent waiting for the rate budget.',
    labelNames: ['vendor'],
    registers: [registry],
  });
  const budgetRejections = new Counter({
    name: 'gateway_upstream_budget_rejections_total',
    help: 'Vendor calls refused because the rate budget could not grant a request within the deadline.',
    labelNames: ['vendor'],
    registers: [registry],
  });
  new Gauge({
    name: 'gateway_upstream_breakers',
    help: 'Vendor connections (tenant + vendor) per circuit-breaker state.',
    labelNames: ['vendor', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      const counts = new Map<string, number>();
      for (const { vendor, state } of sources.breakers()) {
        for (const each of ['closed', 'half-open', 'open'] as const) {
          const key = `${vendor}\u0000${each}`;
          counts.set(key, (counts.get(key) ?? 0) + (state === each ? 1 : 0));
        }
      }
      for (const [key, count] of counts) {
        const [vendor, state] = key.split('\u0000') as [string, string];
        this.set({ vendor, state }, count);
      }
    },
  });
  const cache = sources.cache;
  mirroredCounter(
    registry,
    'gateway_cache_hits_total',
    'Fresh cache entries served, by tier (memory: this process; redis: the shared tier).',
    'tier',
    () => ({ memory: cache.memoryHits, redis: cache.redisHits }),
  );
  mirroredCounter(
    registry,
    'gateway_cache_outcomes_total',
    'Cache answers other than a fresh hit: stale (served while refreshing), stale_if_error (vendor failing), miss (waited for a load), collapsed (shared another load), forced_refresh (Cache-Control: no-cache or refresh route).',
    'outcome',
    () => ({
      stale: cache.staleHits,
      stale_if_error: cache.staleIfError,
      miss: cache.misses,
      collapsed: cache.collapsed,
      forced_refresh: cache.forcedRefreshes,
    }),
  );
  mirroredCounter(
    registry,
    'gateway_cache_loads_total',
    'Loads run by this process (vendor calls behind the cache), by result; background refreshes included.',
    'result',
    () => ({
      ok: cache.loads - cache.loadErrors,
      error: cache.loadErrors,
      background_error: cache.backgroundRefreshErrors,
    }),
  );
  mirroredCounter(
    registry,
    'gateway_redis_errors_total',
    'Redis commands that failed (error), timed out (timeout), or were not sent because the Redis breaker was open (skipped).',
    'kind',
    () => ({ error: cache.redisErrors, timeout: cache.redisTimeouts, skipped: cache.redisSkipped }),
  );
  mirroredCounter(
    registry,
    'gateway_redis_breaker_opens_total',
    'Times the Redis breaker opened (the cache then serves from memory and the vendors).',
    'tier',
    () => ({ redis: cache.redisBreakerOpens }),
  );

  const fallbackAnswers = sources.fallbackAnswers;
  if (fallbackAnswers !== undefined)
    mirroredCounter(
      registry,
      'gateway_fallback_answers_total',
      "Checks answered by the tenant's fallback policy (vendor failing, nothing cached), by policy: deny, allow, static. Rate limit refusals are gateway_http_requests_total with status 429.",
      'policy',
      fallbackAnswers,
    );

  // Zero samples for every vendor, so a dashboard sees "none yet" rather than a missing series.
  for (const vendor of vendorIds) {
    for (const counter of [upstreamAttempts, budgetWaits, budgetWaitSeconds, budgetRejections])
      counter.inc({ vendor }, 0);
  }

  return {
    registry,
    observeRequest: (outcome) => requests.observe(outcome),
    observeUpstreamCall(report) {
      const vendor = report.vendor;
      upstreamCalls.inc({ vendor, outcome: report.errorCode ?? 'ok' });
      if (report.attempts > 0) upstreamAttempts.inc({ vendor }, report.attempts);
      upstreamDuration.observe({ vendor }, report.durationMs / 1000);
      if (report.budgetWaitMs !== undefined) {
        budgetWaits.inc({ vendor });
        budgetWaitSeconds.inc({ vendor }, report.budgetWaitMs / 1000);
      }
      if (report.budgetRejected) budgetRejections.inc({ vendor });
    },
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * Answers `GET /metrics`. With a key, the caller must send `Authorization: Bearer <key>` (compared
 * in constant time); without one the caller is trusted (a separate METRICS_PORT, not exposed).
 */
export async function metricsResponse(
  prometheus: GatewayPrometheus,
  request: Request,
  key: string | null,
): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD')
    return standaloneProblemResponse('not_found', `No route for ${request.method} /metrics.`);
  if (key !== null) {
    const offered = /^Bearer\s+(.+)$/i.exec(request.headers.get('authorization') ?? '')?.[1]?.trim() ?? '';
    if (!timingSafeEqual(digest(offered), digest(key)))
      return standaloneProblemResponse('unauthorized', 'Send Authorization: Bearer <METRICS_KEY>.', {
        'www-authenticate': 'Bearer realm="metrics"',
      });
  }
  const body = await prometheus.registry.metrics();
  return new Response(request.method === 'HEAD' ? null : body, {
    status: 200,
    headers: { 'content-type': prometheus.registry.contentType, 'cache-control': 'no-store' },
  });
}
