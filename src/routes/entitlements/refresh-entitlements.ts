import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { CustomerParamsSchema, VendorQuerySchema } from '../../../schemas/query';
import { RefreshResultSchema } from '../../../schemas/refresh';
import { customerReadErrorCodes, errorResponses } from '../../errors/problem';
import { CACHE_NAME } from '../cache-headers';
import type { GatewayEnv } from '../openapi-app';
import { respondJson } from '../respond';

export const refreshEntitlementsRoute = createRoute({
  method: 'post',
  path: '/v1/customers/{customerId}/entitlements/refresh',
  operationId: 'refreshEntitlements',
  tags: ['Entitlements'],
  summary: "Reload a customer's cached entitlements from the vendor",
  description:
    'Loads the snapshot again from the vendor and replaces the cached copy in every tier. The copy is replaced only when the load succeeds: on a vendor failure the problem is answered and the cached copy keeps being served (stale-if-error). When the shared cache (Redis) is unreachable the answer is 503 `cache_unavailable` with `Retry-After`: this instance has the new copy, other instances keep theirs. For a linked app customer, refreshes its account at `vendor` (required when it is linked to several vendors); `customerId` in the answer is the id asked about.',
  security: [{ bearerAuth: [] }],
  request: { params: CustomerParamsSchema, query: VendorQuerySchema },
  responses: {
    200: { description: 'Reloaded.', content: { 'application/json': { schema: RefreshResultSchema } } },
    ...errorResponses(...customerReadErrorCodes, 'cache_unavailable'),
  },
});

export function registerRefreshEntitlements(app: OpenAPIHono<GatewayEnv>): void {
  app.openapi(refreshEntitlementsRoute, async (c) => {
    const { customerId } = c.req.valid('param');
    const { vendor: requested } = c.req.valid('query');
    const scope = c.env.services;
    // A linked app customer refreshes its account at that vendor.
    const { vendor, vendorCustomerId } = await scope.entitlements.resolveAccount(customerId, requested);
    c.env.vendor = vendor;
    // An id that cannot exist at the vendor is a 404 before anything is loaded.
    scope.entitlements.resolveCustomer(vendor, vendorCustomerId);
    // Reload first: the cached copy is replaced only when the vendor answers.
    const result = await scope.reload(vendor, vendorCustomerId);
    return respondJson(
      c,
      {
        object: 'entitlement_refresh' as const,
        vendor,
        customerId,
        entitlementCount: result.entitlementCount,
        fetchedAt: result.fetchedAt,
      },
      200,
      // A forced load from the vendor, just stored (RFC 9211 `fwd=request`).
      {
        'cache-control': 'private, no-store',
        'cache-status': `${CACHE_NAME}; fwd=request; stored`,
        age: '0',
      },
    );
  });
}
