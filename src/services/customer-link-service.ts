import type { VendorId } from '../../schemas/entitlement';
import { MemoryLru } from '../cache/memory-lru';
import { GatewayError } from '../errors/gateway-error';
import type { CustomerLinkStore } from './customer-link-store';
import {
  type CustomerLinks,
  combineLinks,
  type StaticLinks,
  type VendorCustomerIdValidator,
  type VendorLinks,
  validateLinksRequest,
} from './customer-links';

/**
 * Answers "which vendor accounts is this app customer linked to?" for one tenant, and changes its
 * dynamic links. Static links are in memory; dynamic links are read from the store through a short
 * per-process memo, because every entitlement request asks (most customers have no link, and the
 * answer "none" is memoized too).
 *
 * The memo is the one place links can lag: a change made through this instance is seen at once
 * (the memo entry is replaced), one made through another instance is seen within `freshMs`.
 *
 * Redis down must not take every entitlement read down with it (the cache carries on without Redis,
 * and so do links): when the store fails, a memoized answer is used for up to `staleIfErrorMs` more;
 * with nothing memoized the customer is answered with its static links only (as unlinked when it
 * has none), a warning is logged, and the store is skipped for `retryAfterMs` so an outage costs one
 * failed call per interval, not one per request. Customers whose merged answers must survive a Redis
 * outage belong in the static links. The links routes themselves never degrade: they answer
 * `links_store_unavailable`.
 */

interface MemoEntry {
  links: VendorLinks | null;
  storedAt: number;
}

/** The per-process memo of dynamic links (per isolate on Workers: it holds no I/O object). */
export class LinkMemo {
  private readonly entries: MemoryLru<MemoEntry>;
  /** Until when (epoch ms) the store is skipped after a failure. */
  storeSkippedUntil = 0;

  constructor(maxEntries = 10_000) {
    // Entries are tiny (a few ids): the entry count is the bound that matters.
    this.entries = new MemoryLru({ maxEntries, maxBytes: maxEntries * 1024 });
  }

  get(tenant: string, appCustomerId: string): MemoEntry | undefined {
    return this.entries.get(`${tenant}\u0000${appCustomerId}`);
  }

  set(tenant: string, appCustomerId: string, links: VendorLinks | null, now: number): void {
    this.entries.set(
      `${tenant}\u0000${appCustomerId}`,
      { links, storedAt: now },
      64 + appCustomerId.length * 2,
    );
  }
}

/** What the service needs. */
export interface CustomerLinkServiceOptions {
  tenantId: string;
  /** Vendors the tenant is connected to (links to others are refused). */
  connected: readonly VendorId[];
  staticLinks: StaticLinks;
  /** The dynamic store; null when no Redis is configured (dynamic links are then unavailable). */
  store: CustomerLinkStore | null;
  memo: LinkMemo;
  now(): number;
  validate: VendorCustomerIdValidator;
  /** How long a memoized answer is used without asking the store. Default 5 s. */
  freshMs?: number;
  /** How much longer it is used while the store fails. Default 1 h. */
  staleIfErrorMs?: number;
  /** How long the store is skipped after it failed. Default 5 s. */
  retryAfterMs?: number;
  /** Told when the store failed and a memoized or static-only answer stood in for it. */
  onStoreUnavailable?(error: GatewayError, fallback: 'memoized' | 'static'): void;
}

/** Links of one tenant: resolution for entitlement requests, and the links routes' operations. */
export class CustomerLinkService {
  private readonly freshMs: number;
  private readonly staleIfErrorMs: number;
  private readonly retryAfterMs: number;

  constructor(private readonly options: CustomerLinkServiceOptions) {
    this.freshMs = options.freshMs ?? 5_000;
    this.staleIfErrorMs = options.staleIfErrorMs ?? 60 * 60_000;
    this.retryAfterMs = options.retryAfterMs ?? 5_000;
  }

  /** Whether this tenant can have links at all (a cheap check that skips every lookup). */
  get enabled(): boolean {
    return this.options.store !== null || this.options.staticLinks.size > 0;
  }

  /** The app customer's links (static and dynamic combined), or null: for entitlement requests. */
  async resolve(appCustomerId: string): Promise<CustomerLinks | null> {
    const { store, memo, tenantId } = this.options;
    const staticLinks = this.options.staticLinks.get(appCustomerId);
    if (store === null) return combineLinks(staticLinks, null);
    const now = this.options.now();
    const memoized = memo.get(tenantId, appCustomerId);
    if (memoized !== undefined && now - memoized.storedAt < this.freshMs)
      return combineLinks(staticLinks, memoized.links);
    const usable = memoized !== undefined && now - memoized.storedAt < this.freshMs + this.staleIfErrorMs;
    const fallback = (error: GatewayError) => {
      this.options.onStoreUnavailable?.(error, usable ? 'memoized' : 'static');
      return combineLinks(staticLinks, usable ? (memoized as MemoEntry).links : null);
    };
    if (now < memo.storeSkippedUntil)
      return fallback(new GatewayError('links_store_unavailable', 'The links store failed moments ago.'));
    let dynamic: VendorLinks | null;
    try {
      dynamic = await store.get(tenantId, appCustomerId);
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      memo.storeSkippedUntil = now + this.retryAfterMs;
      return fallback(error);
    }
    memo.set(tenantId, appCustomerId, dynamic, now);
    return combineLinks(staticLinks, dynamic);
  }

  /**
   * What `resolve` answers without waiting (static links only, or a fresh memoized answer), or
   * undefined when the store must be asked (then `resolve`).
   */
  resolveNow(appCustomerId: string): CustomerLinks | null | undefined {
    const { store, memo, tenantId } = this.options;
    const staticLinks = this.options.staticLinks.get(appCustomerId);
    if (store === null) return combineLinks(staticLinks, null);
    const memoized = memo.get(tenantId, appCustomerId);
    if (memoized !== undefined && this.options.now() - memoized.storedAt < this.freshMs)
      return combineLinks(staticLinks, memoized.links);
    return undefined;
  }

  /** The app customer's links read from the store itself (the GET route: no memo). */
  async read(appCustomerId: string): Promise<CustomerLinks | null> {
    const { store, tenantId } = this.options;
    const dynamic = store === null ? null : await store.get(tenantId, appCustomerId);
    if (store !== null) this.options.memo.set(tenantId, appCustomerId, dynamic, this.options.now());
    return combineLinks(this.options.staticLinks.get(appCustomerId), dynamic);
  }

  /** Replaces the app customer's dynamic links (PUT); returns the combined links. */
  async replace(appCustomerId: string, requested: Record<string, string>): Promise<CustomerLinks> {
    const store = this.requireStore();
    const links = validateLinksRequest(requested, this.options);
    await store.put(this.options.tenantId, appCustomerId, links);
    this.options.memo.set(this.options.tenantId, appCustomerId, links, this.options.now());
    return combineLinks(this.options.staticLinks.get(appCustomerId), links) as CustomerLinks;
  }

  /** Removes the app customer's dynamic links (DELETE); static links stay. */
  async remove(appCustomerId: string): Promise<boolean> {
    const store = this.requireStore();
    const removed = await store.delete(this.options.tenantId, appCustomerId);
    this.options.memo.set(this.options.tenantId, appCustomerId, null, this.options.now());
    return removed;
  }

  private requireStore(): CustomerLinkStore {
    if (this.options.store === null) {
      throw new GatewayError(
        'links_store_not_configured',
        'Dynamic customer links need Redis: set REDIS_URL (static links go in CUSTOMER_LINKS or a tenant\'s "customers").',
      );
    }
    return this.options.store;
  }
}
