#!/usr/bin/env node
// `npm test`: the typed client's generated types, type check, lint/format check, the Worker's bundle-size budget (start-up time reported), then
// every vitest project (unit, integration with a real Redis, workers inside workerd). Finds Redis by
// itself: REDIS_URL if set, else 127.0.0.1:6379 if it answers, else a throwaway redis-server on a
// free port when the binary is installed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeDocsAssets } from './docs-assets.mjs';
import { findRedis } from './find-redis.mjs';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);

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

const redis = await findRedis('npm test');
const env = { ...process.env, REDIS_URL: redis.url };
let ok = false;
try {
  ok =
    // The typed client's types are generated from the API, not committed (scripts/generate-client-types.ts).
    run('client types', bin('tsx'), [join(root, 'scripts/generate-client-types.ts')], env) &&
    run('types', bin('tsc'), ['--noEmit', '-p', '.'], env) &&
    // The browser example, with the DOM's types (examples/browser/tsconfig.json says why apart).
    run('types (browser example)', bin('tsc'), ['--noEmit', '-p', 'examples/browser'], env) &&
    run('lint', bin('biome'), ['check', '.'], env) &&
    // The served OpenAPI document against Redocly's recommended rules: zero errors (redocly.yaml).
    lintOpenApiDocument(env) &&
    // The Worker's gzip size against its budget; its start-up time is reported (scripts/bundle-size.mjs).
    run(
      'worker bundle budget',
      process.execPath,
      [join(root, 'scripts/bundle-size.mjs'), '--startup-advisory'],
      env,
    ) &&
    run('node tests', bin('vitest'), ['run'], env) &&
    (!existsSync(join(root, 'test/workers/vitest.config.ts')) ||
      run('workers tests', bin('vitest'), ['run', '--config', 'test/workers/vitest.config.ts'], env));
} finally {
  redis.stop();
}
process.exit(ok ? 0 : 1);
