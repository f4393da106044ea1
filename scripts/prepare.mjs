#!/usr/bin/env node
// npm's `prepare` (run after `npm ci` / `npm install`): writes client/schema.d.ts, the typed client's
// types, generated from the gateway's /openapi.json (scripts/generate-client-types.ts). The file is a
// build artifact, not committed: the API (and so the vendor id list) is its only source.
//
// The generator runs on tsx, a dev dependency. A runtime install (`npm ci --omit=dev`, which
// type-checks nothing) has no tsx: the step is skipped there, saying so.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const tsx = join(root, 'node_modules', '.bin', 'tsx');

if (!existsSync(tsx)) {
  console.log('prepare: dev dependencies not installed, client/schema.d.ts not generated');
  process.exit(0);
}
const result = spawnSync(tsx, [join(root, 'scripts', 'generate-client-types.ts')], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(result.status ?? 1);
