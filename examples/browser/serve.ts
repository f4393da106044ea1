/**
 * Serves the browser example: index.html and main.ts bundled for the browser by esbuild.
 *
 *   npm run build:client        # once: builds entitlements-gateway/client
 *   CORS_ORIGINS=http://127.0.0.1:5173 npm start              # the gateway, allowing this page
 *   PORT=5173 npx tsx examples/browser/serve.ts               # then open http://127.0.0.1:5173
 */
import { readFile } from 'node:fs/promises';
import { serve } from '@hono/node-server';
import { build } from 'esbuild';
import { Hono } from 'hono';

const here = new URL('.', import.meta.url);

/** The page's script: main.ts and the client, one ES module for the browser. */
async function bundle(): Promise<string> {
  const result = await build({
    entryPoints: [new URL('main.ts', here).pathname],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'warning',
  });
  return result.outputFiles[0]?.text ?? '';
}

const [html, script] = await Promise.all([readFile(new URL('index.html', here), 'utf8'), bundle()]);
const app = new Hono();
app.get('/', (c) => c.html(html));
app.get('/main.js', (c) => c.body(script, 200, { 'content-type': 'text/javascript; charset=utf-8' }));
serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 5173) }, (info) =>
  console.log(`browser example on http://127.0.0.1:${info.port}`),
);
