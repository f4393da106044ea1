#!/usr/bin/env node
// `node scripts/bundle-size.mjs`: the Worker's size budget and start-up time, checked by `npm test`.
//
// 1. Bundles the Worker offline exactly as `wrangler deploy` would (`--dry-run --outdir`), and
//    measures the gzip size of the uploaded modules (zlib's default level: the figure wrangler prints
//    as "gzip:" and Cloudflare's plan limits apply to).
// 2. Profiles the Worker's start-up (global scope: module evaluation) in workerd with
//    `wrangler check startup`, and reports the CPU time of the profile (idle samples excluded).
// 3. Starts the built bundle in workerd (`unstable_startWorker`) and times its first responses.
//
// Fails (exit 1) when the gzip size is over GZIP_BUDGET_KIB or the start-up CPU time is over
// STARTUP_CPU_BUDGET_MS. `--json` prints the figures as one JSON object. `--startup-advisory` (what
// `npm test` passes) reports the start-up time without failing on it: the profile is sampled, and a
// thread the OS has set aside still counts, so on a loaded machine (CI shared with other jobs) the
// figure grows with the load, not with the code (measured 765 ms at load 17 on 2 cores, 80-100 ms
// quiet). The gzip size is the same on any machine and always enforced; run `npm run bundle-size`
// on a quiet machine to enforce the start-up budget too.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { freePort } from './free-port.mjs';

/**
 * Budget of the uploaded Worker, gzip. Measured 309 KiB (2026-11, all three adapters, sandbox
 * simulators, Swagger UI page, ioredis, zod with its locales). Cloudflare's limits are 3 MiB (free)
 * and 10 MiB (paid), far above; the budget is instead set about 25% over today's size so growth is
 * a decision someone makes (raise it here, with the reason) rather than drift: start-up time follows
 * the size of the code an isolate must parse and evaluate.
 */
const GZIP_BUDGET_KIB = 400;

/**
 * Budget of the start-up CPU time (global scope) measured on this machine. Cloudflare rejects a
 * Worker whose start-up exceeds 1 s; half of that leaves room for slower hardware and for a loaded
 * CI machine (measured 80-100 ms quiet, up to 240 ms with other suites running).
 */
const STARTUP_CPU_BUDGET_MS = 500;

const root = new URL('..', import.meta.url).pathname;
const wrangler = join(root, 'node_modules', '.bin', 'wrangler');
const json = process.argv.includes('--json');
const startupAdvisory = process.argv.includes('--startup-advisory');
/** Quiet and offline (TOOLCHAIN.md): no metrics, no network lookups, no banner. */
const wranglerEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_HIDE_BANNER: 'true',
};

function log(message) {
  if (!json) console.log(message);
}

function runWrangler(args) {
  const result = spawnSync(wrangler, args, { cwd: root, env: wranglerEnv, encoding: 'utf8' });
  if (result.status !== 0) {
    console.error(`wrangler ${args.join(' ')} failed:\n${result.stdout}\n${result.stderr}`);
    process.exit(1);
  }
  return `${result.stdout}\n${result.stderr}`;
}

const kib = (bytes) => bytes / 1024;

/** The uploaded modules in a `--outdir` (source maps and wrangler's README are not uploaded). */
async function measureBundle(outdir) {
  const modules = [];
  for (const name of await readdir(outdir)) {
    if (name.endsWith('.map') || name === 'README.md') continue;
    const path = join(outdir, name);
    if (!(await stat(path)).isFile()) continue;
    const bytes = await readFile(path);
    modules.push({ name, rawBytes: bytes.length, gzipBytes: gzipSync(bytes).length });
  }
  if (modules.length === 0) throw new Error(`no modules in ${outdir}`);
  return {
    modules,
    rawBytes: modules.reduce((sum, module) => sum + module.rawBytes, 0),
    gzipBytes: modules.reduce((sum, module) => sum + module.gzipBytes, 0),
  };
}

/** CPU time of a V8 CPU profile (every sample that is not idle) and where most of it went. */
function summarizeProfile(profile) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  let cpuMicros = 0;
  const selfMicros = new Map();
  profile.samples.forEach((id, index) => {
    const node = nodes.get(id);
    const delta = profile.timeDeltas[index] ?? 0;
    if (node === undefined || node.callFrame.functionName === '(idle)') return;
    cpuMicros += delta;
    const url = node.callFrame.url.replace(/^.*\//, '');
    const name = `${node.callFrame.functionName || '(module body)'}${url ? ` ${url}` : ''}`;
    selfMicros.set(name, (selfMicros.get(name) ?? 0) + delta);
  });
  const top = [...selfMicros.entries()]
    .sort((left, right) => right[1] - left[1])
    .slice(0, 5)
    .map(([name, micros]) => ({ name, ms: micros / 1000 }));
  return { cpuMs: cpuMicros / 1000, top };
}

/** Starts the built bundle in workerd and times its first answers. */
async function measureFirstResponses(entrypoint) {
  Object.assign(process.env, wranglerEnv);
  const { unstable_startWorker } = await import('wrangler');
  const started = performance.now();
  const worker = await unstable_startWorker({
    name: 'entitlements-gateway-bundle-size',
    entrypoint,
    compatibilityDate: '2026-04-20',
    compatibilityFlags: ['nodejs_compat'],
    // Already bundled by `wrangler deploy --dry-run`: run it as uploaded.
    build: { bundle: false, nodejsCompatMode: 'v2' },
    dev: {
      server: { hostname: '127.0.0.1', port: await freePort() },
      inspector: false,
      watch: false,
      persist: false,
      logLevel: 'error',
    },
  });
  try {
    await worker.ready;
    const readyMs = performance.now() - started;
    const base = await worker.url;
    // The first request of an isolate also builds the gateway (config, adapters, sandbox simulators).
    const health = await fetch(new URL('/healthz', base));
    await health.arrayBuffer();
    const firstResponseMs = performance.now() - started;
    if (!health.ok) throw new Error(`/healthz answered ${health.status}`);
    // A cold-cache entitlement request: a whole vendor load through the sandbox simulators.
    const before = performance.now();
    const list = await fetch(new URL('/v1/customers/c1/entitlements?vendor=chargebee', base), {
      headers: { authorization: 'Bearer eg_sandbox_demo_key' },
    });
    await list.arrayBuffer();
    if (!list.ok) throw new Error(`the sandbox list answered ${list.status}`);
    return { readyMs, firstResponseMs, firstSandboxRequestMs: performance.now() - before };
  } finally {
    await worker.dispose();
  }
}

const work = await mkdtemp(join(tmpdir(), 'entitlements-gateway-bundle-'));
try {
  const outdir = join(work, 'dist');
  const deployOutput = runWrangler(['deploy', '--dry-run', '--outdir', outdir]);
  const bundle = await measureBundle(outdir);
  const reported = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(deployOutput);

  const profilePath = join(work, 'startup.cpuprofile');
  runWrangler(['check', 'startup', '--outfile', profilePath]);
  const startup = summarizeProfile(JSON.parse(await readFile(profilePath, 'utf8')));

  const firstResponses = await measureFirstResponses(join(outdir, 'worker.js'));

  const gzipKib = kib(bundle.gzipBytes);
  const overSize = gzipKib > GZIP_BUDGET_KIB;
  const overStartup = startup.cpuMs > STARTUP_CPU_BUDGET_MS;
  const figures = {
    bundle: {
      rawKib: Number(kib(bundle.rawBytes).toFixed(1)),
      gzipKib: Number(gzipKib.toFixed(1)),
      budgetGzipKib: GZIP_BUDGET_KIB,
      wranglerReported: reported ? { rawKib: Number(reported[1]), gzipKib: Number(reported[2]) } : null,
      modules: bundle.modules.map((module) => module.name),
    },
    startup: {
      cpuMs: Number(startup.cpuMs.toFixed(1)),
      budgetCpuMs: STARTUP_CPU_BUDGET_MS,
      topSelfTime: startup.top.map((entry) => ({ name: entry.name, ms: Number(entry.ms.toFixed(1)) })),
      workerdReadyMs: Math.round(firstResponses.readyMs),
      firstResponseMs: Math.round(firstResponses.firstResponseMs),
      firstSandboxRequestMs: Math.round(firstResponses.firstSandboxRequestMs),
    },
    ok: !overSize && (startupAdvisory || !overStartup),
  };

  if (json) console.log(JSON.stringify(figures, null, 2));
  log('Worker bundle (wrangler deploy --dry-run):');
  log(
    `  ${figures.bundle.rawKib} KiB raw, ${figures.bundle.gzipKib} KiB gzip; budget ${GZIP_BUDGET_KIB} KiB gzip: ${overSize ? 'OVER BUDGET' : 'ok'}`,
  );
  log('Worker start-up (wrangler check startup, workerd on this machine):');
  log(
    `  ${figures.startup.cpuMs} ms CPU in the global scope; budget ${STARTUP_CPU_BUDGET_MS} ms: ${overStartup ? 'OVER BUDGET' : 'ok'}`,
  );
  log(
    `  most self time: ${figures.startup.topSelfTime.map((entry) => `${entry.name} ${entry.ms} ms`).join(', ')}`,
  );
  log(
    `  workerd ready in ${figures.startup.workerdReadyMs} ms, first response (/healthz, builds the gateway) ${figures.startup.firstResponseMs} ms after start, then a cold sandbox list in ${figures.startup.firstSandboxRequestMs} ms`,
  );
  if (overSize)
    console.error(
      `bundle-size: the Worker is ${figures.bundle.gzipKib} KiB gzip, over the ${GZIP_BUDGET_KIB} KiB budget (scripts/bundle-size.mjs says why it is set there).`,
    );
  if (overStartup)
    console.error(
      `bundle-size: start-up took ${figures.startup.cpuMs} ms CPU, over the ${STARTUP_CPU_BUDGET_MS} ms budget: look at the top self-time entries above${startupAdvisory ? ' (advisory here: a loaded machine inflates it; `npm run bundle-size` on a quiet one enforces it)' : ''}.`,
    );
  process.exitCode = figures.ok ? 0 : 1;
} finally {
  await rm(work, { recursive: true, force: true });
}
