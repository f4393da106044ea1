import { SELF } from 'cloudflare:test';
import { afterAll, describe, expect, it } from 'vitest';
import { ProblemSchema } from '../../schemas/problem';
import { backgroundSettled, gatewayLogs, restartGateway } from './support/test-worker';

/**
 * Issue 15 inside workerd: a misconfigured Worker keeps `/healthz` alive and says "misconfigured"
 * elsewhere without naming a value; a healthy one writes its metrics as fields of the request log
 * line (docs/operations.md, "Workers observability"), trace ids included.
 */

const call = (path: string, init?: RequestInit) =>
  SELF.fetch(new URL(path, 'http://gateway.test').toString(), init);
const BAD_REDIS = 'http://operator:hunter2-not-a-redis@cache.internal:6379';

afterAll(async () => {
  await backgroundSettled();
  restartGateway({ env: { REDIS_URL: undefined } });
});

describe('a misconfigured Worker', () => {
  it('answers /healthz, reports config invalid on /readyz, and a 500 problem saying so elsewhere, with no secret', async () => {
    restartGateway({ env: { REDIS_URL: BAD_REDIS } });
    const health = await call('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });

    const ready = await call('/readyz');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not_ready', checks: { config: 'invalid' } });

    const route = await call('/v1/customers/c1/entitlements?vendor=chargebee', {
      headers: { authorization: 'Bearer eg_sandbox_demo_key' },
    });
    expect(route.status).toBe(500);
    const text = await route.text();
    const problem = ProblemSchema.parse(JSON.parse(text));
    expect(problem.code).toBe('internal_error');
    expect(problem.detail).toMatch(/misconfigured/);
    expect(text).not.toContain('hunter2');
  });
});

describe('Workers observability', () => {
  it('writes route, status, cache outcome and tier, upstream calls and the trace id on the request line', async () => {
    await backgroundSettled();
    restartGateway({ env: { REDIS_URL: undefined } });
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const headers = {
      authorization: 'Bearer eg_sandbox_demo_key',
      traceparent: `00-${traceId}-b7ad6b7169203331-01`,
    };
    expect((await call('/v1/customers/c1/entitlements?vendor=chargebee', { headers })).status).toBe(200);
    expect((await call('/v1/customers/c1/entitlements?vendor=chargebee', { headers })).status).toBe(200);
    const requests = gatewayLogs
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line['event'] === 'request');
    const [miss, hit] = requests.slice(-2) as [Record<string, unknown>, Record<string, unknown>];
    expect(miss).toMatchObject({
      route: '/v1/customers/:customerId/entitlements',
      status: 200,
      cache: 'miss',
      traceId,
      upstream: { errors: [] },
    });
    expect((miss['upstream'] as { calls: number }).calls).toBeGreaterThan(0);
    expect(hit).toMatchObject({ cache: 'hit', cacheTier: 'memory', traceId });
    expect(hit['upstream']).toBeUndefined();
  });
});
