/**
 * The soak: `npm run soak [-- --seconds 180 --concurrency 12 --seed 17]`. Bounded in time and count,
 * loopback only, stops by itself.
 *
 * - Two gateway instances: child processes of the built Node entry (`node dist/node.mjs`), sharing a
 *   throwaway `redis-server` on a free port (no persistence), configured with two tenants.
 * - Every vendor of the registry, for each tenant: its simulator (demo data, each feature name or key
 *   marked with the tenant) over loopback HTTP, behind a fault layer that fails 10% of the requests
 *   (500, 503, 429 with Retry-After, a 200 that is not JSON, an answer slower than one attempt).
 * - Phases: `steady`; `slow-vendor` (one vendor answers slower than the gateway's deadline, 30 s);
 *   `between`; `redis-restart` (the Redis server is stopped and started again, empty); `recovery`.
 * - Truth: before the run, every demo customer's list is read through a gateway instance in this
 *   process with no faults and no Redis; the data does not change during the run, so every 200 must
 *   match it (features, hasAccess, names: a tenant mix-up shows as the other tenant's marker).
 *
 * Prints requests, status mix and p50/p99 per phase, each instance's memory after a full GC (heap,
 * external, RSS) at the end of warm-up, of the first phase and of the run, and exits 1 on any 500,
 * any unanswered request (no answer within the client timeout, or a broken connection), any wrong
 * answer against the truth, any answer carrying the other tenant's data, or growth of the live heap
 * or of the RSS outside the heap over the stated bounds.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { Socket } from 'node:net';
import { serve } from '@hono/node-server';
import type { FetchHandler } from '../adapters/kit';
import { adapterFactories, vendorModule } from '../adapters/registry';
import { type VendorId, vendorIds } from '../schemas/entitlement';
import { freePort } from '../scripts/free-port.mjs';
import { sha256Hex } from '../src/config';
import { createUndiciTransport } from '../src/http/undici-transport';
import { createTestGateway } from '../test/support/gateway';
import { knownCustomers, type TenantName, vendorKits } from '../test/support/marked-simulators';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const SECONDS = option('seconds', 180);
const CONCURRENCY = option('concurrency', 12);
const SEED = option('seed', 17);
/** A hard cap on requests, whatever the machine's speed. */
const MAX_REQUESTS = option('max-requests', 400_000);
const FAULT_RATE = 0.1;
const ATTEMPT_TIMEOUT_MS = 1000;
const DEADLINE_MS = 2500;
/** Slower than the deadline: every request to the slow vendor times out. */
const SLOW_MS = DEADLINE_MS + 1500;
const SLOW_VENDOR: VendorId = vendorIds[0] as VendorId;
/** A request without an answer after this long is "unanswered". */
const CLIENT_TIMEOUT_MS = 15_000;
/**
 * Stated bound on what an instance retains: its heap after a full GC may grow by at most this much
 * between the end of warm-up and the end. What may legitimately grow is bounded state: the memory
 * tier (negative entries for the run's unknown-customer ids, at most 10,000 entries), remembered
 * answers and metric label sets; measured at a few MiB. A leak of 200 bytes per request crosses it
 * within 130,000 requests.
 */
const HEAP_GROWTH_BOUND_MB = 24;
/**
 * Stated bound on the growth of RSS outside V8's heap (RSS minus the heap V8 has reserved, after a
 * full GC), from the end of warm-up to the end: native memory (buffers, sockets, the allocator) that
 * the heap figure does not see. Measured +37 to +76 MiB in a 60-s run (57,000 requests), and RSS grew
 * as much in a 180-s run (171,000): it does not grow with the number of requests, so it is the
 * allocator sizing its arenas to the load, not a leak (within ±13 MiB since the hot answers cut the
 * allocation per request). A native leak of 1 KiB per request would add 180 MiB over a full run.
 */
const NATIVE_GROWTH_BOUND_MB = 128;
const root = new URL('..', import.meta.url).pathname;
const CURSOR_SECRET = 'soak-cursor-secret-0123456789abcdef';
const marker = (tenant: TenantName) => `soaktenant${tenant}`;
const other = (tenant: TenantName): TenantName => (tenant === 'a' ? 'b' : 'a');

/** mulberry32: the soak's traffic and faults are reproducible from `--seed`. */
function seeded(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = seeded(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => done(chunk.toString().startsWith('+PONG')));
  });
}

/** A throwaway redis-server on a free port, restartable mid-run without touching anyone else's. */
async function startRedis() {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    for (let attempt = 0; attempt < 100; attempt++) {
      if (await ping(port)) return;
      await sleep(100);
    }
    throw new Error(`redis-server on port ${port} did not start`);
  };
  const stop = async () => {
    const running = child;
    if (running === null || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
    child = null;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, start, stop };
}

/** Which vendors answer slower than the deadline right now. */
const slowVendors = new Set<VendorId>();
const faultCounts = { injected: 0, slowed: 0 };

/** The fault layer in front of a simulator: 10% of requests misbehave (seeded). */
function faulty(vendor: VendorId, handler: FetchHandler): FetchHandler {
  return {
    async fetch(request) {
      if (slowVendors.has(vendor)) {
        faultCounts.slowed += 1;
        await sleep(SLOW_MS);
      }
      if (random() < FAULT_RATE) {
        faultCounts.injected += 1;
        const kind = pick(['500', '503', '429', 'not-json', 'slow-attempt'] as const);
        if (kind === '500') return new Response('{"error":"internal"}', { status: 500 });
        if (kind === '503') return new Response('', { status: 503 });
        if (kind === '429') return new Response('{}', { status: 429, headers: { 'retry-after': '1' } });
        if (kind === 'not-json')
          return new Response('{"list": [ {"oops"', {
            status: 200,
            headers: { 'content-type': 'application/json' },
          });
        await sleep(ATTEMPT_TIMEOUT_MS + 200);
      }
      return handler.fetch(request);
    },
  };
}

function listen(handler: FetchHandler): Promise<{ url: string; close: () => Promise<void> }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: handler.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            if ('closeAllConnections' in server) server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

const tenants = {
  a: { id: 'soak-tenant-a', apiKey: 'soak-a-gateway-key-5e1d7c' },
  b: { id: 'soak-tenant-b', apiKey: 'soak-b-gateway-key-0a9f42' },
} as const;

/** `GATEWAY_CONFIG` for both tenants, each vendor at `urlOf(tenant, vendor)`. */
async function gatewayConfig(urlOf: (tenant: TenantName, vendor: VendorId) => string): Promise<string> {
  return JSON.stringify({
    tenants: await Promise.all(
      (['a', 'b'] as const).map(async (name) => ({
        id: tenants[name].id,
        apiKeyHashes: [await sha256Hex(tenants[name].apiKey)],
        vendors: Object.fromEntries(
          vendorIds.map((vendor) => [vendor, vendorModule(vendor).sandbox.connection(urlOf(name, vendor))]),
        ),
        webhooks: Object.fromEntries(
          vendorIds.map((vendor) => [vendor, vendorKits[vendor].webhookSecrets(name)]),
        ),
      })),
    ),
  });
}

const gatewayEnv = (config: string) => ({
  GATEWAY_CONFIG: config,
  CURSOR_SECRET,
  UPSTREAM_ATTEMPT_TIMEOUT_MS: String(ATTEMPT_TIMEOUT_MS),
  UPSTREAM_DEADLINE_MS: String(DEADLINE_MS),
  VENDOR_MAX_CONCURRENCY: '32',
  ...Object.fromEntries(
    vendorIds.map((vendor) => [`${vendorModule(vendor).config.envPrefix}_REQUESTS_PER_MINUTE`, '1000000']),
  ),
});

/** One feature of the truth: what the simulators' data says. */
interface TruthFeature {
  hasAccess: boolean;
  featureName: string | null;
}
type Truth = Map<string, { status: number; features: Map<string, TruthFeature> }>;
const truthKey = (tenant: TenantName, vendor: VendorId, customer: string) =>
  `${tenant}|${vendor}|${customer}`;

interface ListedEntitlement {
  featureKey: string;
  hasAccess: boolean;
  featureName: string | null;
}

/** Reads every demo customer's list through a fault-free, Redis-free gateway in this process. */
async function readTruth(cleanUrl: (tenant: TenantName, vendor: VendorId) => string): Promise<Truth> {
  const transport = createUndiciTransport();
  const gateway = await createTestGateway({
    env: { ...gatewayEnv(await gatewayConfig(cleanUrl)), LOG_LEVEL: 'error' },
    adapterFactories,
    transport,
  });
  const truth: Truth = new Map();
  try {
    for (const tenant of ['a', 'b'] as const)
      for (const vendor of vendorIds)
        for (const customer of knownCustomers[vendor]) {
          // Every page: the truth must hold every feature a check may ask about.
          const features = new Map<string, TruthFeature>();
          let status = 0;
          let cursor: string | null | undefined = null;
          do {
            const response = await gateway.app.request(
              `/v1/customers/${encodeURIComponent(customer)}/entitlements?vendor=${vendor}&limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
              { headers: { authorization: `Bearer ${tenants[tenant].apiKey}` } },
            );
            const body = (await response.json()) as {
              data?: ListedEntitlement[];
              nextCursor?: string | null;
            };
            status = response.status;
            for (const entitlement of body.data ?? [])
              features.set(entitlement.featureKey, {
                hasAccess: entitlement.hasAccess,
                featureName: entitlement.featureName,
              });
            cursor = status === 200 ? body.nextCursor : null;
          } while (cursor);
          truth.set(truthKey(tenant, vendor, customer), { status, features });
        }
  } finally {
    await gateway.background.drain();
    await gateway.close();
    await transport.close();
  }
  return truth;
}

/** An instance's memory, in MiB, after a full garbage collection. */
interface MemorySample {
  rss: number;
  /** What V8 has reserved for its heap (used or not). */
  heapTotal: number;
  heapUsed: number;
  external: number;
}

let memoryRequests = 0;
/** Asks an instance's memory probe over IPC (bench/soak-memory-probe.mjs). */
function measureMemory(child: ChildProcess): Promise<MemorySample> {
  const id = ++memoryRequests;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error('the memory probe did not answer within 10 s'));
    }, 10_000);
    const onMessage = (message: unknown) => {
      const answer = message as { type?: string; id?: number; gcExposed?: boolean } & Record<string, number>;
      if (answer?.type !== 'memory' || answer.id !== id) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      if (!answer.gcExposed) reject(new Error('the instance runs without --expose-gc'));
      const mib = (bytes: number | undefined) => (bytes ?? 0) / 1024 / 1024;
      resolve({
        rss: mib(answer.rss),
        heapTotal: mib(answer.heapTotal),
        heapUsed: mib(answer.heapUsed),
        external: mib(answer.external),
      });
    };
    child.on('message', onMessage);
    child.send({ type: 'memory', id });
  });
}

/** A gateway instance: `node dist/node.mjs` on a free port. */
async function startInstance(name: string, env: Record<string, string>) {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      '--enable-source-maps',
      '--expose-gc',
      '--import',
      `${root}bench/soak-memory-probe.mjs`,
      `${root}dist/node.mjs`,
    ],
    {
      env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  const lines: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(line);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (child.exitCode !== null) throw new Error(`${name} exited: ${lines.join('\n')}`);
    await sleep(100);
  }
  return {
    name,
    url,
    pid: child.pid ?? 0,
    lines,
    /** The instance's memory after a full GC (bench/soak-memory-probe.mjs), in MiB. */
    memory: () => measureMemory(child),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

type Phase = 'steady' | 'slow-vendor' | 'between' | 'redis-restart' | 'recovery';
const slowStart = SECONDS * 0.2;
const slowEnd = slowStart + Math.min(30, SECONDS / 6);
const redisAt = SECONDS * 0.55;
const redisEnd = redisAt + Math.min(20, SECONDS / 9);
function phaseAt(elapsedSeconds: number): Phase {
  if (elapsedSeconds < slowStart) return 'steady';
  if (elapsedSeconds < slowEnd) return 'slow-vendor';
  if (elapsedSeconds < redisAt) return 'between';
  if (elapsedSeconds < redisEnd) return 'redis-restart';
  return 'recovery';
}

interface Outcome {
  phase: Phase;
  kind: string;
  status: number | 'unanswered';
  /** The problem code of an error answer. */
  code?: string;
  ms: number;
}
const outcomes: Outcome[] = [];
const failures: string[] = [];
const fail = (message: string) => {
  if (failures.length < 200) failures.push(message);
};
let fallbacks = 0;
let compared = 0;

/** One generated request, and how to judge its answer against the truth. */
interface SoakRequest {
  kind: string;
  tenant: TenantName;
  method: string;
  path: string;
  body?: string;
  judge(status: number, body: unknown): void;
}

function compareCheck(
  label: string,
  truthFeatures: Map<string, TruthFeature>,
  result: Record<string, unknown>,
) {
  if (result['object'] !== 'entitlement_check') return;
  if (result['fallback'] === true) {
    fallbacks += 1;
    return;
  }
  compared += 1;
  const expected = truthFeatures.get(String(result['featureKey']))?.hasAccess ?? false;
  if (result['hasAccess'] !== expected)
    fail(`${label}: hasAccess ${String(result['hasAccess'])}, truth ${expected}`);
}

function generate(truth: Truth): SoakRequest {
  const tenant: TenantName = random() < 0.5 ? 'a' : 'b';
  const vendor = pick(vendorIds);
  const customer = pick(knownCustomers[vendor]);
  const known = truth.get(truthKey(tenant, vendor, customer));
  if (known === undefined) throw new Error('truth is missing a demo customer');
  const customerPath = `/v1/customers/${encodeURIComponent(customer)}`;
  const roll = random();
  const label = `${tenant} ${vendor} ${customer}`;
  if (roll < 0.35)
    return {
      kind: 'list',
      tenant,
      method: 'GET',
      path: `${customerPath}/entitlements?vendor=${vendor}&limit=100`,
      judge(status, body) {
        if (status !== 200) {
          if (status === 404 && known.status !== 404) fail(`${label} list: 404, truth ${known.status}`);
          return;
        }
        if (known.status !== 200) return fail(`${label} list: 200, truth ${known.status}`);
        const data = (body as { data: Array<ListedEntitlement & { fallback?: boolean }> }).data;
        // A customer with more than one page: the first page is compared feature by feature.
        if (known.features.size > 100) {
          for (const entitlement of data)
            if (known.features.get(entitlement.featureKey)?.hasAccess !== entitlement.hasAccess)
              fail(`${label} list: ${entitlement.featureKey} differs from the truth`);
          compared += 1;
          return;
        }
        compared += 1;
        const got = data.map(
          (entitlement) => `${entitlement.featureKey}|${entitlement.hasAccess}|${entitlement.featureName}`,
        );
        const expected = [...known.features].map(
          ([key, feature]) => `${key}|${feature.hasAccess}|${feature.featureName}`,
        );
        if (JSON.stringify(got.sort()) !== JSON.stringify(expected.sort()))
          fail(`${label} list differs from the truth: ${JSON.stringify(got).slice(0, 300)}`);
      },
    };
  if (roll < 0.65) {
    const features = [...known.features.keys()];
    const featureKey = features.length > 0 && random() < 0.85 ? pick(features) : 'not-a-feature-of-theirs';
    return {
      kind: 'check',
      tenant,
      method: 'GET',
      path: `${customerPath}/entitlements/${encodeURIComponent(featureKey)}?vendor=${vendor}`,
      judge(status, body) {
        if (status === 200)
          compareCheck(`${label} check ${featureKey}`, known.features, body as Record<string, unknown>);
      },
    };
  }
  if (roll < 0.75) {
    const items = Array.from({ length: 3 }, () => {
      const itemVendor = pick(vendorIds);
      const itemCustomer = pick(knownCustomers[itemVendor]);
      const itemTruth = truth.get(truthKey(tenant, itemVendor, itemCustomer));
      const keys = [...(itemTruth?.features.keys() ?? [])];
      return {
        customerId: itemCustomer,
        vendor: itemVendor,
        featureKey: keys.length > 0 ? pick(keys) : 'none',
      };
    });
    return {
      kind: 'batch',
      tenant,
      method: 'POST',
      path: '/v1/check',
      body: JSON.stringify({ checks: items }),
      judge(status, body) {
        if (status !== 200) return;
        const results = (body as { results: Array<Record<string, unknown>> }).results;
        results.forEach((result, index) => {
          const item = items[index];
          if (item === undefined) {
            fail('batch: more results than checks');
            return;
          }
          const itemTruth = truth.get(truthKey(tenant, item.vendor, item.customerId));
          if (itemTruth)
            compareCheck(`${tenant} batch ${item.vendor} ${item.customerId}`, itemTruth.features, result);
        });
      },
    };
  }
  if (roll < 0.8)
    return {
      kind: 'balances',
      tenant,
      method: 'GET',
      path: '/v1/balances?vendor=zenskar&limit=10',
      judge() {},
    };
  if (roll < 0.84)
    return {
      kind: 'refresh',
      tenant,
      method: 'POST',
      path: `${customerPath}/entitlements/refresh?vendor=${vendor}`,
      judge() {},
    };
  if (roll < 0.9)
    return {
      kind: 'unknown-customer',
      tenant,
      method: 'GET',
      path: `/v1/customers/soak-nobody-${Math.floor(random() * 50)}/entitlements?vendor=${vendor}`,
      judge(status) {
        if (status === 200) fail(`${tenant} ${vendor}: an unknown customer answered 200`);
      },
    };
  if (roll < 0.95)
    return {
      kind: 'bad-input',
      tenant,
      method: 'GET',
      path: `${customerPath}/entitlements?vendor=${vendor}&limit=0`,
      judge(status) {
        if (status !== 400) fail(`${tenant}: limit=0 answered ${status}, not 400`);
      },
    };
  return { kind: 'health', tenant, method: 'GET', path: pick(['/healthz', '/readyz']), judge() {} };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function main() {
  const build = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');

  const redis = await startRedis();
  const servers: Array<{ close: () => Promise<void> }> = [];
  const faultyUrls: Record<string, string> = {};
  const cleanUrls: Record<string, string> = {};
  for (const tenant of ['a', 'b'] as const)
    for (const vendor of vendorIds) {
      const simulator = vendorKits[vendor].createMarkedSimulator(marker(tenant));
      const noisy = await listen(faulty(vendor, simulator));
      const clean = await listen(simulator);
      servers.push(noisy, clean);
      faultyUrls[`${tenant}|${vendor}`] = noisy.url;
      cleanUrls[`${tenant}|${vendor}`] = clean.url;
    }
  const urlOf = (urls: Record<string, string>) => (tenant: TenantName, vendor: VendorId) =>
    urls[`${tenant}|${vendor}`] as string;

  const truth = await readTruth(urlOf(cleanUrls));
  const env = { ...gatewayEnv(await gatewayConfig(urlOf(faultyUrls))), REDIS_URL: redis.url };
  const instances = [await startInstance('gateway-1', env), await startInstance('gateway-2', env)];
  const secrets = [CURSOR_SECRET, tenants.a.apiKey, tenants.b.apiKey];

  console.log(
    `soak: ${SECONDS}s, concurrency ${CONCURRENCY}, seed ${SEED}; ${vendorIds.length} vendors × 2 tenants, ` +
      `faults ${FAULT_RATE * 100}%, ${SLOW_VENDOR} slower than the ${DEADLINE_MS} ms deadline from ${slowStart.toFixed(0)}s to ${slowEnd.toFixed(0)}s, ` +
      `Redis restart at ${redisAt.toFixed(0)}s; instances ${instances.map((instance) => instance.url).join(', ')}; redis ${redis.url}`,
  );

  const started = Date.now();
  const elapsed = () => (Date.now() - started) / 1000;
  const endAt = started + SECONDS * 1000;
  /** Memory of each instance at the end of warm-up, of the first phase, and of the run. */
  const memory: { at: string; samples: MemorySample[] }[] = [];
  const sampleMemory = async (at: string) => {
    memory.push({ at, samples: await Promise.all(instances.map((instance) => instance.memory())) });
  };
  let issued = 0;
  let nextInstance = 0;

  const scenario = (async () => {
    await sleep(Math.min(10, SECONDS * 0.1) * 1000);
    await sampleMemory('warm-up');
    await sleep(Math.max(0, slowStart * 1000 - (Date.now() - started)));
    await sampleMemory('steady');
    slowVendors.add(SLOW_VENDOR);
    console.log(`  ${elapsed().toFixed(0)}s: ${SLOW_VENDOR} slower than the deadline`);
    await sleep(Math.max(0, slowEnd * 1000 - (Date.now() - started)));
    slowVendors.delete(SLOW_VENDOR);
    console.log(`  ${elapsed().toFixed(0)}s: ${SLOW_VENDOR} back to normal`);
    await sleep(Math.max(0, redisAt * 1000 - (Date.now() - started)));
    await redis.stop();
    console.log(`  ${elapsed().toFixed(0)}s: Redis stopped`);
    await sleep(3000);
    await redis.start();
    console.log(`  ${elapsed().toFixed(0)}s: Redis started again (empty)`);
  })();

  const worker = async () => {
    while (Date.now() < endAt && issued < MAX_REQUESTS) {
      issued += 1;
      const request = generate(truth);
      const instance = instances[nextInstance++ % instances.length] as (typeof instances)[number];
      const phase = phaseAt(elapsed());
      const begun = performance.now();
      let status: number | 'unanswered' = 'unanswered';
      let code: string | undefined;
      try {
        const response = await fetch(`${instance.url}${request.path}`, {
          method: request.method,
          headers: {
            authorization: `Bearer ${tenants[request.tenant].apiKey}`,
            ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(request.body === undefined ? {} : { body: request.body }),
          signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
        });
        const text = await response.text();
        status = response.status;
        if (status === 500)
          fail(`${instance.name} ${request.method} ${request.path}: 500 ${text.slice(0, 200)}`);
        if (text.includes(marker(other(request.tenant))))
          fail(`${instance.name} ${request.path}: tenant ${request.tenant} got the other tenant's data`);
        for (const secret of secrets)
          if (text.includes(secret)) fail(`${request.path}: a secret in the answer`);
        let body: unknown = null;
        try {
          body = JSON.parse(text);
        } catch {
          if (status === 200 && request.kind !== 'health') fail(`${request.path}: a 200 that is not JSON`);
        }
        if (status >= 400) code = String((body as { code?: unknown } | null)?.code);
        request.judge(status, body);
      } catch (error) {
        fail(`${instance.name} ${request.method} ${request.path}: unanswered (${String(error)})`);
      }
      outcomes.push({
        phase,
        kind: request.kind,
        status,
        ...(code === undefined ? {} : { code }),
        ms: performance.now() - begun,
      });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  await scenario;
  // Let background refreshes settle before the last measurement.
  await sleep(1000);
  await sampleMemory('end');

  // Report.
  const phases: Phase[] = ['steady', 'slow-vendor', 'between', 'redis-restart', 'recovery'];
  console.log(
    `\nrequests: ${outcomes.length} in ${elapsed().toFixed(0)}s; vendor faults injected ${faultCounts.injected}, slowed ${faultCounts.slowed}`,
  );
  console.log('phase           requests  p50 ms  p99 ms  statuses');
  for (const phase of [...phases, 'all' as const]) {
    const rows = outcomes.filter((outcome) => phase === 'all' || outcome.phase === phase);
    const latencies = rows.map((row) => row.ms).sort((x, y) => x - y);
    const mix = new Map<string, number>();
    for (const row of rows) mix.set(String(row.status), (mix.get(String(row.status)) ?? 0) + 1);
    const statuses = [...mix]
      .sort()
      .map(([status, count]) => `${status}:${count}`)
      .join(' ');
    console.log(
      `${phase.padEnd(15)} ${String(rows.length).padStart(8)} ${percentile(latencies, 50).toFixed(1).padStart(7)} ${percentile(latencies, 99).toFixed(1).padStart(7)}  ${statuses}`,
    );
  }
  console.log('\nkind              requests  answers (5xx by problem code)');
  for (const kind of [...new Set(outcomes.map((outcome) => outcome.kind))].sort()) {
    const rows = outcomes.filter((outcome) => outcome.kind === kind);
    const mix = new Map<string, number>();
    for (const row of rows) {
      const key =
        typeof row.status === 'number' && row.status >= 500
          ? `${row.status} ${row.code}${process.env.SOAK_DEBUG ? `@${row.phase}` : ''}`
          : String(row.status);
      mix.set(key, (mix.get(key) ?? 0) + 1);
    }
    const counts = [...mix]
      .sort()
      .map(([key, count]) => `${key}:${count}`)
      .join(', ');
    console.log(`${kind.padEnd(17)} ${String(rows.length).padStart(8)}  ${counts}`);
  }
  console.log(
    `answers compared with the truth: ${compared}; declared fallbacks (not compared): ${fallbacks}`,
  );
  const answerFailures = failures.length;
  console.log('\nmemory after a full GC, MiB: heap used / heap reserved / external / RSS');
  console.log(`instance    ${memory.map(({ at }) => `end of ${at}`.padEnd(30)).join('')}`);
  const signed = (mib: number) => `${mib >= 0 ? '+' : '−'}${Math.abs(mib).toFixed(1)} MiB`;
  instances.forEach((instance, index) => {
    const cells = memory.map(({ samples }) => {
      const sample = samples[index] as MemorySample;
      return [sample.heapUsed, sample.heapTotal, sample.external, sample.rss]
        .map((mib) => mib.toFixed(1))
        .join(' / ')
        .padEnd(30);
    });
    console.log(`${instance.name.padEnd(12)}${cells.join('')}`);
    const first = memory[0]?.samples[index] as MemorySample;
    const last = memory.at(-1)?.samples[index] as MemorySample;
    const heapGrowth = last.heapUsed - first.heapUsed;
    const nativeGrowth = last.rss - last.heapTotal - (first.rss - first.heapTotal);
    console.log(
      `${instance.name}: from the end of warm-up, live heap ${signed(heapGrowth)} (bound +${HEAP_GROWTH_BOUND_MB}), ` +
        `RSS outside the heap ${signed(nativeGrowth)} (bound +${NATIVE_GROWTH_BOUND_MB}), RSS ${signed(last.rss - first.rss)}`,
    );
    if (heapGrowth > HEAP_GROWTH_BOUND_MB)
      fail(
        `${instance.name} live heap grew by ${heapGrowth.toFixed(1)} MiB (bound ${HEAP_GROWTH_BOUND_MB} MiB)`,
      );
    if (nativeGrowth > NATIVE_GROWTH_BOUND_MB)
      fail(
        `${instance.name} RSS outside the heap grew by ${nativeGrowth.toFixed(1)} MiB (bound ${NATIVE_GROWTH_BOUND_MB} MiB)`,
      );
    for (const line of instance.lines)
      for (const secret of secrets) if (line.includes(secret)) fail(`${instance.name} logged a secret`);
  });
  const unanswered = outcomes.filter((outcome) => outcome.status === 'unanswered').length;
  const fiveHundreds = outcomes.filter((outcome) => outcome.status === 500).length;
  console.log(
    `500s: ${fiveHundreds}; unanswered: ${unanswered}; wrong or leaked answers: ${answerFailures - fiveHundreds - unanswered}`,
  );

  for (const instance of instances) await instance.stop();
  await redis.stop();
  await Promise.all(servers.map((server) => server.close()));
  if (failures.length > 0) {
    console.log(`\nSOAK FAILED (${failures.length}${failures.length >= 200 ? '+' : ''} failures):`);
    for (const message of failures.slice(0, 30)) console.log(`  ${message}`);
    process.exit(1);
  }
  console.log('\nSOAK PASSED');
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
