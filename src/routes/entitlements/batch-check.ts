import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { BatchCheckRequestSchema, BatchCheckResponseSchema } from '../../../schemas/check';
import { errorResponses } from '../../errors/problem';
import { batchCheckBody } from '../../services/entitlement-json';
import type { GatewayEnv } from '../openapi-app';
import { cacheHeaders, respondJson } from '../respond';

export const batchCheckRoute = createRoute({
  method: 'post',
  path: '/v1/check',
  operationId: 'batchCheck',
  tags: ['Entitlements'],
  summary: 'Check many features at once',
  description:
    '1–100 checks answered in order. Each item succeeds or fails on its own: a failing item carries its problem in `error` and the batch is still a 200.',
  security: [{ bearerAuth: [] }],
  request: { body: { required: true, content: { 'application/json': { schema: BatchCheckRequestSchema } } } },
  responses: {
    200: {
      description: 'One result per check, in request order.',
      content: { 'application/json': { schema: BatchCheckResponseSchema } },
    },
    ...errorResponses('validation_failed', 'unauthorized', 'payload_too_large', 'unsupported_media_type'),
  },
});

export function registerBatchCheck(app: OpenAPIHono<GatewayEnv>): void {
  app.openapi(batchCheckRoute, async (c) => {
    const body = c.req.valid('json');
    const { entitlements } = c.env.services;
    const response = await entitlements.batch(body);
    const serialized = batchCheckBody(response.results);
    return respondJson(c, response, 200, cacheHeaders(c.env, entitlements.cacheReports), serialized);
  });
}
