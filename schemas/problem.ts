import { z } from '@hono/zod-openapi';
import { VendorIdSchema } from './entitlement';

/** One invalid input field, as listed in a 400 problem. */
export const ProblemFieldErrorSchema = z
  .object({
    path: z.string().openapi({ example: 'query.limit' }),
    message: z.string().openapi({ example: 'Too big: expected number to be <=100' }),
  })
  .openapi('ProblemFieldError');

/** RFC 9457 problem details, with the gateway's machine code and request id. */
export const ProblemSchema = z
  .object({
    type: z.string().openapi({ example: 'https://entitlements-gateway.dev/problems/invalid-cursor' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string().openapi({ example: 'invalid_cursor' }),
    requestId: z.string(),
    vendor: VendorIdSchema.optional(),
    errors: z.array(ProblemFieldErrorSchema).optional(),
  })
  .openapi('Problem');
export type Problem = z.infer<typeof ProblemSchema>;
