import type { Transport } from '../../adapters/kit/upstream';
import type { Sleep } from '../../src/http/timers';
import { TEST_KEY, type TestClock } from './gateway';
import { type SimulatorOptions, startGatewayStack } from './gateway-stack';

/** Options of {@link startVendorStack}. */
export interface VendorStackOptions extends SimulatorOptions {
  /** Extra gateway environment (cache TTLs, limits, REDIS_URL, webhook secrets, …). */
  env?: Record<string, string | undefined>;
  clock?: TestClock;
  /** The upstream client's waits (virtual time); real timers when absent. */
  sleep?: Sleep;
  /** Wraps the real transport (e.g. to see which requests are on the wire). */
  wrapTransport?: (transport: Transport) => Transport;
}

/**
 * {@link startGatewayStack} with one gateway configured through the single-tenant environment
 * variables (`ZENSKAR_API_KEY`, …) and `TEST_KEY`, debug logging, the memory tier unless `env` names a
 * `REDIS_URL`; the gateway's fields are spread on the result.
 */
export async function startVendorStack(options: VendorStackOptions = {}) {
  const { env, clock, sleep, wrapTransport, ...simulators } = options;
  const stack = await startGatewayStack({
    simulators,
    apiKey: TEST_KEY,
    env: { LOG_LEVEL: 'debug', ...env },
    ...(clock === undefined ? {} : { clock }),
    ...(sleep === undefined ? {} : { sleep }),
    ...(wrapTransport === undefined ? {} : { wrapTransport }),
  });
  return {
    ...stack.gateway,
    env: stack.env,
    simulators: stack.simulators,
    urls: stack.urls,
    connections: stack.connections,
    close: stack.close,
  };
}

/** GET with the test key, parsing JSON. */
export async function getJson(
  app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> },
  path: string,
  headers: Record<string, string> = {},
) {
  const response = await app.request(path, { headers: { authorization: `Bearer ${TEST_KEY}`, ...headers } });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return {
    response,
    status: response.status,
    body: body as Record<string, unknown> & {
      data?: Array<Record<string, unknown>>;
      nextCursor?: string | null;
    },
  };
}
