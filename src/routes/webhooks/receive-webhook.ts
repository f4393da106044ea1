import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { vendorModule } from '../../../adapters/registry';
import { vendorIds } from '../../../schemas/entitlement';
import { customerIdSchema, isWellFormedText } from '../../../schemas/query';
import { WebhookParamsSchema, WebhookQuerySchema, WebhookReceiptSchema } from '../../../schemas/webhook';
import { GatewayError } from '../../errors/gateway-error';
import { errorResponses } from '../../errors/problem';
import type { AppScope } from '../../gateway';
import { applyWebhookEvent, findVerifiedTenant } from '../../services/webhook-service';
import type { GatewayEnv } from '../openapi-app';
import { respondJson } from '../respond';

export const receiveWebhookRoute = createRoute({
  method: 'post',
  path: '/v1/webhooks/{vendor}',
  operationId: 'receiveWebhook',
  tags: ['Webhooks'],
  summary: 'Receive a vendor event',
  description:
    `Verifies the sender (${vendorIds.map((vendor) => vendorModule(vendor).webhook.scheme).join('; ')}), ` +
    'drops duplicate event ids, and invalidates the cached entitlements of the customers the event concerns. Events that change many customers at once (catalogue edits, impacted subscriptions only given as a download) drop the vendor catalogue and mark every cached customer of that vendor outdated: each reloads on its next read, served stale meanwhile. Authenticated by the vendor signature, not by a gateway key. Answers 503 with `Retry-After` when the invalidation could not reach the shared cache, so the vendor redelivers.',
  request: { params: WebhookParamsSchema, query: WebhookQuerySchema },
  responses: {
    200: {
      description: 'Verified and processed (or a duplicate, ignored).',
      content: { 'application/json': { schema: WebhookReceiptSchema } },
    },
    ...errorResponses(
      'invalid_webhook',
      'validation_failed',
      'webhook_verification_failed',
      'payload_too_large',
      'vendor_unavailable',
      'vendor_timeout',
      'cache_unavailable',
    ),
  },
});

export function registerReceiveWebhook(app: OpenAPIHono<GatewayEnv>, runtime: AppScope): void {
  app.openapi(receiveWebhookRoute, async (c) => {
    const { vendor } = c.req.valid('param');
    const { tenant: tenantId } = c.req.valid('query');
    c.env.vendor = vendor;
    // The size limit is enforced while the body arrives (bodyLimit in app.ts).
    const rawBody = await c.req.text();

    const { tenant, candidates } = await findVerifiedTenant({
      tenants: runtime.config.tenants,
      vendor,
      tenantId,
      delivery: { header: (name) => c.req.header(name), rawBody, now: runtime.clock.now() },
    });
    if (tenant === null) {
      runtime.logger.warn('webhook_rejected', {
        vendor,
        requestId: c.env.requestId,
        configuredTenants: candidates,
      });
      throw new GatewayError('webhook_verification_failed', `The ${vendor} webhook could not be verified.`, {
        vendor,
      });
    }
    c.env.bindTenant(tenant, '');

    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      throw new GatewayError('invalid_webhook', 'The webhook body is not JSON.', { vendor });
    }
    const scope = c.env.services;
    const adapter = runtime.adapterFor(tenant, vendor);
    if (!adapter.resolveWebhook)
      throw new GatewayError('invalid_webhook', `${vendor} webhooks are not supported.`, { vendor });
    const resolved = await adapter.resolveWebhook(body, scope.loadContext(vendor));
    if (!isWellFormedText(resolved.eventId))
      throw new GatewayError('invalid_webhook', 'The webhook event id is not well-formed text.', { vendor });
    // Customer ids come from the sender's JSON: one a route could never carry (empty, too long, a
    // lone surrogate) names no cached entry and would break the cache key, so it is skipped.
    const skipped = resolved.customerIds.filter((id) => !customerIdSchema.safeParse(id).success);
    if (skipped.length > 0)
      runtime.logger.warn('webhook_targets_skipped', {
        vendor,
        requestId: c.env.requestId,
        eventId: resolved.eventId,
        skipped: skipped.length,
        reason: 'invalid customer id',
      });
    const targets = {
      ...resolved,
      customerIds: resolved.customerIds.filter((id) => customerIdSchema.safeParse(id).success),
    };

    const first = await applyWebhookEvent(scope, vendor, targets);
    runtime.logger.info('webhook_processed', {
      vendor,
      tenant: tenant.id,
      eventId: targets.eventId,
      eventType: targets.eventType,
      duplicate: !first,
      customers: targets.customerIds.length,
      catalog: targets.catalogChanged,
    });
    return respondJson(
      c,
      {
        object: 'webhook_receipt' as const,
        vendor,
        eventId: targets.eventId,
        eventType: targets.eventType,
        duplicate: !first,
        invalidatedCustomers: first ? targets.customerIds.length : 0,
        catalogInvalidated: first && targets.catalogChanged,
      },
      200,
      { 'cache-control': 'no-store' },
    );
  });
}
