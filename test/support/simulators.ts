import {
  type VendorConnections,
  type VendorSimulatorOptions,
  type VendorSimulators,
  vendorModule,
} from '../../adapters/registry';
import { type VendorId, vendorIds } from '../../schemas/entitlement';
import { type RunningServer, startHttpServer } from './http-server';
import { vendorTestKit } from './vendor-test-kits';

/** Options of each vendor's simulator (seeded data, the credentials it accepts), by vendor id. */
export type SimulatorOptions = { [V in VendorId]?: VendorSimulatorOptions[V] };

/** Base URLs of the simulators, as a gateway connection names them. */
export type SimulatorUrls = { readonly [V in VendorId]: string };

/** Running simulators. */
export type StartedSimulators = Awaited<ReturnType<typeof startSimulators>>;

/**
 * The simulator of every vendor in the registry on a real loopback HTTP server, the connection each
 * accepts (credentials from its options, else the sandbox's) and the single-tenant environment of a
 * gateway configured against them.
 */
export async function startSimulators(options: SimulatorOptions = {}) {
  const started = await Promise.all(
    vendorIds.map(async (vendor) => {
      const simulator = vendorModule(vendor).sandbox.createSimulator(options[vendor]);
      const server = await startHttpServer(simulator.app);
      const connection = vendorTestKit(vendor).connection(server.url, options[vendor]);
      return { vendor, simulator, server, connection };
    }),
  );
  const byVendor = <T>(pick: (entry: (typeof started)[number]) => T) =>
    Object.fromEntries(started.map((entry) => [entry.vendor, pick(entry)]));
  const servers: RunningServer[] = started.map((entry) => entry.server);
  const simulators = byVendor((entry) => entry.simulator) as VendorSimulators;
  const connections = byVendor((entry) => entry.connection) as VendorConnections;
  const urls = byVendor((entry) => entry.connection.baseUrl) as SimulatorUrls;
  return {
    simulators,
    urls,
    /** The connection each simulator accepts: its base URL and the credentials it checks. */
    connections,
    /** The single-tenant variables of a gateway against these simulators (no gateway key). */
    singleTenantEnv: Object.assign(
      {},
      ...vendorIds.map((vendor) => vendorTestKit(vendor).env(connections[vendor])),
    ) as Record<string, string>,
    /** Forgets what every simulator recorded (requests, faults). */
    resetRecordings() {
      for (const { simulator } of started) simulator.kit.reset();
    },
    async close() {
      await Promise.all(servers.map((server) => server.close()));
    },
  };
}

/** A tenant's `vendors` in `GATEWAY_CONFIG` shape, connected to these simulators (every vendor by default). */
export function tenantVendorsJson(
  started: Pick<StartedSimulators, 'connections'>,
  vendors: readonly VendorId[] = vendorIds,
  extra: { [V in VendorId]?: Partial<VendorConnections[V]> } = {},
): Record<string, unknown> {
  return Object.fromEntries(
    vendors.map((vendor) => [vendor, { ...started.connections[vendor], ...extra[vendor] }]),
  );
}
