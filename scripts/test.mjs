#!/usr/bin/env node
// `npm test`: type check, lint/format check, the Worker's bundle-size and start-up budgets, then
// every vitest project (unit, integration with a real Redis, workers inside workerd). Finds Redis by
// itself: REDIS_URL if set, else 127.0.0.1:6379 if it answers, else a throwaway redis-server on a
// free port when the binary is installed.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { writeDocsAssets } from './docs-assets.mjs';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);

function ping(host, port, timeoutMs = 500) {
  return new Promise((resolve) => {
    const socket = new Socket();
    let answer = '';
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG') || answer.startsWith('-NOAUTH'));
    });
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function which(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

async function findRedis() {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: () => {} };
  if (await ping('127.0.0.1', 6379)) return { url: 'redis://127.0.0.1:6379', stop: () => {} };
  const server = which('redis-server');
  if (!server) {
    console.error(
      'npm test needs Redis: set REDIS_URL, run one on 127.0.0.1:6379, or install redis-server (apt-get install -y redis-server).',
    );
    process.exit(2);
  }
  const port = await freePort();
  const child = spawn(
    server,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  for (let attempt = 0; attempt < 50; attempt++) {
    if (await ping('127.0.0.1', port)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  console.log(`npm test: started a throwaway redis-server on port ${port}`);
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

function run(label, command, args, env) {
  console.log(`\n── ${label}: ${[command.replace(`${root}node_modules/.bin/`, ''), ...args].join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, env });
  return result.status === 0;
}

// The Workers static assets (the docs page's Swagger UI files) that wrangler.toml points at.
await writeDocsAssets();
/** Writes /openapi.json as the gateway serves it and lints it with Redocly, offline. */
function lintOpenApiDocument(env) {
  const document = join(mkdtempSync(join(tmpdir(), 'entitlements-gateway-openapi-')), 'openapi.json');
  const lintEnv = { ...env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
  return (
    run('openapi document', bin('tsx'), [join(root, 'scripts/openapi-document.ts'), document], env) &&
    run('openapi lint', bin('redocly'), ['lint', document, '--config', join(root, 'redocly.yaml')], lintEnv)
  );
}

const redis = await findRedis();
const env = { ...process.env, REDIS_URL: redis.url };
let ok = false;
try {
  ok =
    run('types', bin('tsc'), ['--noEmit', '-p', '.'], env) &&
    // The browser example, with the DOM's types (examples/browser/tsconfig.json says why apart).
    run('types (browser example)', bin('tsc'), ['--noEmit', '-p', 'examples/browser'], env) &&
    run('lint', bin('biome'), ['check', '.'], env) &&
    // The Worker's gzip size and start-up time against their budgets (scripts/bundle-size.mjs).
    // The served OpenAPI document against Redocly's recommended rules: zero errors (redocly.yaml).
    lintOpenApiDocument(env) &&
    run('worker bundle budget', process.execPath, [join(root, 'scripts/bundle-size.mjs')], env) &&
    run('node tests', bin('vitest'), ['run'], env) &&
    (!existsSync(join(root, 'test/workers/vitest.config.ts')) ||
      run('workers tests', bin('vitest'), ['run', '--config', 'test/workers/vitest.config.ts'], env));
} finally {
  redis.stop();
}
process.exit(ok ? 0 : 1);
