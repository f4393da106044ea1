import { z } from '@hono/zod-openapi';
import { VendorIdSchema } from './entitlement';

/** The answer of a forced reload of one customer's snapshot. */
export const RefreshResultSchema = z
  .object({
    object: z.literal('entitlement_refresh'),
    vendor: VendorIdSchema,
    customerId: z.string(),
    entitlementCount: z.number().int(),
    fetchedAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('RefreshResult');
