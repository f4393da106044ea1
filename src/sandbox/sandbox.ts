import { chargebeeSandboxCredentials } from '../../adapters/chargebee/fixtures';
import { createChargebeeSimulator } from '../../adapters/chargebee/simulator';
import { paygenticSandboxCredentials } from '../../adapters/paygentic/fixtures';
import { createPaygenticSimulator } from '../../adapters/paygentic/simulator';
import { zenskarDemoCustomerIds, zenskarSandboxCredentials } from '../../adapters/zenskar/fixtures';
import { createZenskarSimulator } from '../../adapters/zenskar/simulator';
import { type GatewayConfig, SANDBOX_API_KEY } from '../config';
import { createInProcessTransport } from '../http/in-process-transport';
import type { Transport } from '../http/types';

/**
 * Sandbox mode: with no vendor configured, the real adapters talk, in process, to the built-in
 * vendor simulators seeded with demo customers. Nothing leaves the process, so it runs the same on
 * Node and in workerd, and it exercises the same code paths as production (pagination, mapping,
 * cache, resilience) against the vendors' documented behaviour.
 */

/** Where each simulator pretends to live. Never resolved: the in-process transport routes by origin. */
const sandboxOrigins = {
  zenskar: 'https://zenskar.sandbox.invalid',
  paygentic: 'https://paygentic.sandbox.invalid',
  chargebee: 'https://chargebee.sandbox.invalid',
} as const;

/** Demo ids the banner and the README point at. */
export const sandboxExamples = {
  chargebeeCustomer: 'c1',
  chargebeeFeature: 'user-licenses',
  paygenticCustomer: 'cus_demoAcme',
  /** A feature key the Paygentic demo customer holds (Paygentic keys are the merchant's own spelling). */
  paygenticFeature: 'sso_enabled',
  zenskarCustomer: zenskarDemoCustomerIds.acme,
} as const;

/** The sandbox's simulators and the config and transport that point the adapters at them. */
export function startSandbox(config: GatewayConfig): { config: GatewayConfig; transport: Transport } {
  const zenskar = createZenskarSimulator();
  const paygentic = createPaygenticSimulator();
  const chargebee = createChargebeeSimulator();
  const transport = createInProcessTransport({
    [sandboxOrigins.zenskar]: zenskar.app,
    [sandboxOrigins.paygentic]: paygentic.app,
    [sandboxOrigins.chargebee]: chargebee.app,
  });
  const tenants = config.tenants.map((tenant) => ({
    ...tenant,
    vendors: {
      zenskar: { ...zenskarSandboxCredentials, baseUrl: sandboxOrigins.zenskar },
      paygentic: { ...paygenticSandboxCredentials, baseUrl: sandboxOrigins.paygentic },
      chargebee: {
        ...chargebeeSandboxCredentials,
        baseUrl: `${sandboxOrigins.chargebee}/api/v2`,
        entitlementSource: 'auto' as const,
        consolidateEntitlements: false,
      },
    },
  }));
  return { config: { ...config, tenants }, transport };
}

/** The start-up text of sandbox mode: the key and a few requests to try. */
export function sandboxBanner(baseUrl: string, apiKey: string = SANDBOX_API_KEY): string {
  const auth = `-H 'Authorization: Bearer ${apiKey}'`;
  const { chargebeeCustomer, chargebeeFeature, paygenticCustomer, paygenticFeature, zenskarCustomer } =
    sandboxExamples;
  return [
    '',
    'Entitlements gateway: SANDBOX MODE (no vendor configured; built-in Zenskar, Paygentic and Chargebee simulators)',
    `  API key: ${apiKey}`,
    `  Docs:    ${baseUrl}/docs`,
    '',
    'Try:',
    `  curl -s ${auth} '${baseUrl}/v1/customers/${chargebeeCustomer}/entitlements?vendor=chargebee'`,
    `  curl -s ${auth} '${baseUrl}/v1/customers/${chargebeeCustomer}/entitlements/${chargebeeFeature}?vendor=chargebee&requestedUsage=5'`,
    `  curl -s ${auth} '${baseUrl}/v1/customers/${paygenticCustomer}/entitlements?vendor=paygentic&limit=5'`,
    `  curl -s ${auth} '${baseUrl}/v1/customers/${zenskarCustomer}/entitlements?vendor=zenskar'`,
    `  curl -s ${auth} -H 'Content-Type: application/json' -X POST '${baseUrl}/v1/check' -d '{"checks":[{"customerId":"${chargebeeCustomer}","vendor":"chargebee","featureKey":"xero-integration"},{"customerId":"${paygenticCustomer}","vendor":"paygentic","featureKey":"${paygenticFeature}"}]}'`,
    '',
  ].join('\n');
}
