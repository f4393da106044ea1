/**
 * The version segment of every cache key. Bump it whenever the shape of a stored value changes
 * (a snapshot field renamed, a namespace's value type changed): old entries then simply stop being
 * read and expire on their own, instead of being parsed as the new shape by a newer deployment
 * that shares the same Redis.
 */
export const CACHE_KEY_VERSION = 'v1';

/** Fixed prefix of every gateway key, so a shared Redis can tell our keys apart. */
const KEY_PREFIX = 'eg';

/** Who an entry belongs to; the namespace is added by the cache namespace that stores it. */
export interface CacheKeyParts {
  /** Tenant id: keeps tenants apart even when their customer ids coincide. */
  tenant: string;
  /** Vendor id (a `VendorId` of the registry). */
  vendor: string;
  /** The entry's own id within its namespace (a customer id, a catalogue name, …). */
  id: string;
}

/** Everything that identifies one cache entry. */
export interface CacheKeyInput extends CacheKeyParts {
  /** Key version; defaults to {@link CACHE_KEY_VERSION}. Tests pass a unique one to isolate runs. */
  version?: string;
  /** What kind of value is stored (`snapshot`, `catalog`, `webhook-event`, …). */
  namespace: string;
}

/** Characters `encodeURIComponent` leaves as they are: a segment of only these needs no call. */
const needsEncoding = /[^A-Za-z0-9\-_.!~*'()]/;

/** `encodeURIComponent`, skipped for a segment it would return unchanged (ids are mostly plain). */
export function encodeKeySegment(segment: string): string {
  return needsEncoding.test(segment) ? encodeURIComponent(segment) : segment;
}

/**
 * Builds the one key format of the gateway: `eg:<version>:<tenant>:<vendor>:<namespace>:<id>`.
 *
 * Every segment is percent-encoded, so a `:` (or a `%`) inside an id or a tenant name cannot make
 * two different entries share a key: a key always has exactly six `:`-separated segments and the
 * encoding is injective.
 */
export function cacheKey(input: CacheKeyInput): string {
  // One template instead of an array mapped and joined: built on every cached read.
  return `${KEY_PREFIX}:${encodeKeySegment(input.version ?? CACHE_KEY_VERSION)}:${encodeKeySegment(input.tenant)}:${encodeKeySegment(input.vendor)}:${encodeKeySegment(input.namespace)}:${encodeKeySegment(input.id)}`;
}

/**
 * The key of the cross-process load lock of `key`. The extra segment cannot collide with a data key,
 * which always has six segments.
 */
export function lockKeyOf(key: string): string {
  return `${key}:lock`;
}

/**
 * The key of the generation marker of one scope (version, tenant, vendor, namespace): the epoch ms
 * at which every entry of that scope stored until then became outdated (a vendor-wide change).
 * Five segments, so it cannot collide with a data key (six) or a lock key (seven).
 */
export function cacheScopeKey(input: Omit<CacheKeyInput, 'id'>): string {
  const segments = [input.version ?? CACHE_KEY_VERSION, input.tenant, input.vendor, input.namespace].map(
    encodeURIComponent,
  );
  return `${KEY_PREFIX}:${segments.join(':')}`;
}

/** The generation marker key of the scope a data key (built by {@link cacheKey}) belongs to. */
export function scopeKeyOf(key: string): string {
  // Segments are percent-encoded, so the last `:` is the one before the id.
  return key.slice(0, key.lastIndexOf(':'));
}

/**
 * The key of one vendor connection's shared request budget: `eg:<version>:<tenant>:<vendor>:budget`.
 * Five segments like a scope marker, so no cache namespace may be named `budget`.
 */
export function budgetKey(input: { version?: string; tenant: string; vendor: string }): string {
  return cacheScopeKey({ ...input, namespace: 'budget' });
}
