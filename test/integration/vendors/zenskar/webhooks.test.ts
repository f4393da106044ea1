import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { zenskarDemoCustomerIds } from '../../../../adapters/zenskar/fixtures';
import { ProblemSchema } from '../../../../schemas/problem';
import { WebhookReceiptSchema } from '../../../../schemas/webhook';
import {
  type GatewayInstance,
  parseCacheStatus,
  requestsTo,
  useRouteCacheScope,
  WEBHOOK_CREDENTIALS,
} from '../../../support/route-cache-fixture';

/**
 * `POST /v1/webhooks/zenskar`: HMAC-SHA256 of the raw body with the shared secret in the configured
 * header (computed here with node:crypto, independently of the gateway), the right customer
 * invalidated, duplicates and malformed bodies.
 */

const ENV = { CACHE_TTL_SECONDS: '300', CACHE_STALE_SECONDS: '600' };
const { acme: ACME, globex: GLOBEX } = zenskarDemoCustomerIds;
const { secret: SECRET, header: HEADER } = WEBHOOK_CREDENTIALS.zenskar;

const scope = useRouteCacheScope('webhooks-zenskar', { env: ENV });

const listOf = (customerId: string) => `/v1/customers/${customerId}/entitlements?vendor=zenskar`;
let counter = 0;
const eventId = () => `${scope.tenantId}-evt-${++counter}`;
const hmacHex = (body: string, secret: string = SECRET) =>
  createHmac('sha256', secret).update(body).digest('hex');

function deliver(instance: GatewayInstance, body: string, signature: string | null = hmacHex(body)) {
  return instance.post('/v1/webhooks/zenskar', body, signature === null ? {} : { [HEADER]: signature });
}

function customerEvent(customerId: string, id = eventId()) {
  return { id, body: JSON.stringify({ id, event: 'customer.updated', data: { customer_id: customerId } }) };
}

async function warm(instance: GatewayInstance): Promise<void> {
  for (const customerId of [ACME, GLOBEX]) expect((await instance.get(listOf(customerId))).status).toBe(200);
  scope.simulators.simulators.zenskar.kit.reset();
}

const isCached = async (customerId: string) =>
  (await scope.redis.entry('zenskar', 'snapshot', customerId)) !== undefined;

describe('Zenskar (shared-secret HMAC) webhooks', () => {
  it('an HMAC-signed event invalidates exactly the customer it names', async () => {
    const a = await scope.gateway();
    await warm(a);
    const event = customerEvent(ACME);

    const delivered = await deliver(a, event.body);

    expect(delivered.status).toBe(200);
    expect(WebhookReceiptSchema.parse(delivered.body)).toEqual({
      object: 'webhook_receipt',
      vendor: 'zenskar',
      eventId: event.id,
      eventType: 'customer.updated',
      duplicate: false,
      invalidatedCustomers: 1,
      catalogInvalidated: false,
    });
    expect(await isCached(ACME)).toBe(false);
    expect(await isCached(GLOBEX)).toBe(true);

    const kit = scope.simulators.simulators.zenskar.kit;
    const reloaded = await a.get(listOf(ACME));
    const untouched = await a.get(listOf(GLOBEX));
    expect(parseCacheStatus(reloaded.response.headers.get('cache-status'))).toMatchObject({ fwd: 'miss' });
    expect(parseCacheStatus(untouched.response.headers.get('cache-status'))).toMatchObject({ hit: true });
    expect(requestsTo(kit, `/entitlements/customer/${ACME}`)).toHaveLength(1);
    expect(requestsTo(kit, `/entitlements/customer/${GLOBEX}`)).toHaveLength(0);
  });

  it('accepts the signature as `sha256=<hex>` and as base64 too', async () => {
    const a = await scope.gateway();
    await warm(a);
    const first = customerEvent(ACME);
    const second = customerEvent(GLOBEX);

    const prefixed = await deliver(a, first.body, `sha256=${hmacHex(first.body)}`);
    const base64 = await deliver(
      a,
      second.body,
      createHmac('sha256', SECRET).update(second.body).digest('base64'),
    );

    expect(prefixed.body).toMatchObject({ invalidatedCustomers: 1 });
    expect(base64.body).toMatchObject({ invalidatedCustomers: 1 });
    expect(await isCached(ACME)).toBe(false);
    expect(await isCached(GLOBEX)).toBe(false);
  });

  it('a bad signature, another secret, a signature of another body or none: 401, nothing invalidated', async () => {
    const a = await scope.gateway();
    await warm(a);
    const event = customerEvent(ACME);

    const attempts = await Promise.all([
      deliver(a, event.body, hmacHex(event.body, 'not-the-shared-secret')),
      deliver(a, event.body, hmacHex(customerEvent(GLOBEX).body)),
      deliver(a, event.body, 'zz'),
      deliver(a, event.body, null),
    ]);

    for (const rejected of attempts) {
      expect(rejected.status).toBe(401);
      expect(ProblemSchema.parse(rejected.body)).toMatchObject({
        code: 'webhook_verification_failed',
        vendor: 'zenskar',
      });
    }
    expect(await isCached(ACME)).toBe(true);
    expect(await isCached(GLOBEX)).toBe(true);
  });

  it('a duplicate event id is acknowledged as a duplicate and invalidates nothing a second time', async () => {
    const a = await scope.gateway();
    await warm(a);
    const event = customerEvent(ACME);
    expect((await deliver(a, event.body)).body).toMatchObject({ duplicate: false });
    await a.get(listOf(ACME));
    const kit = scope.simulators.simulators.zenskar.kit;
    kit.reset();

    const again = await deliver(a, event.body);

    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ eventId: event.id, duplicate: true, invalidatedCustomers: 0 });
    expect(await isCached(ACME)).toBe(true);
    const cached = await a.get(listOf(ACME));
    expect(parseCacheStatus(cached.response.headers.get('cache-status'))).toMatchObject({ hit: true });
    expect(kit.recorded).toHaveLength(0);
  });

  it('malformed JSON (or a body without an event id) with a valid signature: 400 invalid_webhook, nothing invalidated', async () => {
    const a = await scope.gateway();
    await warm(a);

    for (const body of [
      `{"id":"x","data":{"customer_id":"${ACME}"`,
      JSON.stringify({ data: { customer_id: ACME } }),
    ]) {
      const rejected = await deliver(a, body);
      expect(rejected.status).toBe(400);
      expect(ProblemSchema.parse(rejected.body)).toMatchObject({
        code: 'invalid_webhook',
        vendor: 'zenskar',
      });
    }
    expect(await isCached(ACME)).toBe(true);
  });
});
