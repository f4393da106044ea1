import { createRoute, type OpenAPIHono, type RouteHandler } from '@hono/zod-openapi';
import { type EntitlementList, EntitlementListSchema } from '../../../schemas/page';
import { CustomerParamsSchema, ListEntitlementsQuerySchema } from '../../../schemas/query';
import { customerReadErrorCodes, errorResponses } from '../../errors/problem';
import { entitlementListBody } from '../../services/entitlement-json';
import type { ListQuery } from '../../services/entitlement-service';
import { fastParsers, registerFastPath } from '../fast-validation';
import type { GatewayEnv } from '../openapi-app';
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

/** The validated query of the list route (schema or compiled parser), as the service's `ListQuery`. */
export function listQueryOf(query: {
  vendor?: ListQuery['vendor'];
  limit: number;
  cursor?: string;
  featureKey?: string[];
  type?: ListQuery['type'];
  hasAccess?: boolean;
  at?: string;
  include?: 'raw';
}): ListQuery {
  // Assigned field by field: conditional object spreads are a measurable cost on this hot path.
  const listQuery: ListQuery = {
    limit: query.limit,
    featureKeys: query.featureKey ?? [],
    includeRaw: query.include === 'raw',
  };
  if (query.vendor !== undefined) listQuery.vendor = query.vendor;
  if (query.cursor !== undefined) listQuery.cursor = query.cursor;
  if (query.type !== undefined) listQuery.type = query.type;
  if (query.hasAccess !== undefined) listQuery.hasAccess = query.hasAccess;
  if (query.at !== undefined) listQuery.at = query.at;
  return listQuery;
}

export function registerListEntitlements(app: OpenAPIHono<GatewayEnv>): void {
  const handler: RouteHandler<typeof listEntitlementsRoute, GatewayEnv> = async (c) => {
    const { customerId } = c.req.valid('param');
    const query = c.req.valid('query');
    const { entitlements } = c.env.services;
    if (query.vendor) c.env.vendor = query.vendor;
    const listQuery = listQueryOf(query);
    const page =
      entitlements.listNow(customerId, listQuery) ?? (await entitlements.list(customerId, listQuery));
    const body = page as unknown as EntitlementList;
    return respondJson(
      c,
      body,
      200,
      cacheHeaders(c.env, entitlements.cacheReports),
      entitlementListBody(page),
    );
  };
  registerFastPath(app, listEntitlementsRoute, fastParsers.list, handler);
  app.openapi(listEntitlementsRoute, handler);
}
