/**
 * The throughput benchmark's servers, in one process like a deployment would run them:
 * - a bare Hono app answering `/sized/<bytes>` (GET, and POST reading the request body) with a
 *   precomputed JSON body (UTF-8 bytes) of exactly that many bytes: the floor each gateway answer is compared
 *   with, at the same body size, in the same process and the same run;
 * - the gateway in sandbox mode (in-process vendor simulators) as the Node entry serves it
 *   (src/node-app.ts and the entry's server, metrics included), with logging at `warn` so the
 *   measurement is not a measurement of stdout.
 * Prints one JSON line with both ports, then serves until killed.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { BackgroundTasks } from '../src/background-tasks';
import { parseConfig } from '../src/config';
import { createUndiciTransport } from '../src/http/undici-transport';
import { createJsonLogger } from '../src/logger';
import { createNodeApp } from '../src/node-app';
import { listenNodeServer } from '../src/node-server';
import { sandboxCustomerLinks } from '../src/sandbox/multi-vendor-demo';

/**
 * `{"padding":"xxx…"}` of exactly `bytes` bytes (ASCII), at least the 14 bytes of the empty form,
 * as precomputed UTF-8 bytes: the cheapest way to answer that many bytes, the strictest floor.
 */
function sizedJson(bytes: number): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(JSON.stringify({ padding: 'x'.repeat(Math.max(0, bytes - 14)) }));
}

const bare = new Hono();
const sizedBodies = new Map<number, Uint8Array<ArrayBuffer>>();
const sizedBody = (raw: string) => {
  const bytes = Math.min(Number(raw) || 0, 10_000_000);
  let body = sizedBodies.get(bytes);
  if (body === undefined) {
    body = sizedJson(bytes);
    sizedBodies.set(bytes, body);
  }
  return body;
};
bare.get('/sized/:bytes', (c) =>
  c.body(sizedBody(c.req.param('bytes')), 200, { 'content-type': 'application/json' }),
);
bare.post('/sized/:bytes', async (c) => {
  // Reads the request body like the gateway's batch route must, so the comparison is POST to POST.
  await c.req.text();
  return c.body(sizedBody(c.req.param('bytes')), 200, { 'content-type': 'application/json' });
});

/**
 * The sandbox's links plus `acme-duo`: Acme at Chargebee and Paygentic only, the customer of the
 * "merged check over two vendors" scenario (the demo catalogue's `user-licenses` sums both).
 */
const benchLinks = {
  ...Object.fromEntries(sandboxCustomerLinks),
  'acme-duo': { chargebee: 'cust_acme', paygentic: 'cus_demoAcme' },
};
const config = await parseConfig({
  ...process.env,
  LOG_LEVEL: 'warn',
  CUSTOMER_LINKS: process.env.CUSTOMER_LINKS ?? JSON.stringify(benchLinks),
});
const logger = createJsonLogger({ level: config.logLevel, secrets: config.secrets });
const background = new BackgroundTasks(logger);
// The gateway as `npm start` runs it: the Node entry's composition (Prometheus metrics fed by every
// request included) behind the Node entry's server (its timeouts and in-flight tracking).
const { gateway, fetch } = createNodeApp({
  config,
  logger,
  background,
  transport: createUndiciTransport({ connectTimeoutMs: config.upstream.attemptTimeoutMs }),
});
if (config.redisUrl !== null) await gateway.redisReady(5000);

const barePort = await new Promise<number>((resolve) => {
  serve({ fetch: bare.fetch, hostname: '127.0.0.1', port: 0 }, (info) => resolve(info.port));
});
const { port: gatewayPort } = await listenNodeServer({
  fetch,
  port: 0,
  host: '127.0.0.1',
  settings: config.server,
  logger,
});
console.log(JSON.stringify({ barePort, gatewayPort, redis: config.redisUrl !== null }));

// Exit cleanly on signals so `--cpu-prof` runs can write their profile.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
