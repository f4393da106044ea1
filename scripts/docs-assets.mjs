#!/usr/bin/env node
// Writes the docs page's Swagger UI files (from the pinned swagger-ui-dist package) into
// dist/docs-assets/, the Workers static-assets directory of wrangler.toml, so `wrangler dev` and
// `wrangler deploy` serve /docs/assets/* without a CDN and without growing the Worker bundle. Run by
// wrangler itself (`[build] command`), `npm run predev` and `npm test`; the output is not committed.
import { copyFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Keep in step with `docsAssetFiles` in src/routes/system/docs.ts (a unit test compares them). */
export const docsAssetFiles = ['swagger-ui-bundle.js', 'swagger-ui.css'];
/** The `[assets] directory` of wrangler.toml; files land under docs/assets/ as the page requests them. */
export const docsAssetsDirectory = join(root, 'dist', 'docs-assets');

/** Copies the files; returns the directory. */
export async function writeDocsAssets() {
  const source = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const target = join(docsAssetsDirectory, 'docs', 'assets');
  await mkdir(target, { recursive: true });
  await Promise.all(docsAssetFiles.map((file) => copyFile(join(source, file), join(target, file))));
  return docsAssetsDirectory;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await writeDocsAssets();
