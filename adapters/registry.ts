import type { VendorId } from '../schemas/entitlement';
import { createChargebeeAdapter } from './chargebee';
import { createPaygenticAdapter } from './paygentic';
import type { AdapterFactory } from './spec';
import { createZenskarAdapter } from './zenskar';

/**
 * Every vendor's adapter factory. Exhaustive by type: adding a vendor id without its adapter is a
 * compile error, not a runtime `undefined`.
 */
export const adapterFactories: { [V in VendorId]: AdapterFactory<V> } = {
  zenskar: createZenskarAdapter,
  paygentic: createPaygenticAdapter,
  chargebee: createChargebeeAdapter,
};
