import { unstable_startWorker } from 'wrangler';
import { writeDocsAssets } from '../../../scripts/docs-assets.mjs';
import { freePort } from '../../../scripts/free-port.mjs';

/**
 * The real Worker of wrangler.toml (what `wrangler deploy` uploads, static assets included) in
 * workerd on a free loopback port, with extra variables. Callers `dispose()` it.
 */

const root = new URL('../../..', import.meta.url).pathname;

export interface StartedWorker {
  baseUrl: string;
  dispose(): Promise<void>;
}

export async function startWorker(vars: Record<string, string>): Promise<StartedWorker> {
  Object.assign(process.env, {
    WRANGLER_SEND_METRICS: 'false',
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    WRANGLER_HIDE_BANNER: 'true',
  });
  await writeDocsAssets();
  const worker = await unstable_startWorker({
    config: `${root}wrangler.toml`,
    // wrangler 4.86 ignores nodejs_compat when bundling unless told (TOOLCHAIN.md).
    build: { nodejsCompatMode: 'v2' },
    bindings: Object.fromEntries(
      Object.entries(vars).map(([name, value]) => [name, { type: 'plain_text' as const, value }]),
    ),
    dev: {
      server: { hostname: '127.0.0.1', port: await freePort() },
      inspector: false,
      watch: false,
      persist: false,
      logLevel: 'error',
    },
  });
  await worker.ready;
  return { baseUrl: new URL(await worker.url).origin, dispose: () => worker.dispose() };
}
