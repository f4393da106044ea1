#!/usr/bin/env node
// `npm run test:repeat -- N`: the vitest projects (unit, integration, workers) N times in a row,
// stopping at the first failing run, to check on demand that the suite is deterministic. Prints
// each run's number and wall time. A failure here is a flaky test to fix at its root, never a
// reason to retry. Redis is found as for `npm test` (scripts/find-redis.mjs). The Node projects
// run on the Node that runs this script (`<node> scripts/test-repeat.mjs N` for another version).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { findRedis } from './find-redis.mjs';

const root = new URL('..', import.meta.url).pathname;
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');

const usage = 'usage: npm run test:repeat -- N   (N >= 1 consecutive runs of the vitest projects)';
const [countArgument, ...rest] = process.argv.slice(2);
const runs = Number(countArgument ?? 1);
if (rest.length > 0 || !Number.isInteger(runs) || runs < 1) {
  console.error(usage);
  process.exit(2);
}

const steps = [
  { label: 'unit + integration', args: ['run'] },
  { label: 'workers', args: ['run', '--config', 'test/workers/vitest.config.ts'] },
];

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const redis = await findRedis('npm run test:repeat');
const env = { ...process.env, REDIS_URL: redis.url };
const startedAll = performance.now();
const times = [];
let failed = null;
try {
  for (let run = 1; run <= runs && failed === null; run++) {
    const started = performance.now();
    for (const step of steps) {
      console.log(`\n── test:repeat run ${run}/${runs}: ${step.label} (node ${process.version})`);
      const result = spawnSync(process.execPath, [vitest, ...step.args], {
        stdio: 'inherit',
        cwd: root,
        env,
      });
      if (result.status !== 0) {
        failed = { run, step: step.label };
        break;
      }
    }
    const elapsed = performance.now() - started;
    times.push(elapsed);
    console.log(`\n── test:repeat run ${run}/${runs} ${failed ? 'FAILED' : 'passed'} in ${seconds(elapsed)}`);
  }
} finally {
  redis.stop();
}

const total = performance.now() - startedAll;
const summary = times.map((ms, index) => `#${index + 1} ${seconds(ms)}`).join(', ');
if (failed) {
  console.error(
    `\ntest:repeat: run ${failed.run} of ${runs} failed (${failed.step}); ${failed.run - 1} passed before it. ` +
      `Wall time ${seconds(total)} (${summary}).`,
  );
  process.exit(1);
}
console.log(`\ntest:repeat: ${runs} consecutive runs passed. Wall time ${seconds(total)} (${summary}).`);
