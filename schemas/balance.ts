import { z } from '@hono/zod-openapi';
import { VendorIdSchema } from './entitlement';
import { pageSize } from './query';

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

/**
 * Fields of a balance that can be range-filtered, in gateway naming. `remaining` is part of the
 * gateway's vocabulary (it is a Balance field) even though Zenskar cannot filter on it: an adapter
 * answers a filter its vendor cannot express with `unsupported_filter` instead of filtering pages
 * locally, which would break "one gateway page = one vendor page".
 */
export const balanceRangeFields = [
  'quantity',
  'usage',
  'remaining',
  'createdAt',
  'activeFrom',
  'expiresAt',
] as const;
export type BalanceRangeField = (typeof balanceRangeFields)[number];

/** Range fields holding numbers; the others hold instants. */
export const numericBalanceRangeFields: readonly BalanceRangeField[] = ['quantity', 'usage', 'remaining'];

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
  /**
   * Range filters: field → operator → value (a number for quantity/usage/remaining, an ISO 8601 UTC
   * instant for dates).
   */
  ranges: Array<{ field: BalanceRangeField; operator: RangeOperator; value: number | string }>;
  search?: string;
  sort?: { key: BalanceSortKey; direction: 'asc' | 'desc' };
  populate: BalancePopulateField[];
  limit: number;
}

/** A range filter's query parameter name in gateway naming: `quantity[gte]`, `expiresAt[lt]`, … */
export type BalanceRangeParameter = `${BalanceRangeField}[${RangeOperator}]`;

/** The query parameter name of one range filter. */
export function balanceRangeParameter(
  field: BalanceRangeField,
  operator: RangeOperator,
): BalanceRangeParameter {
  return `${field}[${operator}]`;
}

const decimalPattern = /^-?\d+(?:\.\d+)?$/;
const operatorWords: Record<RangeOperator, string> = {
  eq: 'equal to',
  gt: 'greater than',
  gte: 'at least',
  lt: 'less than',
  lte: 'at most',
  neq: 'not equal to',
};
const instantSchema = z.iso.datetime({ offset: true });

/**
 * One range filter parameter. Repeatable, so that a filter given twice reaches the adapter, which
 * decides whether its vendor can express both (Zenskar keeps one value per parameter).
 */
function rangeParameterSchema(field: BalanceRangeField, operator: RangeOperator) {
  const numeric = numericBalanceRangeFields.includes(field);
  const value = numeric
    ? z
        .string()
        .regex(decimalPattern, 'must be a decimal number such as 10 or 2.5')
        .refine((text) => Number.isFinite(Number(text)), 'must be a finite number')
    : z
        .string()
        .refine(
          (text) => instantSchema.safeParse(text).success,
          'must be an RFC 3339 date-time such as 2026-01-01T00:00:00Z',
        );
  return z
    .union([value, z.array(value)])
    .transform((values) => (Array.isArray(values) ? values : [values]))
    .optional()
    .openapi({
      type: 'array',
      items: numeric ? { type: 'number' } : { type: 'string', format: 'date-time' },
      description: `Only balances whose \`${field}\` is ${operatorWords[operator]} this value.`,
    });
}

type RangeParameterSchemas = Record<BalanceRangeParameter, ReturnType<typeof rangeParameterSchema>>;

function rangeParameterSchemas(): RangeParameterSchemas {
  const shape: Partial<RangeParameterSchemas> = {};
  for (const field of balanceRangeFields) {
    for (const operator of rangeOperators) {
      shape[balanceRangeParameter(field, operator)] = rangeParameterSchema(field, operator);
    }
  }
  return shape as RangeParameterSchemas;
}

/** A repeatable id filter: one value arrives as a string, several as an array. */
const idFilter = (description: string) => {
  const id = z.string().min(1).max(255);
  return z
    .union([id, z.array(id)])
    .transform((values) => (Array.isArray(values) ? values : [values]))
    .optional()
    .openapi({ type: 'array', items: { type: 'string' }, description });
};

/**
 * `GET /v1/balances` query, in gateway naming (strict: an unknown parameter is a 400). Range filters
 * are `<field>[<operator>]=<value>`; sorting is `sort=<key>` plus `order=asc|desc` (default `asc`);
 * `populate` takes a comma list and may repeat.
 */
export const ListBalancesQuerySchema = z
  .object({
    vendor: VendorIdSchema.optional().openapi({
      description: 'Required when the tenant has more than one vendor.',
    }),
    customerId: idFilter('Only these customers (repeatable).'),
    featureId: idFilter('Only these features, by the vendor’s feature/entitlement id (repeatable).'),
    contractId: idFilter('Only balances granted by these contracts (repeatable).'),
    ...rangeParameterSchemas(),
    search: z
      .string()
      .trim()
      .min(1)
      .max(255)
      .optional()
      .openapi({ description: 'Free text over feature names and descriptions (as the vendor searches).' }),
    sort: z
      .enum(balanceSortKeys)
      .optional()
      .openapi({ description: 'Sort key; the vendor’s default order when absent.' }),
    order: z
      .enum(['asc', 'desc'])
      .optional()
      .openapi({ description: 'Sort direction of `sort` (default `asc`); needs `sort`.' }),
    populate: z
      .union([z.string(), z.array(z.string())])
      .transform((values) =>
        (Array.isArray(values) ? values : [values])
          .flatMap((value) => value.split(','))
          .map((value) => value.trim())
          .filter((value) => value !== ''),
      )
      .pipe(z.array(z.enum(balancePopulateFields)))
      .optional()
      .openapi({
        type: 'string',
        description:
          'Comma list (or repeated) of `customer`, `contract`, `product`, `invoice`, such as `customer,contract`: adds their names (and the customer’s email).',
      }),
    limit: pageSize(100, 50),
    cursor: z.string().min(1).max(4096).optional(),
    include: z
      .enum(['raw'])
      .optional()
      .openapi({ description: '`raw` adds the vendor row behind each balance.' }),
  })
  .strict();
export type ListBalancesQuery = z.infer<typeof ListBalancesQuerySchema>;
