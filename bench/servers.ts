/**
 * The benchmark's servers, in one process like a deployment would run them:
 * - a bare Hono app (`GET /` → small JSON): the floor a cached answer is compared with;
 * - the gateway in sandbox mode (in-process vendor simulators) behind @hono/node-server, with
 *   logging at `warn` so the measurement is not a measurement of stdout.
 * Prints one JSON line with both ports, then serves until killed.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { adapterFactories } from '../adapters/registry';
import { createApp } from '../src/app';
import { BackgroundTasks } from '../src/background-tasks';
import { parseConfig } from '../src/config';
import { createGateway } from '../src/gateway';
import { createUndiciTransport } from '../src/http/undici-transport';
import { createJsonLogger } from '../src/logger';
import { startSandbox } from '../src/sandbox/sandbox';

const bare = new Hono();
bare.get('/', (c) => c.json({ status: 'ok', object: 'bare' }));
// A precomputed JSON body of a given size: the floor for answers that are big by nature.
const sizedBodies = new Map<number, string>();
bare.get('/sized/:bytes', (c) => {
  const bytes = Math.min(Number(c.req.param('bytes')) || 0, 10_000_000);
  let body = sizedBodies.get(bytes);
  if (body === undefined) {
    body = JSON.stringify({ padding: 'x'.repeat(Math.max(0, bytes - 14)) });
    sizedBodies.set(bytes, body);
  }
  return c.body(body, 200, { 'content-type': 'application/json' });
});

const config = await parseConfig({ ...process.env, LOG_LEVEL: 'warn' });
const logger = createJsonLogger({ level: config.logLevel, secrets: config.secrets });
const background = new BackgroundTasks(logger);
const sandbox = startSandbox(config);
const platform = createGateway({
  config: sandbox.config,
  logger,
  transport: config.mode === 'sandbox' ? sandbox.transport : createUndiciTransport(),
  adapterFactories,
  redis: { mode: 'shared' },
  background: (promise) => background.add(promise),
});
const gateway = createApp(platform.runtime, () => ({ waitUntil: (promise) => background.add(promise) }));

const listen = (fetch: (request: Request) => Response | Promise<Response>) =>
  new Promise<number>((resolve) => {
    serve({ fetch, hostname: '127.0.0.1', port: 0 }, (info) => resolve(info.port));
  });

const [barePort, gatewayPort] = await Promise.all([listen(bare.fetch), listen(gateway.fetch)]);
console.log(JSON.stringify({ barePort, gatewayPort, redis: config.redisUrl !== null }));

// Exit cleanly on signals so `--cpu-prof` runs can write their profile.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
