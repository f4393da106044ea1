import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Hono } from 'hono';
import type { GatewayEnv } from '../openapi-app';
import { DOCS_ASSETS_PATH, docsAssetFiles } from './docs';

const contentTypes: Record<(typeof docsAssetFiles)[number], string> = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
};

/** The installed swagger-ui-dist directory (a pinned dependency, resolved from this module). */
function swaggerUiDistDirectory(): string {
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
}

/**
 * Serves the docs page's Swagger UI files on Node, straight from the installed swagger-ui-dist
 * package (only the listed files: the path never reaches the file system). On Workers the same URLs
 * are static assets (wrangler.toml `[assets]`), answered before the Worker runs.
 */
export function registerDocsAssets(app: Pick<Hono<GatewayEnv>, 'get'>): void {
  const directory = swaggerUiDistDirectory();
  const cache = new Map<string, Promise<string>>();
  for (const file of docsAssetFiles) {
    app.get(`${DOCS_ASSETS_PATH}/${file}`, async (c) => {
      let text = cache.get(file);
      if (text === undefined) {
        text = readFile(join(directory, file), 'utf8');
        cache.set(file, text);
      }
      return new Response(await text, {
        headers: {
          'content-type': contentTypes[file],
          // The package version is pinned; the files change only with a new release of the gateway.
          'cache-control': 'public, max-age=86400',
          'x-request-id': c.env.requestId,
        },
      });
    });
  }
}
