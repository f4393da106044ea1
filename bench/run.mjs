#!/usr/bin/env node
// Throughput and latency of the gateway's warm paths against a bare Hono endpoint, measured in the
// same run on the same machine (autocannon, loopback). Usage: npm run bench [-- --seconds 8 --connections 50]
// Set REDIS_URL to include the Redis tier (the memory tier still answers; Redis is re-checked every 2 s per key).
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? Number(args[index + 1]) : fallback;
};
const seconds = option('seconds', 8);
const connections = option('connections', 50);
const key = 'eg_sandbox_demo_key';
const auth = { authorization: `Bearer ${key}` };

const root = new URL('..', import.meta.url).pathname;
// Bundle the servers like `npm start` bundles the Node entry: the measurement is of the code, not of
// a TypeScript loader.
const build = spawnSync(
  `${root}node_modules/.bin/esbuild`,
  [
    'bench/servers.ts',
    '--bundle',
    '--platform=node',
    '--format=esm',
    '--target=node20',
    '--packages=external',
    '--log-level=warning',
    '--outfile=dist/bench-servers.mjs',
  ],
  { cwd: root, stdio: 'inherit' },
);
if (build.status !== 0) process.exit(1);
// Sandbox mode: no vendor variables reach the bench server.
const env = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^(GATEWAY_|ZENSKAR_|PAYGENTIC_|CHARGEBEE_)/.test(name)),
);
const server = spawn(process.execPath, ['dist/bench-servers.mjs'], {
  cwd: root,
  env,
  stdio: ['ignore', 'pipe', 'inherit'],
});
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

const gateway = `http://127.0.0.1:${ports.gatewayPort}`;
const batchBody = JSON.stringify({
  checks: Array.from({ length: 10 }, (_, index) => ({
    customerId: 'c1',
    vendor: 'chargebee',
    featureKey: ['user-licenses', 'support-level', 'xero-integration'][index % 3],
    requestedUsage: 1,
  })),
});
const bigPage = `${gateway}/v1/customers/c0000000-0000-4000-8000-000000000003/entitlements?vendor=zenskar&limit=50`;
const bigPageBytes = (await (await fetch(bigPage, { headers: auth })).text()).length;
const scenarios = [
  { name: 'bare Hono endpoint, tiny JSON (floor)', url: `http://127.0.0.1:${ports.barePort}/` },
  { name: 'gateway /healthz (middleware only)', url: `${gateway}/healthz` },
  {
    name: 'cached list (Chargebee c1, 3 features)',
    url: `${gateway}/v1/customers/c1/entitlements?vendor=chargebee`,
    headers: auth,
  },
  {
    name: 'cached single check',
    url: `${gateway}/v1/customers/c1/entitlements/user-licenses?vendor=chargebee&requestedUsage=5`,
    headers: auth,
  },
  {
    name: 'cached batch check (10 items)',
    url: `${gateway}/v1/check`,
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: batchBody,
  },
  {
    name: `bare Hono, precomputed ${Math.round(bigPageBytes / 1024)} KB body (floor of the next row)`,
    url: `http://127.0.0.1:${ports.barePort}/sized/${bigPageBytes}`,
  },
  {
    name: `cached list page (Zenskar, 50 features with grants, ${Math.round(bigPageBytes / 1024)} KB)`,
    url: bigPage,
    headers: auth,
  },
];

function run(scenario, duration) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: scenario.url,
        method: scenario.method ?? 'GET',
        headers: scenario.headers ?? {},
        body: scenario.body,
        connections,
        duration,
        pipelining: 1,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

const results = [];
try {
  for (const scenario of scenarios) {
    await run(scenario, 2); // warm-up: JIT, cache fill, keep-alive sockets
    const result = await run(scenario, seconds);
    const non2xx = result.non2xx + result.errors;
    results.push({
      name: scenario.name,
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      non2xx,
    });
  }
} finally {
  server.kill('SIGTERM');
}

// Each row is compared with the bare endpoint last above it (the tiny body, or the same-size body).
let floor = results[0].rps;
const rows = results.map((row) => {
  if (row.name.startsWith('bare Hono')) floor = row.rps;
  const rps = Math.round(row.rps).toLocaleString('en-US');
  return `| ${row.name} | ${rps} | ${row.p50} | ${row.p99} | ${(row.rps / floor).toFixed(2)} | ${row.non2xx} |`;
});
const table = [
  '| scenario | req/s | p50 ms | p99 ms | vs bare Hono | non-2xx |',
  '|---|---:|---:|---:|---:|---:|',
  ...rows,
].join('\n');
const header = `autocannon ${connections} connections, ${seconds} s per scenario after a 2 s warm-up; Node ${process.version}; redis tier: ${ports.redis ? 'on' : 'off'}; ${new Date().toISOString()}`;
console.log(`\n${header}\n\n${table}\n`);
writeFileSync(new URL('./results.md', import.meta.url), `${header}\n\n${table}\n`);
if (results.some((row) => row.non2xx > 0)) process.exit(1);
