import { vi } from 'vitest';
import { type VendorId, vendorIds } from '../../schemas/entitlement';
import { TEST_CURSOR_SECRET, TEST_KEY, type TestClock } from './gateway';
import { SINGLE_TENANT, type SimulatorOptions, startGatewayStack } from './gateway-stack';
import { vendorTestKit } from './vendor-test-kits';

/**
 * Shared fixture of the resilience suites: a vendor stack with short upstream deadlines, every kind
 * of secret configured (so the suites can prove none of them ever leaves the gateway), and an audit
 * of every log line and response the suites produce.
 */

/** Per-attempt timeout of the suites: ~100x a healthy loopback round trip, so a loaded machine never trips it by accident. */
export const ATTEMPT_TIMEOUT_MS = 1_000;
/** Overall deadline: room for two attempts plus a 1 s `Retry-After`, small enough to keep the suites fast. */
export const DEADLINE_MS = 3_000;
/** Two attempts per call: every retried fault costs exactly two vendor requests, which the suites count. */
export const MAX_ATTEMPTS = 2;
/** How long a "timeout" or "slow body" fault holds its answer: far beyond the attempt timeout. */
export const HOLD_MS = ATTEMPT_TIMEOUT_MS + 3_000;
/** Snapshot freshness and stale window (seconds) in the suites; `STALE_AFTER_MS` lands inside the window. */
export const CACHE_TTL_SECONDS = 60;
export const CACHE_STALE_SECONDS = 600;
export const STALE_AFTER_MS = 2 * CACHE_TTL_SECONDS * 1_000;

/** The route every suite reads through. */
export const LIST_ROUTE = '/v1/customers/:customerId/entitlements';

const REDIS_PASSWORD = 'resilience-redis-password-51c9e2';

/**
 * The gateway environment of the suites. Redis is configured with a password but points at a port
 * nothing listens on: the password is then one more secret the logs must never show (the Redis client
 * logs its connection errors on every stack), the cache runs on its memory tier as it does during a
 * Redis outage, and parallel suites sharing the machine's real Redis cannot disturb these cases.
 * Every vendor's webhook secrets are configured too (the stack's `webhooks`).
 */
export const resilienceEnv: Record<string, string> = {
  UPSTREAM_ATTEMPT_TIMEOUT_MS: String(ATTEMPT_TIMEOUT_MS),
  UPSTREAM_DEADLINE_MS: String(DEADLINE_MS),
  UPSTREAM_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
  CACHE_TTL_SECONDS: String(CACHE_TTL_SECONDS),
  CACHE_STALE_SECONDS: String(CACHE_STALE_SECONDS),
  REDIS_URL: `redis://:${REDIS_PASSWORD}@127.0.0.1:1`,
};

/** Any origin: a connection's secrets do not depend on where its simulator listens. */
const anyOrigin = 'http://127.0.0.1:1';

/**
 * Every secret the suites' gateways hold, listed from the values the suites configure (the vendors'
 * test kits, not the gateway's own list, which is part of what is under test), with the encoded forms
 * they travel in.
 */
export const configuredSecrets: ReadonlyArray<{ name: string; value: string }> = [
  { name: 'gateway API key', value: TEST_KEY },
  { name: 'cursor secret', value: TEST_CURSOR_SECRET },
  ...vendorIds.flatMap((vendor) => {
    const kit = vendorTestKit(vendor);
    return kit.secrets(kit.connection(anyOrigin), kit.webhook.secrets(SINGLE_TENANT));
  }),
  { name: 'Redis password', value: REDIS_PASSWORD },
];

/** Marks text the simulated vendors put in their error bodies: logged (redacted), never returned. */
export const VENDOR_BODY_MARKER = 'vendor-said-this';

/** What the suites need to know about one vendor to break it and read through it. */
export interface VendorTarget {
  vendor: VendorId;
  /** A seeded customer with several entitlements (more than one page at `limit=2`). */
  customerId: string;
  /** Another seeded customer (the breaker suite's probe). */
  otherCustomerId: string;
  /** Well-formed ids the vendor does not know (callers racing the breaker's probe). */
  unknownCustomerIds: readonly [string, string];
  /** The vendor request that loads one customer's entitlement rows (where faults are injected). */
  rowsPath: RegExp;
  /**
   * An error body in the vendor's documented shape that, like a careless vendor, echoes the
   * credentials it was sent: the logs must redact them and the responses must not carry the body.
   */
  errorBody(status: number): string;
}

/** Every registry vendor, from its test kit. */
export const vendorTargets: readonly VendorTarget[] = vendorIds.map((vendor) => {
  const kit = vendorTestKit(vendor);
  const connection = kit.connection(anyOrigin);
  const { header, value } = kit.authorization(connection);
  const echo = `${VENDOR_BODY_MARKER}: request with key ${connection.apiKey} (${header}: ${value}) failed`;
  return {
    vendor,
    customerId: kit.data.customerId,
    otherCustomerId: kit.data.otherCustomerId,
    unknownCustomerIds: kit.data.unknownCustomerIds,
    rowsPath: kit.faults.rowsPath,
    errorBody: (status) => kit.faults.errorBody(status, echo),
  };
});

/** One gateway response as a caller saw it. */
export interface Exchange {
  label: string;
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** Everything a suite's gateways wrote to their logs and sent to their callers. */
export class OutputAudit {
  readonly exchanges: Exchange[] = [];
  readonly #logs: string[][] = [];

  /** Follows a stack's log (lines written later are seen too). */
  track(logs: string[]): void {
    this.#logs.push(logs);
  }

  get logLines(): string[] {
    return this.#logs.flat();
  }

  /** Secrets found anywhere in the output, as `<secret name> in <where>`; empty when clean. */
  leaks(): string[] {
    const found: string[] = [];
    const scan = (where: string, text: string) => {
      for (const secret of configuredSecrets) {
        if (text.includes(secret.value)) found.push(`${secret.name} in ${where}`);
      }
    };
    for (const line of this.logLines) scan(`log line ${line.slice(0, 200)}`, line);
    for (const exchange of this.exchanges) {
      const headers = Object.entries(exchange.headers)
        .map(([name, value]) => `${name}: ${value}`)
        .join('\n');
      scan(`response headers of ${exchange.label}`, headers);
      scan(`response body of ${exchange.label}`, exchange.text);
    }
    return found;
  }
}

/**
 * A resilience stack whose logs the audit follows: every registry vendor's simulator and one gateway
 * configured through the single-tenant variables and `TEST_KEY`, with every vendor's webhook secrets.
 * Without a `clock` it runs on virtual time (test/support/virtual-wire.ts): the attempt timeout,
 * deadline and backoff elapse only while the vendor holds a request, so outcomes never depend on the
 * machine's speed; `stack.clock` moves the cache's and breaker's clock ahead. With a `clock`, the
 * upstream client waits on real timers.
 */
export async function startResilienceStack(
  audit: OutputAudit,
  options: SimulatorOptions & { env?: Record<string, string>; clock?: TestClock } = {},
) {
  const { env, clock, ...simulators } = options;
  const stack = await startGatewayStack({
    simulators,
    apiKey: TEST_KEY,
    webhooks: true,
    env: { LOG_LEVEL: 'debug', ...resilienceEnv, ...env },
    ...(clock === undefined ? { virtualTime: true } : { clock }),
  });
  audit.track(stack.gateway.logs);
  return {
    ...stack.gateway,
    simulators: stack.simulators,
    clock: stack.clock,
    close: stack.close,
  };
}

/** A running resilience stack. */
export type ResilienceStack = Awaited<ReturnType<typeof startResilienceStack>>;

/** A parsed gateway response. */
export interface GatewayReply {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
  requestId: string;
}

/** Calls the gateway with the test key and records the exchange in the audit. */
export async function callGateway(
  stack: ResilienceStack,
  audit: OutputAudit,
  label: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<GatewayReply> {
  const response = await stack.app.request(path, {
    headers: { authorization: `Bearer ${TEST_KEY}`, ...headers },
  });
  const text = await response.text();
  audit.exchanges.push({
    label: `${label} (${path})`,
    status: response.status,
    headers: Object.fromEntries(response.headers),
    text,
  });
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: kept as text.
  }
  return {
    status: response.status,
    headers: response.headers,
    text,
    body,
    requestId: response.headers.get('x-request-id') ?? '',
  };
}

/** The list path of a target's customer, with a small page so signed cursors are produced too. */
export function listPath(vendor: VendorId, customerId: string): string {
  return `/v1/customers/${encodeURIComponent(customerId)}/entitlements?vendor=${vendor}&limit=2`;
}

/** The shape of the gateway's per-request log line. */
export interface RequestLogLine {
  event: 'request';
  level: string;
  requestId: string;
  method: string;
  route: string;
  status: number;
  durationMs: number;
  tenant?: string;
  vendor?: string;
  cache?: string;
  upstream?: { calls: number; attempts: number; durationMs: number; errors: string[] };
}

/** Parsed log lines of a stack (every line is JSON). */
export function parsedLogs(logs: readonly string[]): Array<Record<string, unknown>> {
  return logs.map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The `request` log line of one request; throws when there is none or more than one. */
export function requestLogLine(logs: readonly string[], requestId: string): RequestLogLine {
  const lines = parsedLogs(logs).filter(
    (line) => line['event'] === 'request' && line['requestId'] === requestId,
  );
  if (lines.length !== 1)
    throw new Error(`expected one request log line for ${requestId}, found ${lines.length}`);
  return lines[0] as unknown as RequestLogLine;
}

/** `Server-Timing` entries by name, e.g. `{ total: 'dur=1.2', cache: 'desc="miss"' }`. */
export function serverTiming(headers: Headers): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const part of (headers.get('server-timing') ?? '').split(',')) {
    const [name, ...params] = part.trim().split(';');
    if (name) entries[name] = params.join(';');
  }
  return entries;
}

/** Vendor requests a simulator has received on the target's rows path. */
export function rowsRequests(stack: ResilienceStack, target: VendorTarget): number {
  return stack.simulators[target.vendor].kit.recorded.filter((request) => target.rowsPath.test(request.path))
    .length;
}

/** All vendor requests a simulator has received. */
export function vendorRequests(stack: ResilienceStack, vendor: VendorId): number {
  return stack.simulators[vendor].kit.recorded.length;
}

/** `[featureKey, hasAccess]` of each entitlement on a page: what a caller decides on. */
export function decisions(body: unknown): Array<[string, boolean]> {
  const data = (body as { data?: Array<{ featureKey: string; hasAccess: boolean }> }).data ?? [];
  return data.map((entitlement) => [entitlement.featureKey, entitlement.hasAccess]);
}

/**
 * The simulators report the connection resets and truncations they were told to simulate through
 * the HTTP server's error logging; keep every other console error visible.
 */
export function silenceSimulatedFaults(): () => void {
  const consoleError = console.error.bind(console);
  const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    if (args.some((arg) => String(arg).includes('simulated'))) return;
    consoleError(...args);
  });
  return () => spy.mockRestore();
}
