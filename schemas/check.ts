import { z } from '@hono/zod-openapi';
import {
  DenialReasonSchema,
  EntitlementSchema,
  EntitlementTypeSchema,
  nullableRef,
  VendorIdSchema,
} from './entitlement';
import { fallbackAnswerFields } from './fallback';
import { mergedAnswerFields } from './merged';
import { rfc3339Instant } from './query';

/** The answer to "may this customer use this feature now (for this much)?". */
export const CheckResultSchema = z
  .object({
    object: z.literal('entitlement_check'),
    vendor: nullableRef(VendorIdSchema).openapi({
      description: 'The vendor that answered; null on a merged answer that several vendors contribute to.',
    }),
    customerId: z.string(),
    featureKey: z.string(),
    hasAccess: z.boolean(),
    reason: nullableRef(DenialReasonSchema),
    type: nullableRef(EntitlementTypeSchema).openapi({
      description: 'Null when the customer has no entitlement to the feature.',
    }),
    unlimited: z.boolean(),
    limit: z.number().nullable(),
    usage: z.number().nullable(),
    remaining: z.number().nullable(),
    value: z.union([z.string(), z.number(), z.boolean()]).nullable(),
    requestedUsage: z.number().nullable(),
    softLimit: z.boolean().nullable().openapi({
      description:
        'For metered features checked with `requestedUsage`: whether the vendor lets usage run past the balance.',
    }),
    overage: z.number().nullable().openapi({
      description:
        'How far `requestedUsage` goes past the remaining balance when a soft limit lets it through.',
    }),
    entitlement: nullableRef(EntitlementSchema).openapi({
      description: 'The entitlement behind the answer; null when the customer has none for the feature.',
    }),
    ...mergedAnswerFields,
    ...fallbackAnswerFields,
  })
  .openapi('CheckResult');
export type CheckResult = z.infer<typeof CheckResultSchema>;

/** One item of a batch check. */
export const BatchCheckItemSchema = z
  .object({
    customerId: z.string().min(1).max(255),
    vendor: VendorIdSchema.optional(),
    featureKey: z.string().min(1).max(255),
    requestedUsage: z.number().nonnegative().optional(),
    at: rfc3339Instant.optional().openapi({ type: 'string', format: 'date-time' }),
  })
  .strict()
  .openapi('BatchCheckItem');

export type BatchCheckItem = z.infer<typeof BatchCheckItemSchema>;

/**
 * The envelope is strict, its items are not validated here: one bad item must not fail the batch
 * (DESIGN), so each item is validated on its own and a bad one answered with its own problem. The
 * OpenAPI document still describes the items as `BatchCheckItem`.
 */
export const BatchCheckRequestSchema = z
  .object({
    checks: z
      .array(z.unknown())
      .min(1)
      .max(100)
      .openapi({
        type: 'array',
        items: { $ref: '#/components/schemas/BatchCheckItem' },
        minItems: 1,
        maxItems: 100,
      }),
  })
  .strict()
  .openapi('BatchCheckRequest', {
    example: {
      checks: [{ customerId: 'c1', vendor: 'chargebee', featureKey: 'user-licenses', requestedUsage: 5 }],
    },
  });
export type BatchCheckRequest = z.infer<typeof BatchCheckRequestSchema>;

/** A batch item that could not be answered: the batch still succeeds, this item carries its problem. */
export const BatchCheckErrorSchema = z
  .object({
    object: z.literal('entitlement_check_error'),
    customerId: z.string(),
    featureKey: z.string(),
    vendor: nullableRef(VendorIdSchema).openapi({
      description: 'Null when the item did not name a vendor that could be resolved.',
    }),
    error: z.object({
      status: z.number().int(),
      code: z.string(),
      title: z.string(),
      detail: z.string(),
      errors: z
        .array(z.object({ path: z.string(), message: z.string() }))
        .optional()
        .openapi({ description: 'For `validation_failed`: every invalid field of the item.' }),
    }),
  })
  .openapi('BatchCheckError');

export const BatchCheckResponseSchema = z
  .object({
    object: z.literal('batch_check'),
    results: z.array(z.union([CheckResultSchema, BatchCheckErrorSchema])),
  })
  .openapi('BatchCheckResponse');
export type BatchCheckResponse = z.infer<typeof BatchCheckResponseSchema>;
