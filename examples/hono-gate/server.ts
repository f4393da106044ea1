/**
 * Example: a Hono app that gates a route on an entitlement through the typed client.
 *
 *   npm run build:client        # once: builds entitlements-gateway/client
 *   npm start                   # the gateway in sandbox mode on :3000 (another terminal)
 *   GATEWAY_URL=http://127.0.0.1:3000 npx tsx examples/hono-gate/server.ts
 *   curl -X POST -H 'x-customer-id: c1' 'http://127.0.0.1:4000/seats?count=5'    # 201
 *   curl -X POST -H 'x-customer-id: c1' 'http://127.0.0.1:4000/seats?count=50'   # 403 limit_exceeded
 *
 * `POST /seats?count=N` adds N seats only if the customer's `user-licenses` entitlement allows N
 * more (`requestedUsage`). The caller is named by `x-customer-id` here; a real app takes it from
 * its session.
 */
import { serve } from '@hono/node-server';
import { createGatewayClient, type GatewayClient, GatewayProblemError } from 'entitlements-gateway/client';
import { Hono } from 'hono';

/** The feature that gates seats, and the vendor that holds it. */
export const seatsFeature = { featureKey: 'user-licenses', vendor: 'chargebee' } as const;

/** The example app; the gateway client is passed in so any gateway (or key) can back it. */
export function createSeatsApp(gateway: GatewayClient): Hono {
  const app = new Hono();
  app.post('/seats', async (c) => {
    const customerId = c.req.header('x-customer-id');
    const count = Number(c.req.query('count') ?? '1');
    if (!customerId) return c.json({ error: 'send x-customer-id' }, 401);
    if (!Number.isInteger(count) || count < 1)
      return c.json({ error: 'count must be a positive integer' }, 400);
    try {
      const check = await gateway.checkEntitlement(customerId, seatsFeature.featureKey, {
        vendor: seatsFeature.vendor,
        requestedUsage: count,
      });
      if (!check.hasAccess)
        return c.json({ error: 'upgrade required', reason: check.reason, remaining: check.remaining }, 403);
      return c.json({ added: count, remainingAfter: (check.remaining ?? 0) - count }, 201);
    } catch (error) {
      if (error instanceof GatewayProblemError && error.code === 'customer_not_found')
        return c.json({ error: 'unknown customer' }, 404);
      // Fail closed: without an answer from the gateway, nothing is granted.
      const requestId = error instanceof GatewayProblemError ? error.requestId : undefined;
      return c.json({ error: 'entitlements unavailable, try again', requestId }, 503);
    }
  });
  return app;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const gateway = createGatewayClient({
    baseUrl: process.env.GATEWAY_URL ?? 'http://127.0.0.1:3000',
    apiKey: process.env.GATEWAY_API_KEY ?? 'eg_sandbox_demo_key',
  });
  serve(
    { fetch: createSeatsApp(gateway).fetch, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 4000) },
    (info) => console.log(`seats example listening on http://127.0.0.1:${info.port}`),
  );
}
