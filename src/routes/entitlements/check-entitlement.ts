import { createRoute, type OpenAPIHono, type RouteHandler } from '@hono/zod-openapi';
import { CheckResultSchema } from '../../../schemas/check';
import { CheckQuerySchema, FeatureParamsSchema } from '../../../schemas/query';
import { customerReadErrorCodes, errorResponses } from '../../errors/problem';
import { checkResultBody } from '../../services/entitlement-json';
import { fastParsers, registerFastPath } from '../fast-validation';
import type { GatewayEnv } from '../openapi-app';
import { cacheHeaders, respondJson } from '../respond';

export const checkEntitlementRoute = createRoute({
  method: 'get',
  path: '/v1/customers/{customerId}/entitlements/{featureKey}',
  operationId: 'checkEntitlement',
  tags: ['Entitlements'],
  summary: 'Check one feature',
  description:
    'Whether the customer may use the feature now (or at `at`), optionally for `requestedUsage` more units. A feature the customer has no entitlement to answers 200 with `hasAccess:false, reason:"not_entitled"`; an unknown customer is a 404.',
  security: [{ bearerAuth: [] }],
  request: { params: FeatureParamsSchema, query: CheckQuerySchema },
  responses: {
    200: { description: 'The check result.', content: { 'application/json': { schema: CheckResultSchema } } },
    ...errorResponses(...customerReadErrorCodes),
  },
});

export function registerCheckEntitlement(app: OpenAPIHono<GatewayEnv>): void {
  const handler: RouteHandler<typeof checkEntitlementRoute, GatewayEnv> = async (c) => {
    const { customerId, featureKey } = c.req.valid('param');
    const query = c.req.valid('query');
    const { entitlements } = c.env.services;
    if (query.vendor) c.env.vendor = query.vendor;
    // A fresh cached answer needs no waiting: answered in this tick; anything else goes through `check`.
    const result =
      entitlements.checkNow(customerId, featureKey, query) ??
      (await entitlements.check(customerId, featureKey, query));
    return respondJson(
      c,
      result,
      200,
      cacheHeaders(c.env, entitlements.cacheReports),
      checkResultBody(result),
    );
  };
  registerFastPath(app, checkEntitlementRoute, fastParsers.check, handler);
  app.openapi(checkEntitlementRoute, handler);
}
