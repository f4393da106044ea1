#!/usr/bin/env node
// `npm run bench`: the gateway's warm paths against a bare Hono endpoint returning a body of the SAME
// size, served by the same process and measured in the same run, then the cache and cold-path
// measurements (bench/cold.ts) and, when wrangler is installed, the same cached check in `wrangler dev`
// (workerd) against a bare Worker. Never part of `npm test`.
//
// Load generator: `wrk` (a C program: on a 2-core machine it leaves the server its core; Debian:
// `apt-get install wrk`) when installed, autocannon (in this Node process, so it shares the cores)
// otherwise. Each pair alternates bare and gateway runs so drifting background load hits both.
//
// Usage: npm run bench [-- --seconds 5 --rounds 3 --connections 50 --tool wrk|autocannon
//                          --skip-workerd --skip-fetch --skip-cold --only throughput|workerd|fetch|cold
//                          --scenarios healthz,check,check-usage,list-3,page-50,batch-100,merged]
// Writes bench/results.json and bench/results.md. Set REDIS_URL to put the Redis tier under the
// throughput runs (the memory tier still answers; Redis is re-checked every 2 s per key); the cold
// measurements use REDIS_URL or 127.0.0.1:6379 for the L2 figure.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../scripts/free-port.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? args[index + 1] : fallback;
};
const flag = (name) => args.includes(`--${name}`);
const seconds = Number(option('seconds', '5'));
const rounds = Number(option('rounds', '3'));
const connections = Number(option('connections', '50'));
const only = option('only', undefined);
const pick = option('scenarios', undefined)?.split(',');
const wants = (part) => (only === undefined ? !flag(`skip-${part}`) : only === part);
const root = new URL('..', import.meta.url).pathname;
const hasWrk = spawnSync('sh', ['-c', 'command -v wrk'], { stdio: 'ignore' }).status === 0;
const tool = option('tool', hasWrk ? 'wrk' : 'autocannon');
if (tool === 'wrk' && !hasWrk) throw new Error('wrk is not installed (apt-get install wrk)');

const key = 'eg_sandbox_demo_key';
const auth = { authorization: `Bearer ${key}` };
const scratch = mkdtempSync(join(tmpdir(), 'eg-bench-'));
const startedAt = new Date();
const loadBefore = loadavg();

// Bundled like `npm start` bundles the Node entry: the measurement is of the code, not of a loader.
function bundle(entry, outfile) {
  const build = spawnSync(
    `${root}node_modules/.bin/esbuild`,
    [
      entry,
      '--bundle',
      '--platform=node',
      '--format=esm',
      '--target=node20',
      '--packages=external',
      '--log-level=warning',
      `--outfile=${outfile}`,
    ],
    { cwd: root, stdio: 'inherit' },
  );
  if (build.status !== 0) process.exit(1);
}

// ---------- load generators ----------

/** A wrk Lua script setting method, headers and body (wrk's -H cannot carry a body). */
function wrkScript(target) {
  const lines = [`wrk.method = ${JSON.stringify(target.method ?? 'GET')}`];
  for (const [name, value] of Object.entries(target.headers ?? {}))
    lines.push(`wrk.headers[${JSON.stringify(name)}] = ${JSON.stringify(value)}`);
  if (target.body !== undefined) {
    const bodyFile = join(scratch, `body-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(bodyFile, target.body);
    lines.push(
      `local file = io.open(${JSON.stringify(bodyFile)}, "rb")`,
      'wrk.body = file:read("*a")',
      'file:close()',
    );
  }
  const file = join(scratch, `script-${Math.random().toString(36).slice(2)}.lua`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const toMs = (value, unit) => Number(value) * { us: 0.001, ms: 1, s: 1000 }[unit];

function runWrk(target, duration) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'wrk',
      [
        '-t1',
        `-c${connections}`,
        `-d${duration}s`,
        '--timeout',
        '5s',
        '--latency',
        '-s',
        wrkScript(target),
        target.url,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    // Bounded: wrk stops itself after `duration`; this only guards against a hung connection.
    const guard = setTimeout(() => child.kill('SIGKILL'), (duration + 15) * 1000);
    child.on('exit', (code) => {
      clearTimeout(guard);
      if (code !== 0) return reject(new Error(`wrk exited with ${code}:\n${out}`));
      const rps = Number(/Requests\/sec:\s*([\d.]+)/.exec(out)?.[1]);
      const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
      const latency = (p) => {
        const match = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
        return match ? toMs(match[1], match[2]) : Number.NaN;
      };
      const non2xx = Number(/Non-2xx or 3xx responses:\s*(\d+)/.exec(out)?.[1] ?? 0);
      const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
      const errors = socketErrors ? socketErrors.slice(1).reduce((sum, value) => sum + Number(value), 0) : 0;
      resolve({ rps, requests, p50: latency(50), p99: latency(99), non2xx, errors });
    });
  });
}

async function runAutocannon(target, duration) {
  const { default: autocannon } = await import('autocannon');
  const result = await new Promise((resolve, reject) =>
    autocannon(
      {
        url: target.url,
        method: target.method ?? 'GET',
        headers: target.headers ?? {},
        body: target.body,
        connections,
        duration,
        pipelining: 1,
      },
      (error, value) => (error ? reject(error) : resolve(value)),
    ),
  );
  return {
    rps: result.requests.average,
    requests: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/**
 * CPU seconds (user + system) a process has used, from /proc (Linux); null elsewhere. Divided by the
 * requests served, it gives the server's CPU cost per request: unlike req/s it barely moves when
 * other work competes for the cores, so it is reported next to the throughput.
 */
const clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;
function cpuSeconds(pid) {
  const file = `/proc/${pid}/stat`;
  if (pid === undefined || !existsSync(file)) return null;
  const fields = readFileSync(file, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks;
}

async function load(target, duration) {
  const before = cpuSeconds(target.serverPid);
  const result = await (tool === 'wrk' ? runWrk(target, duration) : runAutocannon(target, duration));
  const after = cpuSeconds(target.serverPid);
  return { ...result, cpuSeconds: before === null || after === null ? null : after - before };
}

/** The middle value (the mean of the two middle ones for an even count). */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Measures a gateway target against the bare endpoint of the same body size: a short warm-up of each
 * (JIT, cache fill, keep-alive sockets), then `rounds` alternations of bare and gateway runs.
 *
 * The ratio is the median of the rounds' own ratios (each gateway run over the bare run just before
 * it): on a shared virtual machine the speed of both sides drifts by tens of percent within a
 * minute, and a slow stretch that falls on one gateway run would move a ratio of means, while the
 * median of paired ratios keeps it (req/s shown are the medians of each side's runs).
 */
async function measurePair(bare, gateway, duration, rounds, warmup) {
  await load(bare, warmup);
  await load(gateway, warmup);
  const runs = { bare: [], gateway: [] };
  for (let round = 0; round < rounds; round++) {
    runs.bare.push(await load(bare, duration));
    runs.gateway.push(await load(gateway, duration));
  }
  const combine = (list) => ({
    rps: median(list.map((run) => run.rps)),
    cpuUsPerRequest: list.some((run) => run.cpuSeconds === null)
      ? null
      : (list.reduce((sum, run) => sum + run.cpuSeconds, 0) * 1e6) /
        list.reduce((sum, run) => sum + run.requests, 0),
    p50: Math.max(...list.map((run) => run.p50)),
    p99: Math.max(...list.map((run) => run.p99)),
    failures: list.reduce((sum, run) => sum + run.non2xx + run.errors, 0),
  });
  return {
    bare: combine(runs.bare),
    gateway: combine(runs.gateway),
    ratio: median(runs.gateway.map((run, round) => run.rps / runs.bare[round].rps)),
    roundRatios: runs.gateway.map((run, round) => Number((run.rps / runs.bare[round].rps).toFixed(3))),
  };
}

async function bodyBytes(target) {
  const response = await fetch(target.url, {
    method: target.method ?? 'GET',
    headers: target.headers ?? {},
    body: target.body,
  });
  const text = await response.text();
  if (response.status !== 200)
    throw new Error(`${target.url}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return Buffer.byteLength(text);
}

// ---------- the throughput table (Node) ----------

const batchSize = 100;
const batchBody = JSON.stringify({
  checks: Array.from({ length: batchSize }, (_, index) => ({
    customerId: 'c1',
    vendor: 'chargebee',
    featureKey: ['user-licenses', 'support-level', 'xero-integration'][index % 3],
  })),
});

/** The gateway scenarios; `target` names its thresholds from issue 16 (ratio against bare, same size). */
function gatewayScenarios(base) {
  return [
    { id: 'healthz', name: 'gateway /healthz', url: `${base}/healthz`, target: 0.85 },
    {
      id: 'check',
      name: 'cached single check',
      url: `${base}/v1/customers/c1/entitlements/user-licenses?vendor=chargebee`,
      headers: auth,
      target: 0.5,
    },
    {
      id: 'check-usage',
      name: 'cached check with requestedUsage',
      url: `${base}/v1/customers/c1/entitlements/user-licenses?vendor=chargebee&requestedUsage=5`,
      headers: auth,
    },
    {
      id: 'list-3',
      name: 'cached list, 3 features (Chargebee c1)',
      url: `${base}/v1/customers/c1/entitlements?vendor=chargebee`,
      headers: auth,
    },
    {
      id: 'page-50',
      name: 'cached list page, 50 features (Zenskar, grants)',
      url: `${base}/v1/customers/c0000000-0000-4000-8000-000000000003/entitlements?vendor=zenskar&limit=50`,
      headers: auth,
      target: 0.6,
    },
    {
      id: 'merged',
      name: 'cached merged check over two vendors (catalogue feature)',
      url: `${base}/v1/customers/acme-duo/entitlements/user-licenses`,
      headers: auth,
    },
    {
      id: 'batch-100',
      name: `batch of ${batchSize} cached checks`,
      url: `${base}/v1/check`,
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: batchBody,
      checksPerRequest: batchSize,
    },
  ];
}

async function startNodeServers() {
  bundle('bench/servers.ts', 'dist/bench-servers.mjs');
  // Sandbox mode: no vendor variables reach the bench server.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(GATEWAY_|ZENSKAR_|PAYGENTIC_|CHARGEBEE_)/.test(name)),
  );
  const server = spawn(
    process.execPath,
    [...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean), 'dist/bench-servers.mjs'],
    {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const ports = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: server.stdout });
    lines.on('line', (line) => {
      try {
        const parsed = JSON.parse(line);
        if (parsed.gatewayPort) resolve(parsed);
      } catch {}
    });
    server.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { server, ports };
}

async function throughput() {
  const { server, ports } = await startNodeServers();
  const rows = [];
  try {
    for (const scenario of gatewayScenarios(`http://127.0.0.1:${ports.gatewayPort}`).filter(
      (item) => pick === undefined || pick.includes(item.id),
    )) {
      const bytes = await bodyBytes(scenario);
      const bare = {
        url: `http://127.0.0.1:${ports.barePort}/sized/${bytes}`,
        method: scenario.method,
        body: scenario.body,
        headers: scenario.body ? { 'content-type': 'application/json' } : {},
        serverPid: server.pid,
      };
      const measured = await measurePair(bare, { ...scenario, serverPid: server.pid }, seconds, rounds, 1);
      const ratio = measured.ratio;
      rows.push({
        id: scenario.id,
        name: scenario.name,
        bodyBytes: bytes,
        bareRps: Math.round(measured.bare.rps),
        gatewayRps: Math.round(measured.gateway.rps),
        ratio: Number(ratio.toFixed(3)),
        roundRatios: measured.roundRatios,
        ...(measured.gateway.cpuUsPerRequest === null
          ? {}
          : {
              bareCpuUsPerRequest: Number(measured.bare.cpuUsPerRequest.toFixed(1)),
              gatewayCpuUsPerRequest: Number(measured.gateway.cpuUsPerRequest.toFixed(1)),
              cpuRatio: Number((measured.bare.cpuUsPerRequest / measured.gateway.cpuUsPerRequest).toFixed(3)),
            }),
        gatewayP50Ms: measured.gateway.p50,
        gatewayP99Ms: measured.gateway.p99,
        failures: measured.bare.failures + measured.gateway.failures,
        ...(scenario.checksPerRequest
          ? { checksPerSecond: Math.round(measured.gateway.rps * scenario.checksPerRequest) }
          : {}),
        ...(scenario.target ? { target: scenario.target, met: ratio >= scenario.target } : {}),
      });
      const last = rows.at(-1);
      process.stderr.write(
        `  ${scenario.name}: ${Math.round(measured.gateway.rps)} req/s (${ratio.toFixed(2)}× bare; rounds ${measured.roundRatios.join(', ')}); CPU per request ${last.gatewayCpuUsPerRequest} µs vs bare ${last.bareCpuUsPerRequest} µs (${last.cpuRatio}×)\n`,
      );
    }
  } finally {
    server.kill('SIGTERM');
  }
  const single = rows.find((row) => row.id === 'check');
  const batch = rows.find((row) => row.id === 'batch-100');
  if (single && batch) {
    batch.vsSingleCheck = Number((batch.checksPerSecond / single.gatewayRps).toFixed(2));
    batch.targetVsSingleCheck = 5;
    batch.met = batch.vsSingleCheck >= 5;
  }
  return { redis: ports.redis, rows };
}

// ---------- the workerd table ----------

/** `wrangler dev` in its own process group (detached = setsid), so workerd stops with it. */
async function startWrangler(configArgs, port) {
  const child = spawn(
    `${root}node_modules/.bin/wrangler`,
    [
      'dev',
      ...configArgs,
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--var',
      'LOG_LEVEL:warn',
      '--log-level',
      'error',
    ],
    {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        WRANGLER_SEND_METRICS: 'false',
        CLOUDFLARE_CF_FETCH_ENABLED: 'false',
        WRANGLER_HIDE_BANNER: 'true',
      },
    },
  );
  const stop = () => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {}
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${port}/`);
      return stop;
    } catch {
      if (Date.now() > deadline || child.exitCode !== null) {
        stop();
        throw new Error(`wrangler dev did not answer on ${port}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

async function workerd() {
  const [gatewayPort, barePort] = await Promise.all([freePort(), freePort()]);
  const stops = [];
  try {
    stops.push(await startWrangler([], gatewayPort));
    stops.push(await startWrangler(['-c', 'bench/workerd/wrangler.toml'], barePort));
    const rows = [];
    for (const scenario of gatewayScenarios(`http://127.0.0.1:${gatewayPort}`).filter((item) =>
      ['healthz', 'check'].includes(item.id),
    )) {
      const bytes = await bodyBytes(scenario);
      const bare = { url: `http://127.0.0.1:${barePort}/sized/${bytes}` };
      // wrangler dev serves a few thousand requests a second: short runs are enough.
      const measured = await measurePair(bare, scenario, Math.min(seconds, 3), rounds, 1);
      rows.push({
        id: scenario.id,
        name: scenario.name,
        bodyBytes: bytes,
        bareRps: Math.round(measured.bare.rps),
        gatewayRps: Math.round(measured.gateway.rps),
        ratio: Number(measured.ratio.toFixed(3)),
        roundRatios: measured.roundRatios,
        gatewayP50Ms: measured.gateway.p50,
        gatewayP99Ms: measured.gateway.p99,
        failures: measured.bare.failures + measured.gateway.failures,
      });
      process.stderr.write(`  workerd ${scenario.name}: ${Math.round(measured.gateway.rps)} req/s\n`);
    }
    return { rows };
  } finally {
    for (const stop of stops) stop();
  }
}

// ---------- the app's own cost per request ----------

function fetchCost() {
  bundle('bench/fetch-cost.ts', 'dist/bench-fetch-cost.mjs');
  const run = spawnSync(process.execPath, ['dist/bench-fetch-cost.mjs'], {
    cwd: root,
    // Sandbox mode, like the throughput server.
    env: Object.fromEntries(
      Object.entries(process.env).filter(
        ([name]) => !/^(GATEWAY_|ZENSKAR_|PAYGENTIC_|CHARGEBEE_|STRIPE_)/.test(name),
      ),
    ),
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (run.status !== 0) throw new Error(`bench/fetch-cost.ts failed (${run.status ?? run.signal})`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1));
}

function fetchCostTable(result) {
  return [
    `In process, no network: the app's \`fetch\` called ${result.rounds} × ${fmt(result.callsPerRound)} times per path (bench/fetch-cost.ts).`,
    '',
    '| path | ns per fetch (median) | fastest round | routed (not hot) |',
    '|---|---:|---:|---:|',
    ...result.rows.map(
      (row) =>
        `| \`${row.path}\` | ${fmt(row.medianNs)} | ${fmt(row.fastestNs)} | ${fmt(row.routed)} of ${fmt(row.calls)} |`,
    ),
  ].join('\n');
}

// ---------- cold paths and memory ----------

function cold() {
  bundle('bench/cold.ts', 'dist/bench-cold.mjs');
  const run = spawnSync(process.execPath, ['--expose-gc', 'dist/bench-cold.mjs'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (run.status !== 0) throw new Error(`bench/cold.ts failed (${run.status ?? run.signal})`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1));
}

// ---------- report ----------

const fmt = (value) => Math.round(value).toLocaleString('en-US');
const yes = (met) => (met === undefined ? '' : met ? 'yes' : '**no**');

function throughputTable(result) {
  const lines = [
    '| scenario | body bytes | bare Hono req/s | gateway req/s | vs bare, same size | target | met | CPU µs/request bare / gateway | CPU ratio | gateway p50 / p99 ms | failures |',
    '|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|',
  ];
  for (const row of result.rows) {
    lines.push(
      `| ${row.name} | ${fmt(row.bodyBytes)} | ${fmt(row.bareRps)} | ${fmt(row.gatewayRps)} | ${row.ratio.toFixed(2)} | ${row.target ? `≥ ${row.target}` : ''} | ${row.id === 'batch-100' ? '' : yes(row.met)} | ${row.bareCpuUsPerRequest ?? '–'} / ${row.gatewayCpuUsPerRequest ?? '–'} | ${row.cpuRatio?.toFixed(2) ?? '–'} | ${row.gatewayP50Ms.toFixed(2)} / ${row.gatewayP99Ms.toFixed(2)} | ${row.failures} |`,
    );
  }
  const batch = result.rows.find((row) => row.id === 'batch-100');
  if (batch?.checksPerSecond)
    lines.push(
      '',
      `Batch of ${batchSize}: ${fmt(batch.checksPerSecond)} checks/s = ${batch.vsSingleCheck}× the single-check rate (target ≥ 5×: ${yes(batch.met)}).`,
    );
  return lines.join('\n');
}

function workerdTable(result) {
  if (result.skipped) return `Skipped: ${result.skipped}`;
  const lines = [
    '| scenario (wrangler dev, workerd) | body bytes | bare Worker req/s | gateway Worker req/s | vs bare | p50 / p99 ms | failures |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of result.rows)
    lines.push(
      `| ${row.name} | ${fmt(row.bodyBytes)} | ${fmt(row.bareRps)} | ${fmt(row.gatewayRps)} | ${row.ratio.toFixed(2)} | ${row.gatewayP50Ms.toFixed(2)} / ${row.gatewayP99Ms.toFixed(2)} | ${row.failures} |`,
    );
  return lines.join('\n');
}

function coldTables(result) {
  if (result.skipped) return `Skipped: ${result.skipped}`;
  const lines = [
    `Cold load (reload with \`Cache-Control: no-cache\`), ${result.latencyMs} ms added to every vendor answer, median of 9:`,
    '',
    '| vendor (pagination) | vendor requests | most in flight | request waves | median ms | same, no latency | elapsed / 25 ms | waiting / 25 ms | fewest the pagination allows | met |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const row of result.coldLoads)
    lines.push(
      `| ${row.vendor} (${row.paginationRule}) | ${row.vendorRequests} | ${row.peakInFlight} | ${row.waves} | ${row.medianMs} | ${row.noLatencyMedianMs} | ${row.roundTrips} | ${row.waitingRoundTrips} | ${row.fewestRoundTrips} | ${yes(row.atFloor)} |`,
    );
  const burst = result.concurrentCold;
  lines.push(
    '',
    `${burst.concurrentRequests} concurrent cold requests for one ${burst.vendor} customer: ${burst.vendorRequests} vendor requests = ${burst.vendorLoads} load(s) of ${burst.vendorRequestsPerLoad} requests; ${burst.collapsedAnswers} answers reported \`collapsed\`; all answered in ${burst.elapsedMs} ms (target 1 load: ${yes(burst.vendorLoads === 1)}).`,
    '',
  );
  const l2 = result.l2;
  if (l2.skipped) lines.push(`L2 hit: skipped (${l2.skipped}).`);
  else
    lines.push(
      `L2 (Redis) hit with L1 cold, in process, ${l2.samples} sequential samples, ${fmt(l2.entryBytes)}-byte entry: p50 ${l2.l2HitP50Ms} ms (p99 ${l2.l2HitP99Ms}); one Redis round trip in the same run: PING p50 ${l2.redisPingP50Ms} ms, GET of the entry p50 ${l2.redisGetP50Ms} ms; target ≤ PING + 0.5 ms = ${l2.targetMs} ms: ${yes(l2.met)}. (L1 hit p50 ${l2.l1HitP50Ms} ms.)`,
    );
  const memory = result.memory;
  lines.push(
    '',
    `L1 memory, ${fmt(memory.defaultLimits.customersWritten)} customers written (each a ${fmt(memory.snapshotJsonBytes)}-byte snapshot in JSON):`,
    '',
    '| limits | entries kept | tier accounting (bytes) | byte bound | heap growth (bytes) | heap per entry | accounted per entry | within byte bound |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
  );
  for (const [name, row] of [
    ['default (10,000 entries, 64 MiB)', memory.defaultLimits],
    ['entry bound lifted (byte bound binds)', memory.entryBoundLifted],
  ])
    lines.push(
      `| ${name} | ${fmt(row.entriesKept)} | ${fmt(row.accountedBytes)} | ${fmt(row.maxBytes)} | ${fmt(row.heapGrowthBytes)} | ${fmt(row.heapPerEntryBytes)} | ${fmt(row.accountedPerEntryBytes)} | ${yes(row.withinByteBound)} |`,
    );
  return lines.join('\n');
}

// ---------- main ----------

const results = {
  startedAt: startedAt.toISOString(),
  node: process.version,
  cpus: cpus().length,
  tool: tool === 'wrk' ? `wrk -t1 -c${connections}` : `autocannon -c${connections}`,
  seconds,
  rounds,
  loadAverageBefore: loadBefore.map((value) => Number(value.toFixed(2))),
};
try {
  if (wants('throughput')) {
    process.stderr.write('throughput (Node)…\n');
    results.throughput = await throughput();
  }
  if (wants('workerd')) {
    process.stderr.write('workerd (wrangler dev)…\n');
    try {
      results.workerd = await workerd();
    } catch (error) {
      results.workerd = { skipped: error.message };
    }
  }
  if (wants('fetch')) {
    process.stderr.write("the app's own cost per request…\n");
    results.fetchCost = fetchCost();
  }
  if (wants('cold')) {
    process.stderr.write('cold paths, L2, memory…\n');
    results.cold = cold();
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
results.loadAverageAfter = loadavg().map((value) => Number(value.toFixed(2)));

const header = `${results.tool}, ${seconds} s × ${rounds} alternating rounds per side after 1 s warm-ups (ratio: median of the rounds' ratios); Node ${process.version}; ${results.cpus} CPUs; load average ${results.loadAverageBefore.join(' ')} before, ${results.loadAverageAfter.join(' ')} after; ${results.startedAt}`;
const sections = [`# npm run bench\n\n${header}`];
if (results.throughput)
  sections.push(
    `## Node (@hono/node-server), redis tier ${results.throughput.redis ? 'on' : 'off'}\n\n${throughputTable(results.throughput)}`,
  );
if (results.workerd) sections.push(`## workerd (wrangler dev)\n\n${workerdTable(results.workerd)}`);
if (results.fetchCost)
  sections.push(`## The app's own cost per request\n\n${fetchCostTable(results.fetchCost)}`);
if (results.cold) sections.push(`## Cache and cold paths\n\n${coldTables(results.cold)}`);
const markdown = `${sections.join('\n\n')}\n`;
console.log(`\n${markdown}`);
writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(new URL('./results.md', import.meta.url), markdown);
const failures = [...(results.throughput?.rows ?? []), ...(results.workerd?.rows ?? [])].some(
  (row) => row.failures > 0,
);
if (failures) process.exit(1);
