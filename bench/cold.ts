/**
 * The benchmark's cache and cold-path measurements (`npm run bench` runs it after the throughput
 * table; alone: `node --expose-gc --import tsx bench/cold.ts`). Prints one JSON line on
 * stdout.
 *
 * - Cold load per vendor: every vendor answer costs a fixed 25 ms (the simulators' injected
 *   latency); a reload (`Cache-Control: no-cache`) of a customer spanning several vendor pages is
 *   timed and counted in round trips (elapsed / 25 ms), next to the fewest round trips the vendor's
 *   pagination allows and the request waves actually observed.
 * - 200 concurrent cold requests for one customer: how many vendor loads they cause.
 * - L2 (Redis) hit with L1 cold: p50 of a cached check whose memory tier was emptied just before,
 *   against one Redis round trip (PING, and a GET of the same entry) measured in the same run.
 * - L1 memory: the memory tier filled with 100,000 customers' snapshots; heap growth and the tier's
 *   own byte accounting against its byte bound.
 *
 * Runs against the real adapters over loopback HTTP (simulators), in process (`app.request`), under
 * a tenant id unique to the run so a shared Redis is never confused with another run's entries.
 */
import { Redis } from 'ioredis';
import { chargebeeSandboxCredentials } from '../adapters/chargebee/fixtures';
import { createChargebeeSimulator } from '../adapters/chargebee/simulator';
import type { CustomerSnapshot } from '../adapters/kit';
import { paygenticSandboxCredentials } from '../adapters/paygentic/fixtures';
import { createPaygenticSimulator } from '../adapters/paygentic/simulator';
import { adapterFactories } from '../adapters/registry';
import { stripeSandboxCredentials } from '../adapters/stripe/fixtures';
import { createStripeSimulator } from '../adapters/stripe/simulator';
import { zenskarDemoCustomerIds, zenskarSandboxCredentials } from '../adapters/zenskar/fixtures';
import { createZenskarSimulator } from '../adapters/zenskar/simulator';
import { createApp } from '../src/app';
import { BackgroundTasks } from '../src/background-tasks';
import { createCacheState, createTieredCache } from '../src/cache';
import { parseConfig } from '../src/config';
import { createGateway } from '../src/gateway';
import { createUndiciTransport } from '../src/http/undici-transport';
import { createJsonLogger } from '../src/logger';
import { startHttpServer } from '../test/support/http-server';

const LATENCY_MS = Number(process.env.BENCH_VENDOR_LATENCY_MS ?? 25);
const COLD_RUNS = 9;
const CONCURRENT = 200;
const L2_SAMPLES = 400;
const MEMORY_CUSTOMERS = 100_000;
const KEY = 'bench-key-0123456789abcdef';
const RUN_ID = `bench-${process.pid}-${Date.now().toString(36)}`;

type VendorName = 'zenskar' | 'paygentic' | 'chargebee' | 'stripe';

/** The four simulators on loopback and a gateway wired like the Node entry, under this run's tenant id. */
async function startStack(redisUrl: string | undefined) {
  const simulators = {
    zenskar: createZenskarSimulator(),
    paygentic: createPaygenticSimulator(),
    chargebee: createChargebeeSimulator(),
    stripe: createStripeSimulator(),
  };
  const [zenskar, paygentic, chargebee, stripe] = await Promise.all([
    startHttpServer(simulators.zenskar.app),
    startHttpServer(simulators.paygentic.app),
    startHttpServer(simulators.chargebee.app),
    startHttpServer(simulators.stripe.app),
  ]);
  const parsed = await parseConfig({
    GATEWAY_API_KEYS: KEY,
    CURSOR_SECRET: 'bench-cursor-secret-0123456789abcdef',
    ZENSKAR_API_KEY: zenskarSandboxCredentials.apiKey,
    ZENSKAR_ORGANISATION: zenskarSandboxCredentials.organisation,
    ZENSKAR_BASE_URL: zenskar?.url,
    PAYGENTIC_API_KEY: paygenticSandboxCredentials.apiKey,
    PAYGENTIC_BASE_URL: paygentic?.url,
    CHARGEBEE_SITE: chargebeeSandboxCredentials.site,
    CHARGEBEE_API_KEY: chargebeeSandboxCredentials.apiKey,
    CHARGEBEE_BASE_URL: `${chargebee?.url}/api/v2`,
    STRIPE_API_KEY: stripeSandboxCredentials.apiKey,
    STRIPE_BASE_URL: stripe?.url,
    CHARGEBEE_REQUESTS_PER_MINUTE: '100000',
    ZENSKAR_REQUESTS_PER_MINUTE: '100000',
    PAYGENTIC_REQUESTS_PER_MINUTE: '100000',
    STRIPE_REQUESTS_PER_MINUTE: '100000',
    VENDOR_MAX_CONCURRENCY: '64',
    LOG_LEVEL: 'warn',
    REDIS_URL: redisUrl,
  });
  const config = { ...parsed, tenants: parsed.tenants.map((tenant) => ({ ...tenant, id: RUN_ID })) };
  const logger = createJsonLogger({ level: 'warn', secrets: config.secrets, write: () => {} });
  const background = new BackgroundTasks(logger);
  const transport = createUndiciTransport();
  const platform = createGateway({
    config,
    logger,
    transport,
    adapterFactories,
    redis: { mode: 'shared' },
    background: (promise) => background.add(promise),
  });
  if (redisUrl !== undefined && !(await platform.redisReady(3000))) throw new Error('Redis did not answer');
  const app = createApp(platform.runtime, () => ({ waitUntil: (promise) => background.add(promise) }));
  const request = async (path: string, headers: Record<string, string> = {}) => {
    const response = await app.request(path, { headers: { authorization: `Bearer ${KEY}`, ...headers } });
    const body = await response.text();
    if (response.status !== 200) throw new Error(`${path}: HTTP ${response.status} ${body.slice(0, 200)}`);
    return response;
  };
  return {
    simulators,
    platform,
    request,
    async close() {
      await background.drain();
      await platform.close();
      await transport.close();
      await Promise.all([zenskar, paygentic, chargebee, stripe].map((server) => server?.close()));
    },
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
};
const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Groups request start times into waves: a request starting within half a latency of the previous one joined its wave. */
function wavesOf(startTimes: number[]): number {
  const sorted = [...startTimes].sort((left, right) => left - right);
  let waves = 0;
  let previous = Number.NEGATIVE_INFINITY;
  for (const started of sorted) {
    if (started - previous > LATENCY_MS / 2) waves += 1;
    previous = started;
  }
  return waves;
}

/**
 * The customers whose reload spans several vendor pages, and the fewest round trips each vendor's
 * pagination allows for them:
 * - Zenskar: cursor pagination, each page names the next: one round trip per page.
 * - Paygentic: `limit`/`offset`/`total`: page 1 tells the total, every other page can be asked at
 *   once: 2 round trips (1 for a single page).
 * - Chargebee: `next_offset` chains the listing; the feature catalogue is independent of it.
 * - Stripe: keyset pagination, `starting_after` is the last row of the previous page: one round trip
 *   per page. Its load reads the active-entitlements listing only (features come expanded in it).
 */
const coldCases: Array<{
  vendor: VendorName;
  customer: string;
  floor: (pages: number) => number;
  rule: string;
}> = [
  {
    vendor: 'zenskar',
    customer: zenskarDemoCustomerIds.initech,
    floor: (pages) => pages,
    rule: 'cursor: one page after another',
  },
  {
    vendor: 'paygentic',
    customer: 'cus_demoBigco',
    floor: (pages) => Math.min(pages, 2),
    rule: 'offsets: page 1, then the rest at once',
  },
  {
    vendor: 'chargebee',
    customer: 'cust_enterprise',
    floor: (pages) => pages,
    rule: 'next_offset: one page after another (catalogue alongside)',
  },
  {
    vendor: 'stripe',
    customer: 'cus_demoBigco',
    floor: (pages) => pages,
    rule: 'starting_after: one page after another',
  },
];

async function coldLoads(stack: Awaited<ReturnType<typeof startStack>>) {
  const rows = [];
  for (const { vendor, customer, floor, rule } of coldCases) {
    const kit = stack.simulators[vendor].kit;
    /** Reloads the customer `COLD_RUNS` times with `latencyMs` on every vendor answer. */
    const reloads = async (latencyMs: number) => {
      const durations: number[] = [];
      let requests = 0;
      let listingPages = 0;
      let waves = 0;
      let peak = 0;
      for (let run = 0; run < COLD_RUNS; run++) {
        kit.reset();
        kit.setLatency(latencyMs);
        const started = performance.now();
        await stack.request(`/v1/customers/${customer}/entitlements?vendor=${vendor}&limit=1`, {
          'cache-control': 'no-cache',
        });
        durations.push(performance.now() - started);
        requests = kit.recorded.length;
        // Every request but a feature catalogue read (Chargebee's `/features`; Stripe's
        // `/v1/entitlements/features` would count as one too, though its load never calls it).
        listingPages = kit.recorded.filter((request) => !request.path.endsWith('/features')).length;
        waves = wavesOf(kit.recorded.map((request) => request.startedAt));
        peak = kit.inFlight.peak;
      }
      kit.reset();
      return { medianMs: median(durations), requests, listingPages, waves, peak };
    };
    // The same reload without injected latency: the processing (simulator, parsing, mapping,
    // caching) that the latency comes on top of. What remains is waiting for the vendor.
    const unloaded = await reloads(0);
    const loaded = await reloads(LATENCY_MS);
    const fewest = floor(loaded.listingPages);
    rows.push({
      vendor,
      customer,
      vendorRequests: loaded.requests,
      listingRequests: loaded.listingPages,
      peakInFlight: loaded.peak,
      waves: loaded.waves,
      medianMs: round(loaded.medianMs, 1),
      noLatencyMedianMs: round(unloaded.medianMs, 1),
      roundTrips: round(loaded.medianMs / LATENCY_MS, 1),
      waitingRoundTrips: round((loaded.medianMs - unloaded.medianMs) / LATENCY_MS, 1),
      fewestRoundTrips: fewest,
      paginationRule: rule,
      // The requests come in as many waves as the pagination needs, and the time spent waiting
      // for the vendor is within half a round trip of that many.
      atFloor: loaded.waves <= fewest && (loaded.medianMs - unloaded.medianMs) / LATENCY_MS < fewest + 0.5,
    });
  }
  return rows;
}

async function concurrentCold(stack: Awaited<ReturnType<typeof startStack>>) {
  const vendor: VendorName = 'zenskar';
  const kit = stack.simulators[vendor].kit;
  const customer = zenskarDemoCustomerIds.initech;
  // One reload's vendor requests, to express the concurrent burst in loads.
  kit.reset();
  await stack.request(`/v1/customers/${customer}/entitlements?vendor=${vendor}`, {
    'cache-control': 'no-cache',
  });
  const perLoad = kit.recorded.length;
  stack.platform.cacheState.memory.clear();
  kit.reset();
  kit.setLatency(LATENCY_MS);
  const started = performance.now();
  const responses = await Promise.all(
    Array.from({ length: CONCURRENT }, () =>
      stack.request(`/v1/customers/${customer}/entitlements?vendor=${vendor}&limit=1`),
    ),
  );
  const elapsedMs = performance.now() - started;
  const requests = kit.recorded.length;
  kit.reset();
  return {
    vendor,
    concurrentRequests: CONCURRENT,
    answered200: responses.length,
    vendorRequests: requests,
    vendorRequestsPerLoad: perLoad,
    vendorLoads: round(requests / perLoad, 2),
    collapsedAnswers: responses.filter((response) =>
      response.headers.get('cache-status')?.includes('collapsed'),
    ).length,
    elapsedMs: round(elapsedMs, 1),
  };
}

async function l2Hits(redisUrl: string) {
  const stack = await startStack(redisUrl);
  const probe = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1 });
  try {
    const path = '/v1/customers/c1/entitlements/user-licenses?vendor=chargebee';
    await stack.request(path); // load → memory and Redis
    const memory = stack.platform.cacheState.memory;
    const snapshotKey = memory.keys().find((key) => key.includes(':snapshot:'));
    if (snapshotKey === undefined) throw new Error('no snapshot entry in memory after the load');
    const samples = { l2: [] as number[], l1: [] as number[], ping: [] as number[], get: [] as number[] };
    let redisTierAnswers = 0;
    for (let index = 0; index < L2_SAMPLES + 50; index++) {
      const warm = index < 50;
      let started = performance.now();
      await probe.ping();
      const ping = performance.now() - started;
      started = performance.now();
      await probe.get(snapshotKey);
      const get = performance.now() - started;
      memory.delete(snapshotKey);
      started = performance.now();
      const response = await stack.request(path);
      const l2 = performance.now() - started;
      if (response.headers.get('cache-status')?.includes('detail=redis')) redisTierAnswers += 1;
      started = performance.now();
      await stack.request(path);
      const l1 = performance.now() - started;
      if (warm) continue;
      samples.ping.push(ping);
      samples.get.push(get);
      samples.l2.push(l2);
      samples.l1.push(l1);
    }
    const p50 = (values: number[]) => round(percentile(values, 50), 3);
    const p99 = (values: number[]) => round(percentile(values, 99), 3);
    const entryBytes = (await probe.strlen(snapshotKey)) as number;
    return {
      samples: L2_SAMPLES,
      entryBytes,
      redisTierAnswers,
      l2HitP50Ms: p50(samples.l2),
      l2HitP99Ms: p99(samples.l2),
      l1HitP50Ms: p50(samples.l1),
      redisPingP50Ms: p50(samples.ping),
      redisGetP50Ms: p50(samples.get),
      targetMs: round(percentile(samples.ping, 50) + 0.5, 3),
      met: percentile(samples.l2, 50) <= percentile(samples.ping, 50) + 0.5,
    };
  } finally {
    // Only this run's keys (its unique tenant id), found with SCAN, never KEYS or FLUSH*.
    let cursor = '0';
    do {
      const [next, keys] = await probe.scan(cursor, 'MATCH', `eg:*:${RUN_ID}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await probe.del(...keys);
    } while (cursor !== '0');
    probe.disconnect();
    await stack.close();
  }
}

function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Fills a memory tier like the gateway's with `MEMORY_CUSTOMERS` snapshots (each its own objects, like real loads). */
async function fillMemory(snapshot: CustomerSnapshot, limits: { maxEntries?: number } = {}) {
  const logger = createJsonLogger({ level: 'warn', secrets: [], write: () => {} });
  const before = heapUsed();
  const state = createCacheState({ clock: { now: () => Date.now() }, logger, memory: limits });
  const cache = createTieredCache<{ snapshot: CustomerSnapshot }>({
    state,
    redis: null,
    waitUntil: () => {},
    namespaces: { snapshot: { freshMs: 60_000, staleMs: 600_000 } },
  });
  for (let index = 0; index < MEMORY_CUSTOMERS; index++) {
    const copy = structuredClone(snapshot);
    copy.customerId = `cust_${index.toString().padStart(6, '0')}`;
    // Awaited one by one: a pending write's promise would keep its (possibly evicted) value alive.
    await cache.snapshot.set({ tenant: RUN_ID, vendor: snapshot.vendor, id: copy.customerId }, copy);
  }
  const after = heapUsed();
  const memory = state.memory;
  const result = {
    customersWritten: MEMORY_CUSTOMERS,
    entriesKept: memory.size,
    maxEntries: memory.maxEntries,
    accountedBytes: memory.bytes,
    maxBytes: memory.maxBytes,
    heapGrowthBytes: after - before,
    heapPerEntryBytes: Math.round((after - before) / Math.max(1, memory.size)),
    accountedPerEntryBytes: Math.round(memory.bytes / Math.max(1, memory.size)),
    evictions: memory.evictions,
    withinByteBound: memory.bytes <= memory.maxBytes && after - before <= memory.maxBytes,
  };
  memory.clear();
  return result;
}

async function main() {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const report: Record<string, unknown> = { latencyMs: LATENCY_MS, runId: RUN_ID };
  // BENCH_PARTS=cold,l2,memory runs only some parts (while working on one of them).
  const parts = new Set((process.env.BENCH_PARTS ?? 'cold,l2,memory').split(','));

  const stack = await startStack(undefined);
  let snapshot: CustomerSnapshot;
  try {
    if (parts.has('cold')) {
      report.coldLoads = await coldLoads(stack);
      report.concurrentCold = await concurrentCold(stack);
    }
    await stack.request('/v1/customers/c1/entitlements?vendor=chargebee');
    const key = stack.platform.cacheState.memory
      .keys()
      .find((candidate) => candidate.endsWith(':snapshot:c1'));
    const slot = key === undefined ? undefined : stack.platform.cacheState.memory.peek(key);
    if (slot === undefined) throw new Error('the c1 snapshot is not in memory');
    snapshot = structuredClone(slot.entry.value as CustomerSnapshot);
  } finally {
    await stack.close();
  }

  if (parts.has('l2')) {
    try {
      report.l2 = await l2Hits(redisUrl);
    } catch (error) {
      report.l2 = { skipped: `Redis at ${redisUrl} unavailable: ${(error as Error).message}` };
    }
  }

  if (parts.has('memory')) {
    report.memory = {
      snapshotJsonBytes: JSON.stringify(snapshot).length,
      defaultLimits: await fillMemory(snapshot),
      entryBoundLifted: await fillMemory(snapshot, { maxEntries: MEMORY_CUSTOMERS * 2 }),
    };
  }
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

await main();
