import type { CheckResult } from '../../schemas/check';
import type { Entitlement } from '../../schemas/entitlement';
import type { EntitlementList } from '../../schemas/page';

/**
 * JSON of normalized entitlements, serialized once per entitlement object. Normalized entitlements
 * are memoized per cached snapshot (until their `changesAt`), so the same objects answer request
 * after request; serializing each once and splicing the strings into the response keeps a large
 * cached page from paying `JSON.stringify` over every grant on every request. The output is
 * byte-for-byte what `JSON.stringify` of the whole body gives.
 */
const withoutRawJson = new WeakMap<Entitlement, string>();
const withRawJson = new WeakMap<Entitlement, string>();

/** The entitlement as JSON, without its vendor rows unless `includeRaw`. */
export function entitlementJson(entitlement: Entitlement, includeRaw: boolean): string {
  const memo = includeRaw ? withRawJson : withoutRawJson;
  let json = memo.get(entitlement);
  if (json === undefined) {
    if (includeRaw) {
      json = JSON.stringify(entitlement);
    } else {
      const { raw: _raw, ...rest } = entitlement;
      json = JSON.stringify(rest);
    }
    memo.set(entitlement, json);
  }
  return json;
}

/** A list page whose `data` holds the snapshot's own entitlement objects (vendor rows included). */
export interface EntitlementPage extends Omit<EntitlementList, 'data'> {
  data: Entitlement[];
  includeRaw: boolean;
}

/** The JSON of a list page, in the order of the `EntitlementList` schema. */
export function entitlementListJson(page: EntitlementPage): string {
  const data = page.data.map((entitlement) => entitlementJson(entitlement, page.includeRaw)).join(',');
  const merged =
    page.vendors === undefined
      ? ''
      : `,"vendors":${JSON.stringify(page.vendors)},"partial":${page.partial === true}`;
  return `{"object":"list","data":[${data}],"nextCursor":${JSON.stringify(page.nextCursor)},"totalCount":${page.totalCount}${merged}}`;
}

/** A check result whose `entitlement` is the snapshot's own object (its vendor rows are left out). */
export function checkResultJson(result: CheckResult): string {
  if (result.entitlement === null) return JSON.stringify(result);
  const { entitlement, ...rest } = result;
  const head = JSON.stringify(rest);
  // `entitlement` is the last field of the schema: splice its memoized JSON in before the brace.
  return `${head.slice(0, -1)},"entitlement":${entitlementJson(entitlement, false)}}`;
}
