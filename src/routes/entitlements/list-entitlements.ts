import { createRoute, type OpenAPIHono, type RouteHandler } from '@hono/zod-openapi';
import { type EntitlementList, EntitlementListSchema } from '../../../schemas/page';
import { CustomerParamsSchema, ListEntitlementsQuerySchema } from '../../../schemas/query';
import type { GatewayEnv, GatewayRuntime } from '../../context';
import { customerReadErrorCodes, errorResponses } from '../../errors/problem';
import { entitlementListJson } from '../../services/entitlement-json';
import { fastParsers, registerFastPath } from '../fast-validation';
import { openRequestServices } from '../request-services';
import { cacheHeaders, respondJson } from '../respond';

export const listEntitlementsRoute = createRoute({
  method: 'get',
  path: '/v1/customers/{customerId}/entitlements',
  operationId: 'listEntitlements',
  tags: ['Entitlements'],
  summary: "List a customer's entitlements",
  description:
    'One normalized entitlement per feature, ordered by `featureKey`, paged with an opaque signed cursor. Served from the cached snapshot of the customer (all vendor pages); `Cache-Control: no-cache` forces a reload.',
  security: [{ bearerAuth: [] }],
  request: { params: CustomerParamsSchema, query: ListEntitlementsQuerySchema },
  responses: {
    200: {
      description: 'A page of entitlements.',
      content: { 'application/json': { schema: EntitlementListSchema } },
    },
    ...errorResponses(...customerReadErrorCodes, 'invalid_cursor'),
  },
});

export function registerListEntitlements(app: OpenAPIHono<GatewayEnv>, runtime: GatewayRuntime): void {
  const handler: RouteHandler<typeof listEntitlementsRoute, GatewayEnv> = async (c) => {
    const { customerId } = c.req.valid('param');
    const query = c.req.valid('query');
    const { entitlements } = openRequestServices(c, runtime);
    if (query.vendor) c.set('vendor', query.vendor);
    const page = await entitlements.list(customerId, {
      ...(query.vendor === undefined ? {} : { vendor: query.vendor }),
      limit: query.limit,
      ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
      featureKeys: query.featureKey ?? [],
      ...(query.type === undefined ? {} : { type: query.type }),
      ...(query.hasAccess === undefined ? {} : { hasAccess: query.hasAccess }),
      ...(query.at === undefined ? {} : { at: query.at }),
      includeRaw: query.include === 'raw',
    });
    const body = page as unknown as EntitlementList;
    return respondJson(c, body, 200, cacheHeaders(c, entitlements.cacheReports), entitlementListJson(page));
  };
  registerFastPath(app, listEntitlementsRoute, fastParsers.list, handler);
  app.openapi(listEntitlementsRoute, handler);
}
