import { validateChargebeeCustomerId } from '../../adapters/chargebee/adapter';
import { paygenticCustomerIdPattern } from '../../adapters/paygentic/client';
import { validateStripeCustomerId } from '../../adapters/stripe/client';
import { validateZenskarCustomerId } from '../../adapters/zenskar/adapter';
import type { VendorId } from '../../schemas/entitlement';
import type { VendorCustomerIdValidator } from './customer-links';

/**
 * Each vendor's customer id check, usable before any adapter exists (static links are validated
 * while the configuration is parsed). The same checks as the adapters' `validateCustomerId`
 * (test/unit/multi-vendor/vendor-customer-ids.test.ts keeps them in step). Exhaustive: a new vendor
 * id without its check does not compile.
 */
const validators: Record<VendorId, (customerId: string) => string | null> = {
  zenskar: validateZenskarCustomerId,
  paygentic: (customerId) =>
    paygenticCustomerIdPattern.test(customerId)
      ? null
      : 'A Paygentic customer id is `cus_` followed by letters and digits (for example `cus_a1b2c3`).',
  chargebee: validateChargebeeCustomerId,
  stripe: validateStripeCustomerId,
};

/** Checks a vendor customer id; a message when it cannot exist at that vendor, else null. */
export const validateVendorCustomerId: VendorCustomerIdValidator = (vendor, customerId) =>
  validators[vendor](customerId);
