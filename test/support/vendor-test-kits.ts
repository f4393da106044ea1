import type { VendorModules } from '../../adapters/registry';
import type { VendorTestKit } from '../../adapters/vendor-test-kit';
import { type VendorId, vendorIds } from '../../schemas/entitlement';

/** The test kit of each registry vendor, typed by its module. */
export type VendorTestKits = { readonly [V in VendorId]: VendorTestKit<VendorModules[V]> };

/**
 * Loads `adapters/<vendor>/test-kit.ts` of a registry vendor. A convention rather than a second list
 * of imports, so that a vendor's folder is all the shared suites need; each file types its kit
 * against its module, and a missing or mislabelled kit fails here, naming the file.
 */
async function loadTestKit(vendor: VendorId): Promise<VendorTestKit> {
  let loaded: { testKit?: VendorTestKit };
  try {
    loaded = (await import(`../../adapters/${vendor}/test-kit.ts`)) as { testKit?: VendorTestKit };
  } catch (error) {
    throw new Error(`adapters/${vendor}/test-kit.ts is missing or fails to load (see docs/add-a-vendor.md)`, {
      cause: error,
    });
  }
  if (loaded.testKit?.id !== vendor)
    throw new Error(`adapters/${vendor}/test-kit.ts must export \`testKit\` with id '${vendor}'`);
  return loaded.testKit;
}

/** Every registry vendor's test kit, by vendor id. */
export const vendorTestKits = Object.fromEntries(
  await Promise.all(vendorIds.map(async (vendor) => [vendor, await loadTestKit(vendor)] as const)),
) as unknown as VendorTestKits;

/** A vendor's test kit with its types erased (for loops over vendors). */
export function vendorTestKit(vendor: VendorId): VendorTestKit {
  return vendorTestKits[vendor] as unknown as VendorTestKit;
}
