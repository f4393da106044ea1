import { z } from '@hono/zod-openapi';
import { VendorIdSchema } from './entitlement';

const vendorCustomerId = z.string().min(1).max(255);

/** `PUT /v1/customers/{customerId}/links`: the app customer's dynamic links (replaces earlier ones). */
export const PutCustomerLinksRequestSchema = z
  .object({
    links: z
      .record(z.string(), vendorCustomerId)
      .refine((links) => Object.keys(links).length > 0, 'must link at least one vendor')
      .openapi({
        type: 'object',
        additionalProperties: { type: 'string', minLength: 1, maxLength: 255 },
        description:
          "Vendor → the customer's id at that vendor. Each id is checked against its vendor's id format.",
        example: { chargebee: 'cb_4711', paygentic: 'cus_a1b2c3' },
      }),
  })
  .strict()
  .openapi('PutCustomerLinksRequest', {
    example: { links: { chargebee: 'cb_4711', paygentic: 'cus_a1b2c3' } },
  });

/** An app customer's links, static and dynamic combined (dynamic wins per vendor). */
export const CustomerLinksSchema = z
  .object({
    object: z.literal('customer_links'),
    customerId: z.string().openapi({ description: 'The app customer id.', example: 'acme' }),
    links: z.partialRecord(VendorIdSchema, vendorCustomerId).openapi({
      type: 'object',
      additionalProperties: { type: 'string' },
      example: { chargebee: 'cb_4711', paygentic: 'cus_a1b2c3' },
    }),
    origins: z.partialRecord(VendorIdSchema, z.enum(['static', 'dynamic'])).openapi({
      type: 'object',
      additionalProperties: { type: 'string', enum: ['static', 'dynamic'] },
      description:
        "Where each link comes from: `static` (configuration: `CUSTOMER_LINKS`, a tenant's `customers`) or `dynamic` (this API, kept in Redis). DELETE removes dynamic links only.",
      example: { chargebee: 'static', paygentic: 'dynamic' },
    }),
  })
  .openapi('CustomerLinks', {
    example: {
      object: 'customer_links',
      customerId: 'acme',
      links: { chargebee: 'cb_4711', paygentic: 'cus_a1b2c3' },
      origins: { chargebee: 'static', paygentic: 'dynamic' },
    },
  });
export type CustomerLinksBody = z.infer<typeof CustomerLinksSchema>;
