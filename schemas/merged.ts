import { z } from '@hono/zod-openapi';
import { VendorIdSchema } from './entitlement';

/** How one linked vendor took part in a merged answer. */
export const VendorStatusSchema = z
  .object({
    vendor: VendorIdSchema,
    customerId: z.string().openapi({ description: "The customer's id at this vendor (from the link)." }),
    status: z.enum(['fresh', 'stale', 'unavailable']).openapi({
      description:
        "`fresh`: data within its cache TTL (or just loaded). `stale`: cached data past its TTL (being refreshed; with `error` when the refresh failed). `unavailable`: the vendor failed and nothing was cached; its entitlements are missing from the answer (on a merged check with `fallback: true`, its part is the feature's fallback policy).",
    }),
    error: z
      .object({
        status: z.number().int(),
        code: z.string(),
        title: z.string(),
        detail: z.string(),
      })
      .optional()
      .openapi({
        description: 'Why the vendor could not be read now (the problem it would have answered alone).',
      }),
    fallback: z.boolean().optional().openapi({
      description:
        "Merged checks only: present (true) when this vendor failed with nothing cached and its part of the answer is the feature's fallback policy (`deny`: nothing; `allow` or a static value: an entitlement with a grant whose `source` is `fallback`).",
    }),
  })
  .openapi('VendorStatus', {
    example: {
      vendor: 'paygentic',
      customerId: 'cus_demoAcme',
      status: 'unavailable',
      error: {
        status: 503,
        code: 'vendor_unavailable',
        title: 'Vendor unavailable',
        detail: 'paygentic answered 503 Service Unavailable.',
      },
    },
  });
export type VendorStatus = z.infer<typeof VendorStatusSchema>;

/** The fields every merged answer (list, check, batch item) carries. */
export const mergedAnswerFields = {
  vendors: z.array(VendorStatusSchema).optional().openapi({
    description: 'Merged answers only: each linked vendor and how it was read, in vendor order.',
  }),
  partial: z.boolean().optional().openapi({
    description:
      'Merged answers only: true when a linked vendor failed, so its entitlements are missing (`unavailable`) or cached (`stale` with `error`).',
  }),
};
