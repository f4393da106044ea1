import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerRequestMetrics } from '../../../src/observability/request-metrics';
import type { RequestOutcome } from '../../../src/routes/middleware/request-context';

const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The same two metrics as prom-client's own Counter and Histogram: the reference rendering. */
function promClientReference() {
  const registry = new Registry();
  const requests = new Counter({
    name: 'gateway_http_requests_total',
    help: 'Requests answered, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'gateway_http_request_duration_seconds',
    help: 'Time to answer a request, by method and route pattern.',
    labelNames: ['method', 'route'],
    buckets,
    registers: [registry],
  });
  return {
    registry,
    observe({ method, route, status, durationMs }: RequestOutcome) {
      requests.inc({ method, route, status: String(status) });
      duration.observe({ method, route }, durationMs / 1000);
    },
  };
}

/** The exposition's lines, sorted (series order is not part of the format). */
const lines = async (registry: Registry) => (await registry.metrics()).split('\n').sort();

describe('request metrics', () => {
  it('render exactly what prom-client renders for the same requests, bucket bounds and overflow included', async () => {
    const registry = new Registry();
    const metrics = registerRequestMetrics(registry, buckets);
    const reference = promClientReference();
    const check = '/v1/customers/:customerId/entitlements/:featureKey';
    const outcomes: RequestOutcome[] = [
      { method: 'GET', route: check, status: 200, durationMs: 0.4 },
      // Exactly on a bound: counted in that bucket (`le`).
      { method: 'GET', route: check, status: 200, durationMs: 1 },
      { method: 'GET', route: check, status: 200, durationMs: 25 },
      { method: 'GET', route: check, status: 503, durationMs: 30_000 },
      { method: 'POST', route: '/v1/check', status: 200, durationMs: 7.3 },
      { method: 'GET', route: '*', status: 404, durationMs: 0.2 },
      { method: 'GET', route: check, status: 429, durationMs: 0.05 },
      { method: 'POST', route: '/v1/check', status: 413, durationMs: 10_000 },
    ];
    for (const outcome of outcomes) {
      metrics.observe(outcome);
      reference.observe(outcome);
    }

    const ours = await lines(registry);
    expect(ours).toEqual(await lines(reference.registry));
    expect(ours).toContain(`gateway_http_requests_total{method="GET",route="${check}",status="200"} 3`);
    expect(ours).toContain(
      `gateway_http_request_duration_seconds_bucket{le="0.001",method="GET",route="${check}"} 3`,
    );
    expect(ours).toContain(
      `gateway_http_request_duration_seconds_bucket{le="10",method="GET",route="${check}"} 4`,
    );
    expect(ours).toContain(
      `gateway_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="${check}"} 5`,
    );
    expect(ours).toContain(`gateway_http_request_duration_seconds_count{method="POST",route="/v1/check"} 2`);
  });

  it('render the HELP and TYPE lines with no samples before the first request', async () => {
    const registry = new Registry();
    registerRequestMetrics(registry, buckets);
    expect(await lines(registry)).toEqual(await lines(promClientReference().registry));
  });
});
