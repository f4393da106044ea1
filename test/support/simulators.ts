import { chargebeeSandboxCredentials } from '../../adapters/chargebee/fixtures';
import { type ChargebeeSimulatorOptions, createChargebeeSimulator } from '../../adapters/chargebee/simulator';
import { paygenticSandboxCredentials } from '../../adapters/paygentic/fixtures';
import { createPaygenticSimulator, type PaygenticSimulatorOptions } from '../../adapters/paygentic/simulator';
import { zenskarSandboxCredentials } from '../../adapters/zenskar/fixtures';
import { createZenskarSimulator, type ZenskarSimulatorOptions } from '../../adapters/zenskar/simulator';
import type { VendorId } from '../../schemas/entitlement';
import { type RunningServer, startHttpServer } from './http-server';

/** Options of the three simulators (seeded data, the credentials they accept). */
export interface SimulatorOptions {
  zenskar?: ZenskarSimulatorOptions;
  paygentic?: PaygenticSimulatorOptions;
  chargebee?: ChargebeeSimulatorOptions;
}

/** Base URLs of the simulators, as a gateway connection names them. */
export interface SimulatorUrls {
  zenskar: string;
  paygentic: string;
  chargebee: string;
}

/** Running simulators. */
export type StartedSimulators = Awaited<ReturnType<typeof startSimulators>>;

/**
 * The three vendor simulators on real loopback HTTP servers, with the credentials they accept and
 * the single-tenant environment of a gateway configured against them.
 */
export async function startSimulators(options: SimulatorOptions = {}) {
  const zenskar = createZenskarSimulator(options.zenskar);
  const paygentic = createPaygenticSimulator(options.paygentic);
  const chargebee = createChargebeeSimulator(options.chargebee);
  const servers = (await Promise.all([
    startHttpServer(zenskar.app),
    startHttpServer(paygentic.app),
    startHttpServer(chargebee.app),
  ])) as [RunningServer, RunningServer, RunningServer];
  const [zenskarServer, paygenticServer, chargebeeServer] = servers;
  const urls: SimulatorUrls = {
    zenskar: zenskarServer.url,
    paygentic: paygenticServer.url,
    chargebee: `${chargebeeServer.url}/api/v2`,
  };
  const credentials = {
    zenskar: { ...(options.zenskar?.credentials ?? zenskarSandboxCredentials) },
    paygentic: { apiKey: options.paygentic?.apiKey ?? paygenticSandboxCredentials.apiKey },
    chargebee: {
      site: chargebeeSandboxCredentials.site,
      apiKey: options.chargebee?.apiKey ?? chargebeeSandboxCredentials.apiKey,
    },
  };
  return {
    simulators: { zenskar, paygentic, chargebee },
    urls,
    credentials,
    /** The single-tenant variables of a gateway against these simulators (no gateway key). */
    singleTenantEnv: {
      ZENSKAR_API_KEY: credentials.zenskar.apiKey,
      ZENSKAR_ORGANISATION: credentials.zenskar.organisation,
      ZENSKAR_BASE_URL: urls.zenskar,
      PAYGENTIC_API_KEY: credentials.paygentic.apiKey,
      PAYGENTIC_BASE_URL: urls.paygentic,
      CHARGEBEE_SITE: credentials.chargebee.site,
      CHARGEBEE_API_KEY: credentials.chargebee.apiKey,
      CHARGEBEE_BASE_URL: urls.chargebee,
    } as Record<string, string>,
    /** Forgets what every simulator recorded (requests, faults). */
    resetRecordings() {
      zenskar.kit.reset();
      paygentic.kit.reset();
      chargebee.kit.reset();
    },
    async close() {
      await Promise.all(servers.map((server) => server.close()));
    },
  };
}

/** A tenant's `vendors` in `GATEWAY_CONFIG` shape, connected to these simulators. */
export function tenantVendorsJson(
  started: Pick<StartedSimulators, 'urls' | 'credentials'>,
  vendors: readonly VendorId[] = ['zenskar', 'paygentic', 'chargebee'],
  extra: Partial<Record<VendorId, Record<string, unknown>>> = {},
): Record<string, unknown> {
  const connections: Record<string, unknown> = {};
  if (vendors.includes('zenskar'))
    connections['zenskar'] = {
      ...started.credentials.zenskar,
      baseUrl: started.urls.zenskar,
      ...extra.zenskar,
    };
  if (vendors.includes('paygentic'))
    connections['paygentic'] = {
      ...started.credentials.paygentic,
      baseUrl: started.urls.paygentic,
      ...extra.paygentic,
    };
  if (vendors.includes('chargebee'))
    connections['chargebee'] = {
      ...started.credentials.chargebee,
      baseUrl: started.urls.chargebee,
      ...extra.chargebee,
    };
  return connections;
}
