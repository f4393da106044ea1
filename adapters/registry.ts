import { type VendorId, vendorIds } from '../schemas/entitlement';
import { chargebeeModule } from './chargebee';
import type {
  AdapterFactory,
  ConnectionOf,
  SimulatorOf,
  SimulatorOptionsOf,
  VendorModule,
  WebhookSecretsOf,
} from './kit';
import { paygenticModule } from './paygentic';
import { stripeModule } from './stripe';
import { zenskarModule } from './zenskar';

// biome-ignore lint/suspicious/noExplicitAny: each module keeps its own connection and secrets types; the registry fixes only the id.
type ModuleOf<V extends VendorId> = VendorModule<V, any, any>;

/**
 * Every vendor the gateway speaks, by id. Exhaustive by type: an id in `vendorIds` without its
 * module is a compile error, not a runtime `undefined`. Config, sandbox, webhooks, limits and the
 * banner loop over this record; adding a vendor is its folder, its id and one line here.
 */
export const vendorModules = {
  zenskar: zenskarModule,
  paygentic: paygenticModule,
  chargebee: chargebeeModule,
  stripe: stripeModule,
} as const satisfies { [V in VendorId]: ModuleOf<V> };

/** The registry's type: one module per vendor id. */
export type VendorModules = typeof vendorModules;

/** The connection settings of each vendor, by vendor id. */
export type VendorConnections = { [V in VendorId]: ConnectionOf<VendorModules[V]> };

/** The webhook secrets of each vendor, by vendor id. */
export type VendorWebhookSecrets = { [V in VendorId]: WebhookSecretsOf<VendorModules[V]> };

/** The simulator of each vendor (its app, kit and store), by vendor id. */
export type VendorSimulators = { [V in VendorId]: SimulatorOf<VendorModules[V]> };

/** The options of each vendor's simulator, by vendor id. */
export type VendorSimulatorOptions = { [V in VendorId]: SimulatorOptionsOf<VendorModules[V]> };

/** The module of a vendor, with its connection and secrets types erased (for loops over vendors). */
export function vendorModule(vendor: VendorId): VendorModule {
  return vendorModules[vendor] as unknown as VendorModule;
}

/** The vendors' names as a sentence lists them: "Zenskar, Paygentic, Chargebee and Stripe". */
export function vendorNameList(): string {
  const names = vendorIds.map((vendor) => vendorModules[vendor].displayName);
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names.join('');
}

/** Every vendor's adapter factory, by vendor id (tests swap single ones for fakes). */
export type AdapterFactories = { [V in VendorId]: AdapterFactory<VendorConnections[V]> };

/** The registry's adapter factories. */
export const adapterFactories = Object.fromEntries(
  vendorIds.map((vendor) => [vendor, vendorModules[vendor].createAdapter]),
) as AdapterFactories;
