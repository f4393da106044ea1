import { Hono } from 'hono';
import { TEST_KEY, type TestClock } from './gateway';
import { startGatewayInstance } from './gateway-stack';
import { type RunningServer, startHttpServer } from './http-server';

/**
 * Doc fakes: tiny fake vendors written from the vendors' own API references, deliberately NOT from this repository's simulators, so that shapes our
 * simulators never produce (a Chargebee host serving only the one documented endpoint, Zenskar
 * cursors with `+/=`, `next` as an empty string, …) reach the real adapters over real HTTP.
 */

/** One request a fake vendor received. */
export interface ReceivedRequest {
  method: string;
  path: string;
  /** The query as the server decoded it (repeated names keep every value). */
  query: Array<[string, string]>;
  headers: Record<string, string>;
}

/** A fake vendor on a loopback port that records what it was asked. */
export interface FakeVendor {
  app: Hono;
  received: ReceivedRequest[];
  url: string;
  close(): Promise<void>;
}

/** Starts `build(app)` on loopback, recording every request before the fake's own routes see it. */
export async function startFakeVendor(build: (app: Hono) => void): Promise<FakeVendor> {
  const app = new Hono();
  const received: ReceivedRequest[] = [];
  app.use('*', async (c, next) => {
    const url = new URL(c.req.url);
    received.push({
      method: c.req.method,
      path: url.pathname,
      query: [...url.searchParams.entries()],
      headers: Object.fromEntries(c.req.raw.headers.entries()),
    });
    await next();
  });
  build(app);
  const server: RunningServer = await startHttpServer(app);
  return { app, received, url: server.url, close: () => server.close() };
}

/** A gateway (production wiring: undici, resilient upstream client, tiered cache) for `env` ({@link startGatewayInstance}). */
export function startProbeGateway(env: Record<string, string>, clock?: TestClock) {
  return startGatewayInstance({
    env: {
      GATEWAY_API_KEYS: TEST_KEY,
      LOG_LEVEL: 'error',
      // Fail fast: a probe that hits a fault should not wait through production back-off budgets.
      UPSTREAM_MAX_ATTEMPTS: '2',
      ...env,
    },
    ...(clock === undefined ? {} : { clock }),
  });
}

/** Calls the gateway with the test key; parses JSON when the body is JSON. */
export async function gatewayCall(
  app: { request: (path: string, init?: RequestInit) => Response | Promise<Response> },
  path: string,
  init: RequestInit = {},
) {
  const response = await app.request(path, {
    ...init,
    headers: { authorization: `Bearer ${TEST_KEY}`, ...(init.headers as Record<string, string>) },
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: keep the text, the assertion will show it.
  }
  return { status: response.status, headers: response.headers, body: body as Record<string, unknown> };
}

/** The `data` of a list body, keyed by featureKey. */
export function byFeature(body: Record<string, unknown>): Map<string, Record<string, unknown>> {
  const data = (body['data'] ?? []) as Array<Record<string, unknown>>;
  return new Map(data.map((entry) => [String(entry['featureKey']), entry]));
}
