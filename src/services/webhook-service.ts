import type { WebhookDelivery, WebhookTargets } from '../../adapters/kit';
import { vendorModule } from '../../adapters/registry';
import type { VendorId } from '../../schemas/entitlement';
import type { TenantConfig } from '../config';

/**
 * The tenant a webhook delivery is from: the first tenant (of the one named, if any) whose secrets
 * for this vendor verify it, by the vendor module's own scheme. Null when none does; `candidates` is
 * how many were tried (for the log, never a tenant id).
 */
export async function findVerifiedTenant(input: {
  tenants: readonly TenantConfig[];
  vendor: VendorId;
  tenantId: string | undefined;
  delivery: WebhookDelivery;
}): Promise<{ tenant: TenantConfig | null; candidates: number }> {
  const { vendor, tenantId, delivery } = input;
  const candidates = input.tenants.filter(
    (tenant) => (tenantId === undefined || tenant.id === tenantId) && tenant.webhooks[vendor] !== undefined,
  );
  const { webhook } = vendorModule(vendor);
  for (const candidate of candidates) {
    const secrets = candidate.webhooks[vendor];
    if (secrets !== undefined && (await webhook.verify(delivery, secrets)).verified)
      return { tenant: candidate, candidates: candidates.length };
  }
  return { tenant: null, candidates: candidates.length };
}

/** What applying an event needs from the request's scope. */
export interface WebhookEffects {
  claimEvent(vendor: VendorId, eventId: string): Promise<boolean>;
  releaseEvent(vendor: VendorId, eventId: string): Promise<void>;
  invalidateCustomer(vendor: VendorId, customerId: string): Promise<void>;
  invalidateCatalog(vendor: VendorId): Promise<void>;
}

/**
 * Applies a verified event once: the first delivery of an event id drops the cached data of the
 * customers it concerns (and the catalogue when it changed); a redelivery does nothing. When the
 * invalidation fails the claim is released, so the vendor's retry is processed. Returns whether this
 * delivery was the first.
 */
export async function applyWebhookEvent(
  effects: WebhookEffects,
  vendor: VendorId,
  targets: WebhookTargets,
): Promise<boolean> {
  const first = await effects.claimEvent(vendor, targets.eventId);
  if (!first) return false;
  try {
    await Promise.all(
      targets.customerIds.map((customerId) => effects.invalidateCustomer(vendor, customerId)),
    );
    if (targets.catalogChanged) await effects.invalidateCatalog(vendor);
  } catch (error) {
    await effects.releaseEvent(vendor, targets.eventId);
    throw error;
  }
  return true;
}
