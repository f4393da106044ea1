import {
  type DenialReason,
  type Entitlement,
  type EntitlementType,
  type Grant,
  type VendorId,
  vendorIds,
} from '../../schemas/entitlement';
import { type CatalogEntry, type FeatureCatalog, featureKeyFor, type MergeRule } from './feature-catalog';

/**
 * The merge engine: a pure function from each linked vendor's normalized entitlements (and the
 * tenant's feature catalogue) to one entitlement per app feature. It runs at serve time over the
 * vendors' cached snapshots, so a vendor's cache, single-flight, stale-if-error and webhook
 * invalidation keep working per vendor, and a merged answer is never cached on its own.
 *
 * The rules (docs/multi-vendor.md has them as a table; test/unit/services/entitlement-merge.test.ts
 * pins each row):
 * - **keys**: a vendor feature is answered under `featureKeyFor` (its app key, its own key, or
 *   `<vendor>:<key>` on a collision); all vendor features under one key are one entitlement, with
 *   `sources` (one per vendor feature) and each grant naming its `vendor`.
 * - **one source**: the vendor's entitlement unchanged, apart from the key, `customerId` (the app
 *   customer), `sources`, the grants' `vendor` and the catalogue's `name`.
 * - **access** is *any*: `hasAccess` when any source has access; otherwise `reason` is the one
 *   closest to access: `limit_exceeded` > `inactive` > `expired` > `disabled` > `not_entitled`.
 * - **type**: the catalogue's `type`, else the sources' common type, else the highest rank of
 *   `metered` > `numeric` > `enum` > `config` > `boolean` (the most informative).
 * - **quantities** (`numeric`, `metered`) come from the quantified sources that *count*: those with
 *   access or only `limit_exceeded` (a used-up quota is still a quota); when none counts, from all
 *   quantified sources (a denied answer still shows its numbers). `unlimited` wins when a counting
 *   source is unlimited (`limit`, `remaining` null). `sum`: Σ `limit`, Σ `usage`, `remaining` =
 *   Σ each source's `remaining` (its own balance, or `limit - usage`). `max`: largest `limit`,
 *   largest `usage` (the same quota counted by two systems, as in a migration), `remaining`
 *   recomputed as `limit - usage`. `value` is the merged limit as a string (`"unlimited"` when
 *   unlimited), like Chargebee's quantities.
 * - **enum**: with catalogue `levels` (lowest first), the highest level granted by a source with
 *   access (exact spelling, then case-insensitive; unlisted values rank below every level); without
 *   `levels`, or on a tie, precedence order.
 * - **config** (and `value` of `boolean`): the first source in precedence order that has access and
 *   a value; every vendor's value stays in its grants, every vendor's row in `raw`.
 * - **precedence**: the catalogue entry's `sources` order; for keys not in the catalogue the
 *   gateway's vendor order (`vendorIds`).
 * - **window**: `activeFrom`/`activeTo` = earliest start / latest end over the sources that count
 *   (all sources when none counts); any open (null) bound keeps it open.
 * - `featureName`: the catalogue `name`, else the first non-null in precedence order; `unit` the
 *   first non-null in precedence order.
 * - `vendor`: the only vendor behind it, null when several vendors contribute.
 */

/** One vendor's answer for a customer, as normalized by its adapter. */
export interface VendorEntitlements {
  vendor: VendorId;
  /** The customer's id at this vendor (canonical). */
  customerId: string;
  /** Sorted by featureKey, one per vendor feature. */
  entitlements: readonly Entitlement[];
}

/** A vendor entitlement behind a merged one (the check route asks its vendor about soft limits). */
export interface SourceEntitlement {
  vendor: VendorId;
  customerId: string;
  entitlement: Entitlement;
}

/** What to merge. */
export interface MergeInput {
  /** The id the caller asked about (the app customer, or the vendor customer on a plain answer). */
  customerId: string;
  /** The vendors that answered (failed vendors are left out and reported by the caller). */
  vendors: readonly VendorEntitlements[];
  catalog: FeatureCatalog;
}

const reasonPrecedence: readonly DenialReason[] = [
  'limit_exceeded',
  'inactive',
  'expired',
  'disabled',
  'not_entitled',
];
const typeRank: Record<EntitlementType, number> = { boolean: 0, config: 1, enum: 2, numeric: 3, metered: 4 };

const sourcesByEntitlement = new WeakMap<Entitlement, readonly SourceEntitlement[]>();

/** The vendor entitlements a merged entitlement was built from, in precedence order. */
export function sourceEntitlementsOf(entitlement: Entitlement): readonly SourceEntitlement[] {
  return sourcesByEntitlement.get(entitlement) ?? [];
}

const isQuantified = (type: EntitlementType) => type === 'numeric' || type === 'metered';
/** A source whose quota counts: it grants access, or it would but its quota is used up. */
const counts = (entitlement: Entitlement) => entitlement.hasAccess || entitlement.reason === 'limit_exceeded';

function precedenceOf(entry: CatalogEntry | undefined, vendor: VendorId): number {
  if (entry !== undefined) {
    const index = entry.sources.findIndex((source) => source.vendor === vendor);
    if (index >= 0) return index;
  }
  return entry === undefined ? vendorIds.indexOf(vendor) : entry.sources.length + vendorIds.indexOf(vendor);
}

function labelGrants(source: SourceEntitlement): Grant[] {
  return source.entitlement.grants.map((grant) => ({ ...grant, vendor: source.vendor }));
}

function earliestStart(values: ReadonlyArray<string | null>): string | null {
  if (values.length === 0 || values.some((value) => value === null)) return null;
  return (values as string[]).reduce((best, value) => (Date.parse(value) < Date.parse(best) ? value : best));
}

function latestEnd(values: ReadonlyArray<string | null>): string | null {
  if (values.length === 0 || values.some((value) => value === null)) return null;
  return (values as string[]).reduce((best, value) => (Date.parse(value) > Date.parse(best) ? value : best));
}

function mergedType(entry: CatalogEntry | undefined, sources: readonly SourceEntitlement[]): EntitlementType {
  if (entry?.type) return entry.type;
  let best = (sources[0] as SourceEntitlement).entitlement.type;
  for (const { entitlement } of sources)
    if (typeRank[entitlement.type] > typeRank[best]) best = entitlement.type;
  return best;
}

interface Quantities {
  unlimited: boolean;
  limit: number | null;
  usage: number | null;
  remaining: number | null;
  value: string | null;
}

/** `remaining` of one source: its own (a vendor balance), else `limit - usage`, else unknown. */
function remainingOf(entitlement: Entitlement): number | null {
  if (entitlement.remaining !== null) return entitlement.remaining;
  return entitlement.limit === null ? null : entitlement.limit - (entitlement.usage ?? 0);
}

function mergeQuantities(rule: MergeRule, sources: readonly SourceEntitlement[]): Quantities {
  const quantified = sources.map((source) => source.entitlement).filter((entry) => isQuantified(entry.type));
  const counting = quantified.filter(counts);
  const used = counting.length > 0 ? counting : quantified;
  const known = (values: Array<number | null>) => values.filter((value): value is number => value !== null);
  const usages = known(used.map((entry) => entry.usage));
  const usage =
    usages.length === 0
      ? null
      : rule === 'sum'
        ? usages.reduce((total, value) => total + value, 0)
        : Math.max(...usages);
  if (used.some((entry) => entry.unlimited && counts(entry)))
    return { unlimited: true, limit: null, usage, remaining: null, value: 'unlimited' };
  const limits = known(used.map((entry) => entry.limit));
  const limit =
    limits.length === 0
      ? null
      : rule === 'sum'
        ? limits.reduce((total, value) => total + value, 0)
        : Math.max(...limits);
  let remaining: number | null;
  if (rule === 'sum') {
    const each = used.map(remainingOf);
    remaining =
      each.length > 0 && each.every((value) => value !== null)
        ? (each as number[]).reduce((total, value) => total + value, 0)
        : null;
  } else {
    remaining = limit === null ? null : limit - (usage ?? 0);
  }
  return { unlimited: false, limit, usage, remaining, value: limit === null ? null : String(limit) };
}

function levelIndex(levels: readonly string[], value: Entitlement['value']): number {
  if (typeof value !== 'string') return -1;
  const exact = levels.indexOf(value);
  if (exact >= 0) return exact;
  const lower = value.toLowerCase();
  return levels.findIndex((level) => level.toLowerCase() === lower);
}

function mergeEnum(
  entry: CatalogEntry | undefined,
  sources: readonly SourceEntitlement[],
): Entitlement['value'] {
  const granting = sources.filter(
    (source) => source.entitlement.hasAccess && source.entitlement.value !== null,
  );
  const candidates =
    granting.length > 0 ? granting : sources.filter((source) => source.entitlement.value !== null);
  const levels = entry?.levels;
  let best: SourceEntitlement | undefined;
  let bestLevel = -2;
  for (const candidate of candidates) {
    // Strictly higher only: on a tie the earlier source (precedence order) stays.
    const level = levels ? levelIndex(levels, candidate.entitlement.value) : -1;
    if (level > bestLevel) {
      best = candidate;
      bestLevel = level;
    }
  }
  return best?.entitlement.value ?? null;
}

/** The first source in precedence order that has access and a non-null `pick`, else any with one. */
function firstPicked<T>(
  sources: readonly SourceEntitlement[],
  pick: (entitlement: Entitlement) => T | null,
): T | null {
  for (const granting of [true, false]) {
    for (const source of sources) {
      if (granting && !source.entitlement.hasAccess) continue;
      const value = pick(source.entitlement);
      if (value !== null) return value;
    }
  }
  return null;
}

function mergeGroup(
  key: string,
  customerId: string,
  entry: CatalogEntry | undefined,
  sources: readonly SourceEntitlement[],
): Entitlement {
  const labels = {
    featureKey: key,
    customerId,
    sources: sources.map((source) => ({
      vendor: source.vendor,
      customerId: source.customerId,
      featureKey: source.entitlement.featureKey,
    })),
  };
  const [only] = sources;
  if (sources.length === 1 && only !== undefined) {
    return {
      ...only.entitlement,
      ...labels,
      vendor: only.vendor,
      featureName: entry?.name ?? only.entitlement.featureName,
      grants: labelGrants(only),
    };
  }
  const type = mergedType(entry, sources);
  const entitlements = sources.map((source) => source.entitlement);
  const hasAccess = entitlements.some((entitlement) => entitlement.hasAccess);
  let reason: DenialReason | null = null;
  if (!hasAccess) {
    const reasons = new Set(entitlements.map((entitlement) => entitlement.reason ?? 'not_entitled'));
    reason = reasonPrecedence.find((candidate) => reasons.has(candidate)) ?? 'not_entitled';
  }
  const counting = entitlements.filter(counts);
  const windowed = counting.length > 0 ? counting : entitlements;
  let quantities: Quantities = { unlimited: false, limit: null, usage: null, remaining: null, value: null };
  let value: Entitlement['value'] = null;
  let config: Entitlement['config'] = null;
  if (isQuantified(type)) {
    quantities = mergeQuantities(entry?.merge ?? 'sum', sources);
    value = quantities.value;
  } else if (type === 'enum') {
    value = mergeEnum(entry, sources);
  } else if (type === 'config') {
    config = firstPicked(sources, (entitlement) => entitlement.config);
    value = firstPicked(sources, (entitlement) => entitlement.value);
  } else {
    value = firstPicked(sources, (entitlement) => entitlement.value);
  }
  const raws = entitlements.map((entitlement) => entitlement.raw);
  const merged: Entitlement = {
    object: 'entitlement',
    vendor:
      new Set(sources.map((source) => source.vendor)).size === 1 ? (only as SourceEntitlement).vendor : null,
    customerId,
    featureKey: key,
    featureName: entry?.name ?? firstPicked(sources, (entitlement) => entitlement.featureName),
    type,
    hasAccess,
    reason,
    unlimited: quantities.unlimited,
    limit: quantities.limit,
    usage: quantities.usage,
    remaining: quantities.remaining,
    value,
    config,
    unit: firstPicked(sources, (entitlement) => entitlement.unit),
    activeFrom: earliestStart(windowed.map((entitlement) => entitlement.activeFrom)),
    activeTo: latestEnd(windowed.map((entitlement) => entitlement.activeTo)),
    grants: sources.flatMap(labelGrants),
    sources: labels.sources,
  };
  if (raws.every((raw) => raw !== undefined)) merged.raw = raws.flatMap((raw) => raw as unknown[]);
  return merged;
}

/**
 * Merges the vendors' entitlements into one entitlement per feature key, sorted by `featureKey` in
 * code-unit order (the order keyset pagination relies on).
 */
export function mergeEntitlements(input: MergeInput): Entitlement[] {
  const groups = new Map<string, SourceEntitlement[]>();
  for (const vendor of input.vendors) {
    for (const entitlement of vendor.entitlements) {
      const key = featureKeyFor(input.catalog, vendor.vendor, entitlement.featureKey);
      let group = groups.get(key);
      if (group === undefined) {
        group = [];
        groups.set(key, group);
      }
      group.push({ vendor: vendor.vendor, customerId: vendor.customerId, entitlement });
    }
  }
  const keys = [...groups.keys()].sort((left, right) => (left < right ? -1 : left > right ? 1 : 0));
  return keys.map((key) => {
    const entry = input.catalog.entries.get(key);
    const sources = (groups.get(key) as SourceEntitlement[]).sort(
      (left, right) => precedenceOf(entry, left.vendor) - precedenceOf(entry, right.vendor),
    );
    const merged = mergeGroup(key, input.customerId, entry, sources);
    sourcesByEntitlement.set(merged, sources);
    return merged;
  });
}
