import { z } from '@hono/zod-openapi';
import { VendorIdSchema } from './entitlement';

/** Why a check was answered by the tenant's fallback policy: the vendor that failed and how. */
export const FallbackVendorStatusSchema = z
  .object({
    vendor: VendorIdSchema,
    status: z.literal('unavailable').openapi({
      description: 'The vendor failed and the gateway held no cached or stale snapshot of the customer.',
    }),
    error: z
      .object({
        status: z.number().int(),
        code: z.string(),
        title: z.string(),
        detail: z.string(),
      })
      .openapi({ description: 'The problem the check would have answered without a fallback policy.' }),
  })
  .openapi('FallbackVendorStatus', {
    example: {
      vendor: 'chargebee',
      status: 'unavailable',
      error: {
        status: 503,
        code: 'vendor_unavailable',
        title: 'Vendor unavailable',
        detail: 'chargebee answered 503 Service Unavailable.',
      },
    },
  });
export type FallbackVendorStatus = z.infer<typeof FallbackVendorStatusSchema>;

/** The fields a check answered by a fallback policy carries (absent on every other answer). */
export const fallbackAnswerFields = {
  fallback: z.boolean().optional().openapi({
    description:
      "Present (and true) only when a vendor failed with nothing cached and the feature's declared fallback policy (`deny`, `allow` or a static value) answers for it instead of vendor data: the whole answer of a single-vendor check, or that vendor's part of a merged check (see `vendors[].fallback`).",
  }),
  vendorStatus: FallbackVendorStatusSchema.optional().openapi({
    description:
      'Single-vendor checks with `fallback`: the vendor that failed and the problem it would have answered. Merged checks report every vendor in `vendors` instead.',
  }),
};
