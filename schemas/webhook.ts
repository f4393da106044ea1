import { z } from '@hono/zod-openapi';
import { VendorIdSchema } from './entitlement';

export const WebhookParamsSchema = z
  .object({ vendor: VendorIdSchema.openapi({ param: { name: 'vendor', in: 'path' } }) })
  .strict();

export const WebhookQuerySchema = z
  .object({
    tenant: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .optional()
      .openapi({
        description:
          'Multi-tenant deployments: the tenant the endpoint belongs to. Without it, each tenant configured for this vendor is tried.',
      }),
  })
  .strict();

/** What the gateway did with a verified webhook. */
export const WebhookReceiptSchema = z
  .object({
    object: z.literal('webhook_receipt'),
    vendor: VendorIdSchema,
    eventId: z.string(),
    eventType: z.string(),
    duplicate: z
      .boolean()
      .openapi({ description: 'The event id was already processed; nothing was done again.' }),
    invalidatedCustomers: z.number().int(),
    catalogInvalidated: z.boolean(),
  })
  .openapi('WebhookReceipt');
