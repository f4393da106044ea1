import { chargebeeSandboxCredentials } from '../../adapters/chargebee/fixtures';
import { type ChargebeeSimulatorOptions, createChargebeeSimulator } from '../../adapters/chargebee/simulator';
import type { Transport } from '../../adapters/kit/upstream';
import { paygenticSandboxCredentials } from '../../adapters/paygentic/fixtures';
import { createPaygenticSimulator, type PaygenticSimulatorOptions } from '../../adapters/paygentic/simulator';
import { adapterFactories } from '../../adapters/registry';
import { zenskarSandboxCredentials } from '../../adapters/zenskar/fixtures';
import { createZenskarSimulator, type ZenskarSimulatorOptions } from '../../adapters/zenskar/simulator';
import type { Sleep } from '../../src/http/timers';
import { createUndiciTransport } from '../../src/http/undici-transport';
import { createTestGateway, TEST_KEY, type TestClock } from './gateway';
import { type RunningServer, startHttpServer } from './http-server';

/** Options of {@link startVendorStack}. */
export interface VendorStackOptions {
  zenskar?: ZenskarSimulatorOptions;
  paygentic?: PaygenticSimulatorOptions;
  chargebee?: ChargebeeSimulatorOptions;
  /** Extra gateway environment (cache TTLs, limits, REDIS_URL, webhook secrets, …). */
  env?: Record<string, string | undefined>;
  clock?: TestClock;
  /** The upstream client's waits (virtual time); real timers when absent. */
  sleep?: Sleep;
  /** Wraps the real transport (e.g. to see which requests are on the wire). */
  wrapTransport?: (transport: Transport) => Transport;
}

/**
 * The three vendor simulators on real loopback HTTP servers and a gateway (real adapters, undici,
 * resilient upstream client, tiered cache) configured against them with the single-tenant
 * environment variables (`ZENSKAR_API_KEY`, …). The integration suites' common fixture.
 */
export async function startVendorStack(options: VendorStackOptions = {}) {
  const zenskar = createZenskarSimulator(options.zenskar);
  const paygentic = createPaygenticSimulator(options.paygentic);
  const chargebee = createChargebeeSimulator(options.chargebee);
  const servers: RunningServer[] = await Promise.all([
    startHttpServer(zenskar.app),
    startHttpServer(paygentic.app),
    startHttpServer(chargebee.app),
  ]);
  const [zenskarServer, paygenticServer, chargebeeServer] = servers as [
    RunningServer,
    RunningServer,
    RunningServer,
  ];
  const transport = createUndiciTransport();
  const env: Record<string, string | undefined> = {
    GATEWAY_API_KEYS: TEST_KEY,
    ZENSKAR_API_KEY: zenskarSandboxCredentials.apiKey,
    ZENSKAR_ORGANISATION: zenskarSandboxCredentials.organisation,
    ZENSKAR_BASE_URL: zenskarServer.url,
    PAYGENTIC_API_KEY: paygenticSandboxCredentials.apiKey,
    PAYGENTIC_BASE_URL: paygenticServer.url,
    CHARGEBEE_SITE: chargebeeSandboxCredentials.site,
    CHARGEBEE_API_KEY: chargebeeSandboxCredentials.apiKey,
    CHARGEBEE_BASE_URL: `${chargebeeServer.url}/api/v2`,
    // Generous budgets: suites that test the budget set their own.
    CHARGEBEE_REQUESTS_PER_MINUTE: '100000',
    ZENSKAR_REQUESTS_PER_MINUTE: '100000',
    PAYGENTIC_REQUESTS_PER_MINUTE: '100000',
    VENDOR_MAX_CONCURRENCY: '64',
    LOG_LEVEL: 'debug',
    ...options.env,
  };
  const gateway = await createTestGateway({
    env,
    adapterFactories,
    transport: options.wrapTransport === undefined ? transport : options.wrapTransport(transport),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
  });
  return {
    ...gateway,
    env,
    simulators: { zenskar, paygentic, chargebee },
    urls: {
      zenskar: zenskarServer.url,
      paygentic: paygenticServer.url,
      chargebee: `${chargebeeServer.url}/api/v2`,
    },
    async close() {
      await gateway.background.drain();
      await gateway.close();
      await transport.close();
      await Promise.all(servers.map((server) => server.close()));
    },
  };
}

/** GET with the test key, parsing JSON. */
export async function getJson(
  app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> },
  path: string,
  headers: Record<string, string> = {},
) {
  const response = await app.request(path, { headers: { authorization: `Bearer ${TEST_KEY}`, ...headers } });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return {
    response,
    status: response.status,
    body: body as Record<string, unknown> & {
      data?: Array<Record<string, unknown>>;
      nextCursor?: string | null;
    },
  };
}
