import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unstable_startWorker } from 'wrangler';
import { BatchCheckResponseSchema, CheckResultSchema } from '../../../schemas/check';
import { HealthSchema, ReadinessSchema } from '../../../schemas/health';
import { EntitlementListSchema } from '../../../schemas/page';
import { freePort } from '../../../scripts/free-port.mjs';
import { cacheKey } from '../../../src/cache/cache-key';
import { SANDBOX_API_KEY } from '../../../src/config';
import { sandboxBanner } from '../../../src/sandbox/sandbox';
import { openNodeSandboxGateway } from '../../support/node-sandbox-gateway';

/**
 * Black-box tests of the REAL Worker: wrangler bundles src/worker.ts from wrangler.toml (what
 * `wrangler deploy` uploads) and serves it from workerd on 127.0.0.1:8787 (a free port when another
 * run holds 8787), and the tests speak plain HTTP to it, as a user of `npm run dev` would. The
 * Worker runs in sandbox mode with REDIS_URL pointing at the local Redis.
 */

const root = new URL('../../..', import.meta.url).pathname;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DEV_PORT = 8787;

/** Quiet, offline wrangler (TOOLCHAIN.md). */
const wranglerEnv = {
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_HIDE_BANNER: 'true',
};

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** 8787 when it is free (the documented `npm run dev` address), else any free port. */
async function devPort(): Promise<number> {
  return (await portIsFree(DEV_PORT)) ? DEV_PORT : freePort();
}

type StartedWorker = Awaited<ReturnType<typeof unstable_startWorker>>;

/** Bundles and starts the Worker of wrangler.toml; resolves once it answers, with the time that took. */
async function startRealWorker(
  port: number,
): Promise<{ worker: StartedWorker; baseUrl: string; startMs: number }> {
  Object.assign(process.env, wranglerEnv);
  const started = performance.now();
  const worker = await unstable_startWorker({
    config: `${root}wrangler.toml`,
    // wrangler 4.86 ignores nodejs_compat when bundling unless told (TOOLCHAIN.md).
    build: { nodejsCompatMode: 'v2' },
    bindings: { REDIS_URL: { type: 'plain_text', value: redisUrl } },
    dev: {
      server: { hostname: '127.0.0.1', port },
      inspector: false,
      watch: false,
      persist: false,
      logLevel: 'warn',
    },
  });
  await worker.ready;
  const baseUrl = new URL(await worker.url).origin;
  const health = await fetch(`${baseUrl}/healthz`);
  await health.arrayBuffer();
  return { worker, baseUrl, startMs: performance.now() - started };
}

/** Splits one sandbox banner line into its arguments, honouring the single quotes it uses. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const pattern = /'([^']*)'|(\S+)/g;
  for (const match of line.matchAll(pattern)) words.push(match[1] ?? match[2] ?? '');
  return words;
}

/** The fetch that a banner `curl` line performs. */
function requestOfCurlLine(line: string): { url: string; init: RequestInit } {
  const words = shellWords(line.trim());
  expect(words[0]).toBe('curl');
  const headers = new Headers();
  let method = 'GET';
  let body: string | undefined;
  let url: string | undefined;
  for (let index = 1; index < words.length; index++) {
    const word = words[index] as string;
    if (word === '-s') continue;
    if (word === '-H') {
      const [name, ...value] = (words[++index] as string).split(':');
      headers.set(name as string, value.join(':').trim());
    } else if (word === '-X') method = words[++index] as string;
    else if (word === '-d') {
      body = words[++index] as string;
      // curl -d without -X sends a POST.
      if (method === 'GET') method = 'POST';
    } else if (/^https?:\/\//.test(word)) url = word;
    else throw new Error(`unexpected curl argument in the sandbox banner: ${word}`);
  }
  if (url === undefined) throw new Error(`no URL in: ${line}`);
  return { url, init: { method, headers, ...(body === undefined ? {} : { body }) } };
}

async function json(response: Response): Promise<unknown> {
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return JSON.parse(text) as unknown;
}

describe('the real Worker bundle over HTTP (unstable_startWorker)', () => {
  let worker: StartedWorker | undefined;
  let baseUrl = '';
  let port = 0;

  beforeAll(async () => {
    port = await devPort();
    const started = await startRealWorker(port);
    worker = started.worker;
    baseUrl = started.baseUrl;
    console.log(
      `worker bundle: serving on ${baseUrl}; bundled, started and answered in ${started.startMs.toFixed(0)} ms`,
    );
  }, 120_000);

  afterAll(async () => {
    await worker?.dispose();
  }, 60_000);

  it('serves on 127.0.0.1 (port 8787 unless another process holds it) in sandbox mode with Redis up', async () => {
    expect(new URL(baseUrl).hostname).toBe('127.0.0.1');
    expect(new URL(baseUrl).port).toBe(String(port));
    HealthSchema.parse(await json(await fetch(`${baseUrl}/healthz`)));
    const readiness = ReadinessSchema.parse(await json(await fetch(`${baseUrl}/readyz`)));
    // A local .dev.vars that configures a vendor would turn sandbox mode off: say so plainly.
    expect(readiness, 'the Worker must run in sandbox mode (no vendor in .dev.vars)').toMatchObject({
      mode: 'sandbox',
      checks: { config: 'ok', redis: 'up' },
    });
  });

  it('serves the same OpenAPI document as the Node app', async () => {
    const fromWorker = (await json(await fetch(`${baseUrl}/openapi.json`))) as {
      openapi: string;
      paths: object;
    };
    expect(fromWorker.openapi).toMatch(/^3\./);
    const node = await openNodeSandboxGateway({});
    try {
      expect(fromWorker).toEqual(await json(await node.call('/openapi.json')));
    } finally {
      await node.close();
    }
    const docs = await fetch(`${baseUrl}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('/openapi.json');
  });

  /** A body with each merged vendor's `status` checked for form and then left out of the comparison. */
  function withoutFreshness(body: unknown): unknown {
    if (typeof body !== 'object' || body === null) return body;
    const results = (body as { results?: unknown }).results;
    if (Array.isArray(results)) return { ...body, results: results.map(withoutFreshness) };
    const vendors = (body as { vendors?: unknown }).vendors;
    if (!Array.isArray(vendors)) return body;
    return {
      ...body,
      vendors: vendors.map((entry: Record<string, unknown>) => {
        expect(['fresh', 'stale']).toContain(entry['status']);
        const { status: _status, ...rest } = entry;
        return rest;
      }),
    };
  }

  it('answers every curl line of the sandbox banner, with the same bodies as the Node app', async () => {
    const lines = sandboxBanner(baseUrl)
      .split('\n')
      .filter((line) => line.trim().startsWith('curl '));
    expect(lines.length).toBeGreaterThanOrEqual(4);
    const node = await openNodeSandboxGateway({});
    try {
      for (const line of lines) {
        const { url, init } = requestOfCurlLine(line);
        const fromWorker = await json(await fetch(url, init));
        const path = url.slice(baseUrl.length);
        // The Worker shares Redis with earlier runs, the Node app has memory only: a merged answer's
        // per-vendor `status` (fresh or stale) says how old each cached snapshot is, not what it holds.
        expect(withoutFreshness(fromWorker), line).toEqual(
          withoutFreshness(await json(await node.call(path, init))),
        );
        if (path.startsWith('/v1/check')) BatchCheckResponseSchema.parse(fromWorker);
        else if (/\/entitlements\/[^/?]+\?/.test(path)) CheckResultSchema.parse(fromWorker);
        else EntitlementListSchema.parse(fromWorker);
      }
    } finally {
      await node.close();
    }
  });

  it('stores snapshots in Redis: a restarted Worker (new workerd, empty memory) answers from L2', async () => {
    // A customer the other black-box tests leave alone; `no-cache` makes this run's load the stored one.
    const path = '/v1/customers/cust_globex/entitlements?vendor=chargebee';
    const headers = { authorization: `Bearer ${SANDBOX_API_KEY}` };
    const loaded = await fetch(`${baseUrl}${path}`, { headers: { ...headers, 'cache-control': 'no-cache' } });
    const loadedBody = await json(loaded);
    expect(loaded.headers.get('cache-status')).toBe('entitlements-gateway; fwd=request; stored');

    const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      const key = cacheKey({
        tenant: 'sandbox',
        vendor: 'chargebee',
        namespace: 'snapshot',
        id: 'cust_globex',
      });
      expect(await redis.exists(key)).toBe(1);
    } finally {
      redis.disconnect();
    }

    await worker?.dispose();
    worker = undefined;
    // A port of its own: the one just released may be taken at once by another `npm run dev` or
    // test run on a shared machine, and the point here is a new workerd, not the same port.
    const restarted = await startRealWorker(await freePort());
    worker = restarted.worker;
    console.log(`worker bundle: restarted in ${restarted.startMs.toFixed(0)} ms`);
    const fromRedis = await fetch(`${restarted.baseUrl}${path}`, { headers });
    expect(await json(fromRedis)).toEqual(loadedBody);
    expect(fromRedis.headers.get('cache-status')).toMatch(
      /^entitlements-gateway; hit; ttl=\d+; detail=redis$/,
    );
  }, 120_000);
});

/** Stops a detached process group (wrangler starts workerd as children) and waits for the leader. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-child.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  }, 10_000);
  await exited;
  clearTimeout(timer);
}

/** Whether any process of group `groupId` still exists (signal 0 only checks). */
function processGroupAlive(groupId: number): boolean {
  try {
    process.kill(-groupId, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Polls until `url` answers (the dev server is up) or `timeoutMs` passes. */
async function waitUntilServing(url: string, child: ChildProcess, output: () => string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the dev server exited early:\n${output()}`);
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline)
      throw new Error(`the dev server did not answer within ${timeoutMs} ms:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('npm run dev', () => {
  it('serves the sandbox from workerd on 127.0.0.1:8787 (the script as written; its port swapped only when 8787 is taken)', async () => {
    const script = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: { dev: string } })
      .scripts.dev;
    expect(script).toContain(`--ip 127.0.0.1 --port ${DEV_PORT}`);
    const port = await devPort();
    // `npm run dev` itself when 8787 is free; the same command line on a free port otherwise.
    const command =
      port === DEV_PORT ? 'npm run dev' : script.replace(`--port ${DEV_PORT}`, `--port ${port}`);
    let output = '';
    // detached: its own process group (setsid), so stopping it stops wrangler's workerd children too.
    const child = spawn('sh', ['-c', command], {
      cwd: root,
      detached: true,
      env: { ...process.env, PATH: `${root}node_modules/.bin:${process.env.PATH ?? ''}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    try {
      const baseUrl = `http://127.0.0.1:${port}`;
      await waitUntilServing(`${baseUrl}/healthz`, child, () => output, 90_000);
      const [listLine] = sandboxBanner(baseUrl)
        .split('\n')
        .filter((line) => line.trim().startsWith('curl '));
      const { url, init } = requestOfCurlLine(listLine ?? '');
      const page = EntitlementListSchema.parse(await json(await fetch(url, init)));
      expect(page.data.length).toBeGreaterThan(0);
    } finally {
      await stopGroup(child);
    }
    // The whole group is gone, wrangler's workerd children included. (Not checked through the port:
    // on a shared machine another `npm run dev` may take 8787 as soon as it is free.)
    const group = child.pid ?? Number.NaN;
    const deadline = Date.now() + 30_000;
    while (processGroupAlive(group) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(processGroupAlive(group)).toBe(false);
  }, 150_000);
});
