import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { docsAssetFiles as workerAssetFiles } from '../../../scripts/docs-assets.mjs';
import type { GatewayEnv } from '../../../src/routes/openapi-app';
import { docsAssetFiles } from '../../../src/routes/system/docs';
import { registerDocsAssets } from '../../../src/routes/system/docs-assets-node';
import { requestWithScope } from '../../support/request-scope';

const distDirectory = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

describe('the docs page assets', () => {
  it('are the same files for the Workers static assets as for the Node entry', () => {
    expect(workerAssetFiles).toEqual([...docsAssetFiles]);
  });

  it('are served on Node from the pinned swagger-ui-dist, byte for byte, and nothing else', async () => {
    const app = new Hono<GatewayEnv>();
    registerDocsAssets(app);
    const script = await requestWithScope(app, '/docs/assets/swagger-ui-bundle.js', {
      headers: { 'x-request-id': 'docs-assets-test' },
    });
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('x-request-id')).toBe('docs-assets-test');
    expect(await script.text()).toBe(await readFile(join(distDirectory, 'swagger-ui-bundle.js'), 'utf8'));
    const styles = await requestWithScope(app, '/docs/assets/swagger-ui.css');
    expect(styles.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await styles.text()).toBe(await readFile(join(distDirectory, 'swagger-ui.css'), 'utf8'));
    for (const path of [
      '/docs/assets/package.json',
      '/docs/assets/../package.json',
      '/docs/assets/index.html',
    ])
      expect((await requestWithScope(app, path)).status, path).toBe(404);
  });

  it('come from swagger-ui-dist 5.35.0 exactly (pinned, no CDN)', async () => {
    const pkg = JSON.parse(await readFile(join(distDirectory, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(pkg.version).toBe('5.35.0');
    const root = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(root.dependencies['swagger-ui-dist']).toBe('5.35.0');
  });
});
