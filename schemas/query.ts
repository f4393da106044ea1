import { z } from '@hono/zod-openapi';
import { EntitlementTypeSchema, VendorIdSchema } from './entitlement';

/**
 * Request schemas (strict: an unknown or misspelled parameter is a 400, not silently ignored).
 * Query values arrive as strings; coercions here are applied by the validator.
 */

/** An RFC 3339 instant with an offset; RFC 3339 §5.6 allows a lower-case `t` and `z`, normalized here. */
export const rfc3339Instant = z
  .string()
  .transform((value) => value.toUpperCase())
  .pipe(z.iso.datetime({ offset: true }));

const rfc3339 = rfc3339Instant.openapi({
  type: 'string',
  format: 'date-time',
  // No `example`: "Try it out" pre-fills examples, and a pre-filled instant would silently evaluate
  // at that moment instead of now.
  description: 'RFC 3339 instant to evaluate at, such as `2026-01-01T00:00:00Z` (default: now).',
});

/**
 * A page size in plain decimal digits: `z.coerce.number()` would also accept `0x10`, `1e2` or ` 7`.
 */
export const pageSize = (max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d{1,6}$/, 'Expected a whole number.')
    .transform(Number)
    .pipe(z.number().int().min(1).max(max))
    .default(fallback)
    .openapi({ type: 'integer', minimum: 1, maximum: max, default: fallback });

/** A non-negative quantity in plain decimal notation (`5`, `2.5`); no hex, exponents or blanks. */
const decimalQuantity = z
  .string()
  .regex(/^\d{1,15}(?:\.\d{1,15})?$/, 'Expected a non-negative decimal number such as 5 or 2.5.')
  .transform(Number);

/** A repeatable query parameter: one value arrives as a string, several as an array. */
const repeatable = (inner: z.ZodString) =>
  z
    .union([inner, z.array(inner)])
    .transform((value) => (Array.isArray(value) ? value : [value]))
    .openapi({ type: 'array', items: { type: 'string' } });

/** Whether a string is well-formed UTF-16 (no lone surrogate, which no URL or vendor id can carry). */
export function isWellFormedText(value: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value);
}

/** A customer id as the routes accept it; vendor webhooks' customer ids are held to the same rule. */
export const customerIdSchema = z
  .string()
  .min(1)
  .max(255)
  .refine(isWellFormedText, 'Expected well-formed text (no lone UTF-16 surrogate).');

export const CustomerParamsSchema = z
  .object({
    customerId: customerIdSchema.openapi({ param: { name: 'customerId', in: 'path' }, example: 'c1' }),
  })
  .strict();

export const FeatureParamsSchema = CustomerParamsSchema.extend({
  featureKey: z
    .string()
    .min(1)
    .max(255)
    .openapi({ param: { name: 'featureKey', in: 'path' }, example: 'user-licenses' }),
}).strict();

export const ListEntitlementsQuerySchema = z
  .object({
    vendor: VendorIdSchema.optional().openapi({
      description: 'Required when the tenant has more than one vendor.',
    }),
    limit: pageSize(100, 50),
    // Any string: the cursor codec answers every malformed one with `invalid_cursor`.
    cursor: z.string().optional().openapi({ description: 'The `nextCursor` of the previous page.' }),
    featureKey: repeatable(z.string().min(1).max(255))
      .optional()
      .openapi({ description: 'Only these features (repeatable).' }),
    type: EntitlementTypeSchema.optional(),
    hasAccess: z
      .enum(['true', 'false'])
      .transform((value) => value === 'true')
      .optional(),
    at: rfc3339.optional(),
    include: z
      .enum(['raw'])
      .optional()
      .openapi({ description: '`raw` adds the vendor rows behind each entitlement.' }),
  })
  .strict();

export const CheckQuerySchema = z
  .object({
    vendor: VendorIdSchema.optional(),
    at: rfc3339.optional(),
    requestedUsage: decimalQuantity.optional().openapi({
      type: 'number',
      minimum: 0,
      description: 'How much the caller is about to use, such as `5`.',
    }),
  })
  .strict();

export const VendorQuerySchema = z.object({ vendor: VendorIdSchema.optional() }).strict();
