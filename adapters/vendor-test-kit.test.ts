import { describe, expect, it } from 'vitest';
import { type VendorId, vendorIds } from '../schemas/entitlement';
import { parseConfig } from '../src/config';
import { createUpstreamClient } from '../src/http/upstream-client';
import { vendorTestKit } from '../test/support/vendor-test-kits';
import type { AdapterFactory, FetchHandler, Transport, VendorConnectionBase } from './kit';
import { AdapterError } from './kit';
import { vendorModule } from './registry';

// Every registry vendor's test kit (adapters/<vendor>/test-kit.ts) against its module: the shared
// suites trust these answers (credentials, variables, signatures, demo data facts), so each is
// checked here through the module's own parsers, verifier and adapter.

const origin = 'http://127.0.0.1:9';

/** The vendor's real adapter over `handler` in process, with `connection`. */
function adapterOver(vendor: VendorId, handler: FetchHandler, connection: VendorConnectionBase) {
  const transport: Transport = (url, init) => Promise.resolve(handler.fetch(new Request(url, init)));
  return (vendorModule(vendor).createAdapter as AdapterFactory<VendorConnectionBase>)({
    connection,
    upstream: createUpstreamClient({
      transport,
      limitsFor: () => ({ requestsPerMinute: 60_000, burst: 1_000, maxConcurrent: 8 }),
    }),
    connectionKey: `test-kit:${vendor}`,
    clock: { now: () => Date.now() },
  });
}

/** The feature keys and names the vendor's adapter reads for a customer. */
async function features(
  vendor: VendorId,
  handler: FetchHandler,
  connection: VendorConnectionBase,
  id: string,
) {
  const adapter = adapterOver(vendor, handler, connection);
  const snapshot = await adapter.loadCustomer(id, { remember: (_namespace, _key, load) => load() });
  return adapter
    .normalize(snapshot, new Date())
    .entitlements.map((entitlement) => `${entitlement.featureKey} ${entitlement.featureName ?? ''}`);
}

describe.each(vendorIds)('%s test kit', (vendor) => {
  const kit = vendorTestKit(vendor);
  const module = vendorModule(vendor);

  it('is the kit of this vendor', () => {
    expect(kit.id).toBe(vendor);
  });

  it('its variables configure exactly its connection and webhook settings', async () => {
    const connection = kit.connection(origin, kit.account('env'));
    const webhook = kit.webhook.secrets('env');
    const config = await parseConfig({
      GATEWAY_API_KEYS: 'kit-test-key-0123456789',
      CURSOR_SECRET: 'kit-test-cursor-secret-0123456789',
      ...kit.env(connection),
      ...kit.webhookEnv(webhook),
    });
    expect(config.tenants[0]?.vendors[vendor]).toEqual(connection);
    expect(config.tenants[0]?.webhooks[vendor]).toEqual(webhook);
  });

  it('its connection and webhook settings are valid tenant JSON, unchanged by parsing', () => {
    const connection = kit.connection(origin, kit.account('json'));
    expect(module.config.tenantConnection.parse(JSON.parse(JSON.stringify(connection)))).toEqual(connection);
    const webhook = kit.webhook.secrets('json');
    expect(module.config.tenantWebhook.parse(webhook)).toEqual(webhook);
  });

  it("an account's simulator accepts its own connection only, seen in the kit's authorization header", async () => {
    const options = kit.account('own');
    const simulator = module.sandbox.createSimulator(options);
    const own = kit.connection(origin, options);
    const sandbox = kit.connection(origin);
    expect(own.apiKey).not.toBe(sandbox.apiKey);
    expect(await features(vendor, simulator.app, own, kit.data.customerId)).not.toEqual([]);
    const { header, value } = kit.authorization(own);
    expect(simulator.kit.recorded.length).toBeGreaterThan(0);
    for (const request of simulator.kit.recorded) expect(request.headers[header]).toBe(value);
    await expect(features(vendor, simulator.app, sandbox, kit.data.customerId)).rejects.toMatchObject({
      code: 'vendor_auth_failed',
    });
  });

  it('lists every secret of a connection and its webhook settings, the values the module redacts among them', () => {
    const connection = kit.connection(origin, kit.account('secrets'));
    const webhook = kit.webhook.secrets('secrets');
    const listed = kit.secrets(connection, webhook).map((secret) => secret.value);
    for (const value of [
      ...module.config.connectionSecrets(connection),
      ...module.config.webhookSecrets(webhook),
    ])
      expect(listed).toContain(value);
    expect(listed).toContain(connection.apiKey);
  });

  it('demo data: the reference customer holds two features or more; the unknown ids are well-formed and unknown', async () => {
    const simulator = module.sandbox.createSimulator();
    const connection = kit.connection(origin);
    expect(module.sandbox.customerIds).toContain(kit.data.customerId);
    expect(module.sandbox.customerIds).toContain(kit.data.otherCustomerId);
    expect((await features(vendor, simulator.app, connection, kit.data.customerId)).length).toBeGreaterThan(
      1,
    );
    for (const id of kit.data.unknownCustomerIds) {
      expect(module.validateCustomerId(id)).toBeNull();
      expect(module.sandbox.customerIds).not.toContain(id);
      if (kit.data.unknownCustomer === 'empty')
        expect(await features(vendor, simulator.app, connection, id)).toEqual([]);
      else
        await expect(features(vendor, simulator.app, connection, id)).rejects.toMatchObject({
          code: 'customer_not_found',
        });
    }
  });

  it('a forgotten customer is answered as an unknown one', async () => {
    const simulator = module.sandbox.createSimulator();
    const connection = kit.connection(origin);
    kit.forgetCustomer(simulator, kit.data.customerId);
    const load = features(vendor, simulator.app, connection, kit.data.customerId);
    if (kit.data.unknownCustomer === 'empty') expect(await load).toEqual([]);
    else await expect(load).rejects.toBeInstanceOf(AdapterError);
  });

  it('marked features carry the marker in what the adapter reads, for every demo customer', async () => {
    const simulator = module.sandbox.createSimulator();
    kit.markFeatures(simulator, 'kitmarker');
    const connection = kit.connection(origin);
    for (const id of module.sandbox.customerIds)
      for (const feature of await features(vendor, simulator.app, connection, id))
        expect(feature, `${id}: ${feature}`).toContain('kitmarker');
  });

  it("faults: the rows path is the one a customer's load asks; error bodies are JSON carrying the message", async () => {
    const simulator = module.sandbox.createSimulator();
    await features(vendor, simulator.app, kit.connection(origin), kit.data.customerId);
    expect(simulator.kit.recorded.some((request) => kit.faults.rowsPath.test(request.path))).toBe(true);
    for (const status of [429, 500, 503])
      expect(JSON.stringify(JSON.parse(kit.faults.errorBody(status, 'kit-message')))).toContain(
        'kit-message',
      );
  });

  it("webhooks: a signed customer event verifies with the tenant's secrets only, and names the customer", async () => {
    const secrets = kit.webhook.secrets('a');
    const other = kit.webhook.secrets('b');
    const nowSeconds = 1_780_000_000;
    const body = kit.webhook.customerChanged(kit.data.customerId, 'evt_kit1', nowSeconds);
    const headers = new Headers(kit.webhook.sign(body, secrets, { nowSeconds, id: 'msg_kit1' }));
    const delivery = {
      header: (name: string) => headers.get(name) ?? undefined,
      rawBody: body,
      now: nowSeconds * 1000,
    };
    expect(await module.webhook.verify(delivery, secrets)).toEqual({ verified: true });
    expect(await module.webhook.verify(delivery, other)).toMatchObject({ verified: false });
    const adapter = adapterOver(vendor, module.sandbox.createSimulator().app, kit.connection(origin));
    const context = { remember: <T>(_namespace: string, _key: string, load: () => Promise<T>) => load() };
    expect(await adapter.resolveWebhook?.(JSON.parse(body), context)).toMatchObject({
      eventId: 'evt_kit1',
      customerIds: [adapter.canonicalCustomerId?.(kit.data.customerId) ?? kit.data.customerId],
    });
  });
});
