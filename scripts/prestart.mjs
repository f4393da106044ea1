#!/usr/bin/env node
// `npm start`'s pre-step: build dist/node.mjs only when it is missing or older than the sources, so
// the quick start (`npm ci && npm start`) works and a restart does not re-run esbuild. Production
// runs `node dist/node.mjs` itself (docs/operations.md): this script is only for `npm start`.
//
// esbuild is a dev dependency. After `npm ci --omit=dev` there is no bundler: ship a dist/ built
// elsewhere (`npm run build` in CI), and this script then only checks that it is there.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bundle = join(root, 'dist', 'node.mjs');
const sourceDirs = ['src', 'adapters', 'schemas'];

/** The newest modification time of the TypeScript sources the bundle is built from. */
function newestSource() {
  let newest = statSync(join(root, 'package.json')).mtimeMs;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  for (const dir of sourceDirs) if (existsSync(join(root, dir))) walk(join(root, dir));
  return newest;
}

const hasSources = existsSync(join(root, 'src', 'node.ts'));
const upToDate = existsSync(bundle) && (!hasSources || statSync(bundle).mtimeMs >= newestSource());
if (upToDate) process.exit(0);

const esbuild = join(root, 'node_modules', '.bin', 'esbuild');
if (!existsSync(esbuild)) {
  console.error(
    existsSync(bundle)
      ? 'npm start: dist/node.mjs is older than the sources and esbuild is not installed (npm ci --omit=dev?). Run `npm run build` where dev dependencies are installed, or start the shipped bundle as is with `node dist/node.mjs`.'
      : 'npm start: dist/node.mjs is missing and esbuild is not installed (npm ci --omit=dev?). Run `npm run build` where dev dependencies are installed and ship dist/ with the app (docs/operations.md).',
  );
  process.exit(1);
}
const result = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
