import { z } from '@hono/zod-openapi';
import { EntitlementSchema } from './entitlement';
import { mergedAnswerFields } from './merged';

/** A page of a list; `nextCursor` is opaque, signed and bound to the query that produced it. */
export const EntitlementListSchema = z
  .object({
    object: z.literal('list'),
    data: z.array(EntitlementSchema),
    nextCursor: z
      .string()
      .nullable()
      .openapi({ description: 'Pass as `cursor` to get the next page; null on the last page.' }),
    totalCount: z
      .number()
      .int()
      .openapi({ description: 'How many entitlements match the filters, across all pages.' }),
    ...mergedAnswerFields,
  })
  .openapi('EntitlementList');
export type EntitlementList = z.infer<typeof EntitlementListSchema>;
