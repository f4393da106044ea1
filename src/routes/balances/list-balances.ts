import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { BalanceListSchema, ListBalancesQuerySchema } from '../../../schemas/balance';
import { errorResponses } from '../../errors/problem';
import type { AppScope } from '../../gateway';
import { BalanceService, balanceQueryFromParameters } from '../../services/balance-service';
import { CACHE_NAME } from '../cache-headers';
import type { GatewayEnv } from '../openapi-app';
import { respondJson } from '../respond';

export const listBalancesRoute = createRoute({
  method: 'get',
  path: '/v1/balances',
  operationId: 'listBalances',
  tags: ['Balances'],
  summary: 'List balances across customers',
  description: [
    "Customer entitlement balances across customers, through the vendor's own filtered listing",
    '(Zenskar: `GET /entitlements/customers_balances`). Filters, sort, search and `populate` are in',
    'gateway naming and translated by the adapter; range filters are `<field>[<operator>]=<value>`',
    'with operators `eq`, `gt`, `gte`, `lt`, `lte`, `neq` (e.g. `quantity[gte]=10`,',
    '`expiresAt[lt]=2026-01-01T00:00:00Z`); sorting is `sort=<key>&order=asc|desc`.',
    'Each page is one vendor page, fetched live (balances are not cached: `Cache-Status` says',
    '`fwd=bypass`); `nextCursor` wraps the vendor cursor, signed and bound to the tenant, vendor and',
    'filters. A filter the vendor cannot express is a 400 `unsupported_filter` naming it; a vendor',
    'without such a listing (every vendor but Zenskar today) is a 501 `not_supported_by_vendor`.',
  ].join(' '),
  security: [{ bearerAuth: [] }],
  request: { query: ListBalancesQuerySchema },
  responses: {
    200: {
      description: 'One vendor page of balances.',
      content: { 'application/json': { schema: BalanceListSchema } },
    },
    ...errorResponses(
      'validation_failed',
      'invalid_cursor',
      'vendor_required',
      'vendor_not_configured',
      'unsupported_filter',
      'unauthorized',
      'not_supported_by_vendor',
      'vendor_auth_failed',
      'vendor_bad_response',
      'vendor_request_rejected',
      'vendor_unavailable',
      'vendor_rate_limited',
      'vendor_timeout',
    ),
  },
});

export function registerListBalances(app: OpenAPIHono<GatewayEnv>, runtime: AppScope): void {
  app.openapi(listBalancesRoute, async (c) => {
    const parameters = c.req.valid('query');
    const tenant = c.env.tenant;
    if (parameters.vendor) c.env.vendor = parameters.vendor;
    const { entitlements, loadContext } = c.env.services;
    const balances = new BalanceService({
      tenantId: tenant.id,
      resolveVendor: (vendor) => entitlements.resolveVendor(vendor),
      adapterFor: (vendor) => runtime.adapterFor(tenant, vendor),
      cursors: runtime.cursors,
      loadContext,
    });
    const page = await balances.list({
      vendor: parameters.vendor,
      query: balanceQueryFromParameters(parameters),
      cursor: parameters.cursor,
      includeRaw: parameters.include === 'raw',
    });
    // Live vendor pages, never stored (see BalanceService): say so, and keep shared caches out.

    c.env.cacheStatus = 'bypass';
    return respondJson(c, page, 200, {
      'cache-control': 'private, no-store',
      'cache-status': `${CACHE_NAME}; fwd=bypass`,
    });
  });
}
