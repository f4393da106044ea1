import { z } from '@hono/zod-openapi';
import { VendorIdSchema } from './entitlement';

const reference = z.object({ id: z.string().nullable(), name: z.string().nullable() }).nullable();

/** One customer's balance of one entitlement, from a vendor's cross-customer listing. */
export const BalanceSchema = z
  .object({
    object: z.literal('balance'),
    vendor: VendorIdSchema,
    id: z.string(),
    customerId: z.string().nullable(),
    customer: z
      .object({ id: z.string().nullable(), name: z.string().nullable(), email: z.string().nullable() })
      .nullable(),
    featureId: z.string().nullable(),
    featureName: z.string().nullable(),
    contract: reference,
    product: reference,
    invoice: reference,
    quantity: z.number().nullable(),
    usage: z.number().nullable(),
    remaining: z.number().nullable(),
    activeFrom: z.string().nullable(),
    expiresAt: z.string().nullable(),
    createdAt: z.string().nullable(),
    event: z.string().nullable(),
    raw: z.unknown().optional(),
  })
  .openapi('Balance');
export type Balance = z.infer<typeof BalanceSchema>;

export const BalanceListSchema = z
  .object({
    object: z.literal('list'),
    data: z.array(BalanceSchema),
    nextCursor: z.string().nullable(),
    totalCount: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'Total matches as the vendor reports it; null when it does not.' }),
  })
  .openapi('BalanceList');
export type BalanceList = z.infer<typeof BalanceListSchema>;

/** Range operators accepted on numeric and date balance filters. */
export const rangeOperators = ['eq', 'gt', 'gte', 'lt', 'lte', 'neq'] as const;
export type RangeOperator = (typeof rangeOperators)[number];

/** Fields of a balance that can be range-filtered, in gateway naming. */
export const balanceRangeFields = ['quantity', 'usage', 'createdAt', 'activeFrom', 'expiresAt'] as const;
export type BalanceRangeField = (typeof balanceRangeFields)[number];

/** Sort keys of a balance listing, in gateway naming. */
export const balanceSortKeys = ['id', 'createdAt', 'quantity', 'usage', 'activeFrom', 'expiresAt'] as const;
export type BalanceSortKey = (typeof balanceSortKeys)[number];

export const balancePopulateFields = ['customer', 'contract', 'product', 'invoice'] as const;
export type BalancePopulateField = (typeof balancePopulateFields)[number];

/** A validated balance query in gateway naming; adapters translate it to their vendor's. */
export interface BalanceQuery {
  customerIds: string[];
  featureIds: string[];
  contractIds: string[];
  /** Range filters: field → operator → value (a number for quantity/usage, an RFC 3339 string for dates). */
  ranges: Array<{ field: BalanceRangeField; operator: RangeOperator; value: number | string }>;
  search?: string;
  sort?: { key: BalanceSortKey; direction: 'asc' | 'desc' };
  populate: BalancePopulateField[];
  limit: number;
}
