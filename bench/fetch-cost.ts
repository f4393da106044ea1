/**
 * The gateway's own cost per request, without the network: the app built as `npm start` builds it
 * (src/node-app.ts, sandbox mode, metrics included), its `fetch` called in a loop on a few paths, in
 * nanoseconds per call (median and fastest of 7 rounds of 100,000 calls). It sees only the
 * synchronous work of the app (what the hot answers do, and a routed request up to its first
 * `await`), not Node's HTTP parser, the socket writes or the kernel, which `npm run bench` measures;
 * that makes it the steadier figure to compare two versions of the code with: run both, alternated,
 * a few times each (this machine's CPU speed drifts).
 *
 *   npm run bench:fetch     (bundled and run by bench/run.mjs, like the other parts; also part of
 *                            `npm run bench`)
 *
 * Prints one line per path on stderr and, last, the figures as one JSON line on stdout.
 * Requests carry the sandbox demo key; a path the hot path declines is awaited (and counted as
 * routed), every 1,024 calls the loop yields so background work runs.
 */
import { getRequestListener } from '@hono/node-server';
import { BackgroundTasks } from '../src/background-tasks';
import { parseConfig } from '../src/config';
import { createUndiciTransport } from '../src/http/undici-transport';
import { createJsonLogger } from '../src/logger';
import { createNodeApp } from '../src/node-app';

const ROUNDS = 7;
const CALLS = 100_000;
const paths = process.argv.slice(2);
if (paths.length === 0)
  paths.push('/healthz', '/v1/customers/c1/entitlements/user-licenses?vendor=chargebee');

// What serving does first: @hono/node-server installs its lightweight Request and Response.
getRequestListener(() => new Response(null));
const environment = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^(GATEWAY_|REDIS_URL$)/.test(name)),
);
const config = await parseConfig({ ...environment, LOG_LEVEL: 'warn' });
const logger = createJsonLogger({ level: config.logLevel, secrets: config.secrets });
const { app } = createNodeApp({
  config,
  logger,
  background: new BackgroundTasks(logger),
  transport: createUndiciTransport(),
});

const requestFor = (path: string) =>
  new Request(`http://127.0.0.1:8787${path}`, {
    headers: { host: '127.0.0.1:8787', authorization: 'Bearer eg_sandbox_demo_key' },
  });

const rows: Array<{ path: string; medianNs: number; fastestNs: number; routed: number; calls: number }> = [];
for (const path of paths) {
  // The first request verifies the key and loads the snapshot (through the router).
  const first = await app.fetch(requestFor(path));
  if (first.status !== 200) throw new Error(`${path}: HTTP ${first.status} ${await first.text()}`);
  const requests = Array.from({ length: 256 }, () => requestFor(path));
  let routed = 0;
  const run = async (calls: number) => {
    for (let call = 0; call < calls; call++) {
      const answer = app.fetch(requests[call & 255] as Request);
      if (answer instanceof Promise) {
        routed += 1;
        await answer;
      }
      if ((call & 1023) === 1023) await new Promise((resume) => setImmediate(resume));
    }
  };
  await run(CALLS * 2);
  routed = 0;
  const nanoseconds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = process.hrtime.bigint();
    await run(CALLS);
    nanoseconds.push(Number(process.hrtime.bigint() - started) / CALLS);
  }
  nanoseconds.sort((a, b) => a - b);
  const row = {
    path,
    medianNs: Math.round(nanoseconds[ROUNDS >> 1] as number),
    fastestNs: Math.round(nanoseconds[0] as number),
    routed,
    calls: ROUNDS * CALLS,
  };
  rows.push(row);
  process.stderr.write(
    `  ${path}: ${row.medianNs} ns per fetch (median of ${ROUNDS} × ${CALLS.toLocaleString('en')}; fastest ${row.fastestNs}); routed ${routed} of ${row.calls.toLocaleString('en')}\n`,
  );
}
process.stdout.write(`${JSON.stringify({ rounds: ROUNDS, callsPerRound: CALLS, rows })}\n`);
process.exit(0);
