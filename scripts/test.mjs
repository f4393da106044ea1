#!/usr/bin/env node
// `npm test`: type check, lint/format check, the Worker's bundle-size budget (start-up time reported), then
// every vitest project (unit, integration with a real Redis, workers inside workerd). Finds Redis by
// itself: REDIS_URL if set, else 127.0.0.1:6379 if it answers, else a throwaway redis-server on a
// free port when the binary is installed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findRedis } from './find-redis.mjs';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules', '.bin', name);

function run(label, command, args, env) {
  console.log(`\n── ${label}: ${[command.replace(`${root}node_modules/.bin/`, ''), ...args].join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root, env });
  return result.status === 0;
}

const redis = await findRedis('npm test');
const env = { ...process.env, REDIS_URL: redis.url };
let ok = false;
try {
  ok =
    run('types', bin('tsc'), ['--noEmit', '-p', '.'], env) &&
    run('lint', bin('biome'), ['check', '.'], env) &&
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
