import fc from 'fast-check';
import type { RawResponse } from '../../support/raw-http';
import type { PropertyRequest, PropertyWorld, TenantName } from './property-fixture';
import { markerOf } from './property-fixture';
import { type OracleAllowances, violationsOf } from './response-oracle';

/** A generated request and what the property needs to know about how it was made. */
export interface GeneratedRequest extends PropertyRequest {
  /** For each `cursor` parameter sent: the tenant it was issued to, or null (random, altered). */
  cursors: Array<TenantName | null>;
}

/**
 * Every promise one answer must keep, beyond the shared oracle: no data of the other tenant (its
 * marker) in the answer, nothing of either tenant without a valid key, no page served for a cursor
 * issued to the other tenant, and no secret and no error of the gateway's own in the log lines
 * written meanwhile.
 */
export function tenantViolations(request: GeneratedRequest, status: number, text: string): string[] {
  const problems: string[] = [];
  const markers = { a: markerOf('a'), b: markerOf('b') };
  if (request.as === 'a' && text.includes(markers.b))
    problems.push("tenant A's answer carries tenant B's data");
  if (request.as === 'b' && text.includes(markers.a))
    problems.push("tenant B's answer carries tenant A's data");
  if (request.as === null && (text.includes(markers.a) || text.includes(markers.b)))
    problems.push('an answer without a valid key carries tenant data');
  const foreign =
    request.as === null ? [] : request.cursors.filter((tenant) => tenant !== null && tenant !== request.as);
  if (foreign.length > 0 && status >= 200 && status < 300)
    problems.push(`a cursor issued to the other tenant was accepted (HTTP ${status})`);
  return problems;
}

/** What a suite adds to the shared oracle for its routes. */
export interface RouteOracle {
  /** What the shared oracle allows for this request (a world with vendor outages). */
  allowances?(request: GeneratedRequest): OracleAllowances;
  /** Promises of this route beyond the shared oracle (empty when all are kept). */
  extra?(request: GeneratedRequest, response: RawResponse): string[];
}

function logViolations(
  lines: readonly string[],
  secrets: readonly string[],
  allowances: OracleAllowances = {},
): string[] {
  const problems: string[] = [];
  for (const line of lines) {
    for (const secret of secrets)
      if (line.includes(secret)) problems.push(`a log line carries a secret: ${line.slice(0, 200)}`);
    const parsed = JSON.parse(line) as Record<string, unknown>;
    // Error-level lines are for the gateway's own failures; the documented 501 is logged as one too,
    // and so is a documented vendor outage answer (503/504) where the suite's world has outages.
    const documented =
      parsed['event'] === 'request' &&
      (parsed['status'] === 501 ||
        (allowances.vendorOutages === true && (parsed['status'] === 503 || parsed['status'] === 504)));
    if (parsed['level'] === 'error' && !documented)
      problems.push(`an error was logged: ${line.slice(0, 300)}`);
  }
  return problems;
}

const describeRequest = (request: GeneratedRequest) =>
  `${request.method} ${request.target.slice(0, 300)} as=${request.as ?? 'nobody'} headers=${JSON.stringify(
    request.headers.map(([name, value]) => [name, value.slice(0, 80)]),
  )} body=${JSON.stringify((request.body ?? '').slice(0, 200))}`;

/**
 * Runs the property "this route keeps every promise for every generated request" with the shared
 * seed and run count (fast-check prints the seed and path of a failure, with the shrunk request),
 * and returns how often each status was answered, so each suite can show its generators reached
 * the outcomes that matter.
 */
export async function assertRouteProperty(
  world: PropertyWorld,
  requests: fc.Arbitrary<GeneratedRequest>,
  parameters: fc.Parameters<[GeneratedRequest]>,
  oracle: RouteOracle = {},
): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  const firstLineOfProperty = world.logs.length;
  let outagesAllowed = false;
  await fc.assert(
    fc.asyncProperty(requests, async (request) => {
      const firstLine = world.logs.length;
      const response = await world.send(request);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const allowances = oracle.allowances?.(request) ?? {};
      outagesAllowed ||= allowances.vendorOutages === true;
      const problems = [
        ...violationsOf(request, response, world.secrets, allowances),
        ...tenantViolations(request, response.status, `${response.rawHead}\r\n${response.body}`),
        ...logViolations(world.logs.slice(firstLine), world.secrets, allowances),
        ...(oracle.extra?.(request, response) ?? []),
      ];
      if (problems.length > 0)
        throw new Error(
          `${problems.join('; ')}\n  request: ${describeRequest(request)}\n  answer: ${response.status} ${response.body.slice(0, 300)}`,
        );
    }),
    parameters,
  );
  await world.background.drain();
  // Lines written after their request was judged (background refreshes): this property's only.
  const late = logViolations(world.logs.slice(firstLineOfProperty), world.secrets, {
    vendorOutages: outagesAllowed,
  });
  if (late.length > 0) throw new Error(late.slice(0, 5).join('\n'));
  return statuses;
}
