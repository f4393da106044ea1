import { z } from '@hono/zod-openapi';

export const HealthSchema = z.object({ status: z.literal('ok') }).openapi('Health');

export const ReadinessSchema = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    mode: z.enum(['configured', 'sandbox']),
    checks: z.record(z.string(), z.string()).openapi({ example: { config: 'ok', redis: 'up' } }),
  })
  .openapi('Readiness');
