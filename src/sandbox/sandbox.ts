import type { FetchHandler, Transport } from '../../adapters/kit';
import { vendorModule, vendorNameList } from '../../adapters/registry';
import { type VendorId, vendorIds } from '../../schemas/entitlement';
import { type GatewayConfig, SANDBOX_API_KEY } from '../config';
import { createInProcessTransport } from '../http/in-process-transport';
import { multiVendorBannerLines, withMultiVendorDemo } from './multi-vendor-demo';

/**
 * Sandbox mode: with no vendor configured, the real adapters talk, in process, to the built-in
 * vendor simulators seeded with demo customers. Nothing leaves the process, so it runs the same on
 * Node and in workerd, and it exercises the same code paths as production (pagination, mapping,
 * cache, resilience) against the vendors' documented behaviour. Every vendor of the registry takes
 * part: its module brings the simulator, the connection to it and the demo ids.
 */

/** A demo customer and a feature it holds, per vendor: what the banner, the README and shared suites use. */
export const sandboxExamples: { readonly [V in VendorId]: { customerId: string; featureKey: string } } =
  Object.fromEntries(vendorIds.map((vendor) => [vendor, vendorModule(vendor).sandbox.demo])) as {
    [V in VendorId]: { customerId: string; featureKey: string };
  };

/** The sandbox's simulators and the config and transport that point the adapters at them. */
export function startSandbox(config: GatewayConfig): { config: GatewayConfig; transport: Transport } {
  const handlers: Record<string, FetchHandler> = {};
  const vendors: Record<string, unknown> = {};
  for (const vendor of vendorIds) {
    const { sandbox } = vendorModule(vendor);
    handlers[sandbox.origin] = sandbox.createSimulator().app;
    vendors[vendor] = sandbox.connection(sandbox.origin);
  }
  const transport = createInProcessTransport(handlers);
  const tenants = config.tenants.map((tenant) => ({
    ...withMultiVendorDemo(tenant),
    vendors: vendors as GatewayConfig['tenants'][number]['vendors'],
  }));
  return { config: { ...config, tenants }, transport };
}

/** The start-up text of sandbox mode: the key and a few requests to try. */
export function sandboxBanner(baseUrl: string, apiKey: string = SANDBOX_API_KEY): string {
  const auth = `-H 'Authorization: Bearer ${apiKey}'`;
  const modules = vendorIds.map(vendorModule);
  const checks = modules.map(({ id, sandbox }) => ({
    customerId: sandbox.demo.customerId,
    vendor: id,
    featureKey: sandbox.demo.featureKey,
  }));
  return [
    '',
    `Entitlements gateway: SANDBOX MODE (no vendor configured; built-in ${vendorNameList()} simulators)`,
    `  API key: ${apiKey}`,
    `  Docs:    ${baseUrl}/docs`,
    '',
    'Try:',
    ...modules.flatMap((module) => module.sandbox.bannerLines({ baseUrl, auth }).map((line) => `  ${line}`)),
    ...multiVendorBannerLines(baseUrl, auth).map((line) => `  ${line}`),
    `  curl -s ${auth} -H 'Content-Type: application/json' -X POST '${baseUrl}/v1/check' -d '${JSON.stringify({ checks })}'`,
    '',
  ].join('\n');
}
