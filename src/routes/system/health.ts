import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { HealthSchema, ReadinessSchema } from '../../../schemas/health';
import type { AppScope, RequestScope } from '../../gateway';
import type { GatewayEnv } from '../openapi-app';
import { jsonResponse, respondJson } from '../respond';

export const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'health',
  tags: ['System'],
  summary: 'Liveness',
  responses: {
    200: { description: 'The process is up.', content: { 'application/json': { schema: HealthSchema } } },
  },
});

export const readinessRoute = createRoute({
  method: 'get',
  path: '/readyz',
  operationId: 'readiness',
  tags: ['System'],
  summary: 'Readiness',
  description:
    'Ready (200) unless the configuration is unusable (`config: invalid`, Workers) or a tenant can only get errors: every vendor it uses is unreachable (circuit breaker open) and this instance holds nothing cached for it (`tenants` counts them, never names them). `upstream:<vendor>` is the least healthy breaker of that vendor across tenants. Redis down is reported (`redis: down`) but does not make the gateway unready: it serves from memory and the vendors.',
  responses: {
    200: { description: 'Ready.', content: { 'application/json': { schema: ReadinessSchema } } },
    503: {
      description:
        'Not ready: the configuration is unusable, or some tenant has every vendor unreachable with nothing cached.',
      content: { 'application/json': { schema: ReadinessSchema } },
    },
  },
});

/** The liveness body never changes: encoded once. */
const healthBody = { status: 'ok' as const };
const healthBytes = new TextEncoder().encode(JSON.stringify(healthBody));

/** The liveness answer (also given by the hot path, src/routes/hot-answers.ts). */
export function healthAnswer(scope: RequestScope): Response {
  return jsonResponse(scope, 200, { 'cache-control': 'no-store' }, healthBytes);
}

export function registerHealth(app: OpenAPIHono<GatewayEnv>, runtime: AppScope): void {
  app.openapi(healthRoute, (c) => {
    return respondJson(c, healthBody, 200, { 'cache-control': 'no-store' }, healthBytes);
  });
  app.openapi(readinessRoute, async (c) => {
    const { ready, checks } = await runtime.readiness(c.env);

    const body = {
      status: ready ? ('ready' as const) : ('not_ready' as const),
      mode: runtime.config.mode,
      checks,
    };
    return ready
      ? respondJson(c, body, 200, { 'cache-control': 'no-store' })
      : respondJson(c, body, 503, { 'cache-control': 'no-store' });
  });
}
