import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { CustomerParamsSchema, VendorQuerySchema } from '../../../schemas/query';
import { RefreshResultSchema } from '../../../schemas/refresh';
import type { GatewayEnv, GatewayRuntime } from '../../context';
import { customerReadErrorCodes, errorResponses } from '../../errors/problem';
import { CACHE_NAME } from '../cache-headers';
import { openRequestServices } from '../request-services';
import { respondJson } from '../respond';

export const refreshEntitlementsRoute = createRoute({
  method: 'post',
  path: '/v1/customers/{customerId}/entitlements/refresh',
  operationId: 'refreshEntitlements',
  tags: ['Entitlements'],
  summary: "Drop and reload a customer's cached entitlements",
  description:
    'Deletes the snapshot from every cache tier, then loads it again from the vendor. For a linked app customer, refreshes its account at `vendor` (required when it is linked to several vendors); `customerId` in the answer is the id asked about.',
  security: [{ bearerAuth: [] }],
  request: { params: CustomerParamsSchema, query: VendorQuerySchema },
  responses: {
    200: { description: 'Reloaded.', content: { 'application/json': { schema: RefreshResultSchema } } },
    ...errorResponses(...customerReadErrorCodes),
  },
});

export function registerRefreshEntitlements(app: OpenAPIHono<GatewayEnv>, runtime: GatewayRuntime): void {
  app.openapi(refreshEntitlementsRoute, async (c) => {
    const { customerId } = c.req.valid('param');
    const { vendor: requested } = c.req.valid('query');
    const scope = openRequestServices(c, runtime);
    // A linked app customer refreshes its account at that vendor.
    const { vendor, vendorCustomerId } = await scope.entitlements.resolveAccount(customerId, requested);
    c.set('vendor', vendor);
    // An id that cannot exist at the vendor is a 404 before anything is dropped or loaded.
    scope.entitlements.resolveCustomer(vendor, vendorCustomerId);
    await scope.invalidateCustomer(vendor, vendorCustomerId);
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
