import { z } from 'zod';
import { lazy } from '../../adapters/kit/lazy';
import { type EntitlementType, entitlementTypes, type VendorId, vendorIds } from '../../schemas/entitlement';
import { type FallbackPolicy, fallbackPolicySchema } from './fallback-policy';

/**
 * The feature catalogue: the app's own feature names, each mapped onto one feature key per vendor
 * (`FEATURE_CATALOG` for the single env tenant, `features` in a `GATEWAY_CONFIG` tenant):
 *
 * ```json
 * {"seats": {"sources": {"chargebee": "user-licenses", "paygentic": "max_users"}, "merge": "sum",
 *            "fallback": {"hasAccess": true, "limit": 5}}}
 * ```
 *
 * Rules checked here, at start-up (a problem names the entry, never a secret):
 * - every vendor named in `sources` is a known vendor (and, when the tenant's vendors are given, one
 *   the tenant is connected to);
 * - one vendor feature belongs to at most one app feature (the same `chargebee:user-licenses` mapped
 *   by `seats` and by `users` would be counted twice);
 * - app keys are 1–255 characters without `:` — `:` is reserved for the `<vendor>:<key>` spelling
 *   of a vendor feature whose own key collides with an app key (see `featureKeyFor`).
 *
 * The order of an entry's `sources` is its **precedence**: where a merged value cannot be added up
 * (an enum level without `levels`, a config object, a name), the first source in that order that
 * has access wins.
 */

/** How the quantities (`limit`, `usage`) of several vendors combine. */
export const mergeRules = ['sum', 'max'] as const;
export type MergeRule = (typeof mergeRules)[number];

/** One vendor's feature behind an app feature. */
export interface CatalogSource {
  vendor: VendorId;
  /** The vendor's own feature key (Chargebee `feature_id`, Paygentic `featureKey`, Zenskar id). */
  featureKey: string;
}

/** One app feature of the catalogue, validated. */
export interface CatalogEntry {
  /** The app's feature key: what merged and single-vendor answers call this feature. */
  key: string;
  /** Its vendor features, in precedence order (the order written in the configuration). */
  sources: CatalogSource[];
  /** How quantities combine across vendors (default `sum`). */
  merge: MergeRule;
  /** The merged type when the vendors' types disagree; null = the rank rule of the merge engine. */
  type: EntitlementType | null;
  /** Enum levels, lowest first: the highest level any vendor grants wins. Null = precedence order. */
  levels: string[] | null;
  /** Display name of the merged feature; null = the first vendor name in precedence order. */
  name: string | null;
  /**
   * What a check of this feature answers for a vendor that fails with nothing cached (deny, allow,
   * a static value, or problem); null = the tenant's default (`FALLBACK_POLICY`, `fallback.default`).
   */
  fallback: FallbackPolicy | null;
}

/** A validated catalogue, with the lookups the merge engine needs. */
export interface FeatureCatalog {
  /** App features by app key, in configuration order. */
  readonly entries: ReadonlyMap<string, CatalogEntry>;
  /** The app key a vendor feature is mapped to, if any. */
  appKeyOf(vendor: VendorId, vendorFeatureKey: string): string | undefined;
  /** The vendor feature key an app feature maps to at one vendor, if any. */
  vendorKeyOf(appKey: string, vendor: VendorId): string | undefined;
}

const sourceSeparator = '\u0000';

/** Builds the lookups over validated entries. */
export function createFeatureCatalog(entries: readonly CatalogEntry[]): FeatureCatalog {
  const byKey = new Map(entries.map((entry) => [entry.key, entry]));
  const bySource = new Map<string, string>();
  for (const entry of entries)
    for (const source of entry.sources)
      bySource.set(`${source.vendor}${sourceSeparator}${source.featureKey}`, entry.key);
  return {
    entries: byKey,
    appKeyOf: (vendor, vendorFeatureKey) => bySource.get(`${vendor}${sourceSeparator}${vendorFeatureKey}`),
    vendorKeyOf: (appKey, vendor) =>
      byKey.get(appKey)?.sources.find((source) => source.vendor === vendor)?.featureKey,
  };
}

/** The catalogue of a tenant without one: every vendor feature keeps its own key. */
export const emptyFeatureCatalog: FeatureCatalog = createFeatureCatalog([]);

/**
 * The key a vendor feature is answered under:
 * 1. mapped by a catalogue entry → that entry's app key;
 * 2. not mapped, and its key is no app key → its own key (unmapped features of several vendors that
 *    share a key are one feature, merged with the default `sum`);
 * 3. not mapped, but its key is an app key whose entry does not list this vendor feature →
 *    `<vendor>:<key>`: catalogue entries are closed (only the sources they list merge), and the
 *    vendor feature stays visible instead of being hidden or silently counted.
 */
export function featureKeyFor(catalog: FeatureCatalog, vendor: VendorId, vendorFeatureKey: string): string {
  const mapped = catalog.appKeyOf(vendor, vendorFeatureKey);
  if (mapped !== undefined) return mapped;
  return catalog.entries.has(vendorFeatureKey) ? `${vendor}:${vendorFeatureKey}` : vendorFeatureKey;
}

/**
 * The inverse of {@link featureKeyFor}: the feature key of `vendor` that is answered under `appKey`,
 * or undefined when none can be. A catalogue entry is closed (only the vendors it lists); a key
 * outside the catalogue is the vendor's own key, unless the catalogue maps that vendor key to another
 * app key, or it is the `<vendor>:<key>` spelling of a vendor feature colliding with an app key.
 */
export function vendorKeyFor(catalog: FeatureCatalog, vendor: VendorId, appKey: string): string | undefined {
  if (catalog.entries.has(appKey)) return catalog.vendorKeyOf(appKey, vendor);
  const prefix = `${vendor}:`;
  if (appKey.startsWith(prefix)) {
    const own = appKey.slice(prefix.length);
    if (catalog.entries.has(own) && catalog.appKeyOf(vendor, own) === undefined) return own;
  }
  return catalog.appKeyOf(vendor, appKey) === undefined ? appKey : undefined;
}

/** The JSON shape of a catalogue (also the `features` object of a `GATEWAY_CONFIG` tenant); built on first use. */
export const featureCatalogSchema = lazy(() => {
  const featureKeyText = z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters');
  const entrySchema = z
    .object({
      sources: z
        .record(z.string(), featureKeyText)
        .refine((sources) => Object.keys(sources).length > 0, 'must map at least one vendor feature'),
      merge: z.enum(mergeRules).default('sum'),
      type: z.enum(entitlementTypes).optional(),
      levels: z.array(z.string().min(1)).min(1).optional(),
      name: z.string().min(1).max(255).optional(),
      fallback: fallbackPolicySchema.optional(),
    })
    .strict();
  // Schema construction counts against a Worker's start-up: only tenants with a catalogue pay it.
  return z.record(z.string(), entrySchema);
});

/** The outcome of parsing a catalogue: the catalogue, or the problems naming each bad entry. */
export type FeatureCatalogParse =
  | { catalog: FeatureCatalog; problems: [] }
  | { catalog: null; problems: string[] };

/**
 * Validates a catalogue. `variable` prefixes every problem (`FEATURE_CATALOG`,
 * `GATEWAY_CONFIG.tenants.0.features`); `vendors`, when given, are the vendors the tenant is
 * connected to (a source naming another one is a problem too).
 */
export function parseFeatureCatalog(
  input: unknown,
  options: { variable: string; vendors?: readonly VendorId[] },
): FeatureCatalogParse {
  const parsed = featureCatalogSchema().safeParse(input);
  if (!parsed.success) {
    return {
      catalog: null,
      // zod messages describe the expectation, not the input; the path names the entry.
      problems: parsed.error.issues.map((issue) =>
        [options.variable, ...issue.path.map(String)].join('.').concat(`: ${issue.message}`),
      ),
    };
  }
  const problems: string[] = [];
  const owners = new Map<string, string>();
  const entries: CatalogEntry[] = [];
  for (const [key, entry] of Object.entries(parsed.data)) {
    // Checked here rather than by the record's key schema, whose failure says only "Invalid key".
    if (key.length === 0 || key.length > 255 || key.includes(':')) {
      problems.push(
        `${options.variable}.${key}: an app feature key is 1-255 characters without ":" (reserved for <vendor>:<key>)`,
      );
      continue;
    }
    const sources: CatalogSource[] = [];
    for (const [vendorName, featureKey] of Object.entries(entry.sources)) {
      const where = `${options.variable}.${key}.sources.${vendorName}`;
      const vendor = vendorIds.find((known) => known === vendorName);
      if (vendor === undefined) {
        problems.push(`${where}: unknown vendor (known vendors: ${vendorIds.join(', ')})`);
        continue;
      }
      if (options.vendors !== undefined && !options.vendors.includes(vendor)) {
        problems.push(
          `${where}: this tenant has no ${vendor} connection (connected: ${options.vendors.join(', ') || 'none'})`,
        );
        continue;
      }
      const sourceId = `${vendor}${sourceSeparator}${featureKey}`;
      const owner = owners.get(sourceId);
      if (owner !== undefined) {
        problems.push(
          `${where}: the ${vendor} feature "${featureKey}" is already mapped by "${owner}"; a vendor feature belongs to one app feature`,
        );
        continue;
      }
      owners.set(sourceId, key);
      sources.push({ vendor, featureKey });
    }
    if (entry.levels !== undefined && new Set(entry.levels).size !== entry.levels.length)
      problems.push(`${options.variable}.${key}.levels: lists a level twice`);
    entries.push({
      key,
      sources,
      merge: entry.merge,
      type: entry.type ?? null,
      levels: entry.levels ?? null,
      name: entry.name ?? null,
      fallback: entry.fallback ?? null,
    });
  }
  if (problems.length > 0) return { catalog: null, problems };
  return { catalog: createFeatureCatalog(entries), problems: [] };
}

/** Parses a catalogue given as JSON text (the `FEATURE_CATALOG` variable). */
export function parseFeatureCatalogJson(
  text: string,
  options: { variable: string; vendors?: readonly VendorId[] },
): FeatureCatalogParse {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { catalog: null, problems: [`${options.variable}: is not valid JSON`] };
  }
  return parseFeatureCatalog(json, options);
}
