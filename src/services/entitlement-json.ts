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

/**
 * The JSON of each answer object, built once: answers the service remembers (entitlement-service.ts)
 * come back as the same objects, so their body is a lookup. Answers are never mutated.
 */
const answerJson = new WeakMap<CheckResult, string>();

/** The JSON of a list page, in the order of the `EntitlementList` schema. */
export function entitlementListJson(page: EntitlementPage): string {
  const data = page.data.map((entitlement) => entitlementJson(entitlement, page.includeRaw)).join(',');
  const merged =
    page.vendors === undefined
      ? ''
      : `,"vendors":${JSON.stringify(page.vendors)},"partial":${page.partial === true}`;
  return `{"object":"list","data":[${data}],"nextCursor":${JSON.stringify(page.nextCursor)},"totalCount":${page.totalCount}${merged}}`;
}

const encoder = new TextEncoder();
const pageBody = new WeakMap<EntitlementPage, Uint8Array<ArrayBuffer>>();
const checkBody = new WeakMap<CheckResult, Uint8Array<ArrayBuffer>>();

/**
 * The list page's JSON as UTF-8 bytes, encoded once per page object. A page can weigh a hundred
 * kilobytes: handing the server bytes spares it measuring and encoding the string on every
 * response. Only the bytes are kept, not the string as well. (A `Response` copies a buffer it is
 * given, so one page's bytes can answer any number of requests.)
 */
export function entitlementListBody(page: EntitlementPage): Uint8Array<ArrayBuffer> {
  let body = pageBody.get(page);
  if (body === undefined) {
    body = encoder.encode(entitlementListJson(page));
    pageBody.set(page, body);
  }
  return body;
}

/** A check result whose `entitlement` is the snapshot's own object (its vendor rows are left out). */
export function checkResultJson(result: CheckResult): string {
  let json = answerJson.get(result);
  if (json === undefined) {
    if (result.entitlement === null) {
      json = JSON.stringify(result);
    } else {
      const { entitlement, ...rest } = result;
      const head = JSON.stringify(rest);
      // `entitlement` is the last field of the schema: splice its memoized JSON in before the brace.
      json = `${head.slice(0, -1)},"entitlement":${entitlementJson(entitlement, false)}}`;
    }
    answerJson.set(result, json);
  }
  return json;
}

/** A check result's JSON as UTF-8 bytes, encoded once per result object (remembered results repeat). */
export function checkResultBody(result: CheckResult): Uint8Array<ArrayBuffer> {
  let body = checkBody.get(result);
  if (body === undefined) {
    body = encoder.encode(checkResultJson(result));
    checkBody.set(result, body);
  }
  return body;
}

const BATCH_HEAD = encoder.encode('{"object":"batch_check","results":[');
const BATCH_TAIL = encoder.encode(']}');
const COMMA = encoder.encode(',');

/**
 * The batch answer's body as UTF-8 bytes: each check result's bytes are encoded once per result
 * object (remembered results repeat) and copied into one buffer, instead of joining a ~100 KB string
 * and encoding it on every request. Byte for byte `JSON.stringify` of the whole answer.
 */
export function batchCheckBody(results: ReadonlyArray<CheckResult | object>): Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = [BATCH_HEAD];
  let length = BATCH_HEAD.byteLength + BATCH_TAIL.byteLength;
  results.forEach((item, index) => {
    const bytes =
      (item as { object?: string }).object === 'entitlement_check'
        ? checkResultBody(item as CheckResult)
        : encoder.encode(JSON.stringify(item));
    if (index > 0) {
      parts.push(COMMA);
      length += 1;
    }
    parts.push(bytes);
    length += bytes.byteLength;
  });
  parts.push(BATCH_TAIL);
  const body = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    body.set(part, offset);
    offset += part.byteLength;
  }
  return body;
}
