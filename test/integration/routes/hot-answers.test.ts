import { afterEach, describe, expect, it } from 'vitest';
import { adapterFactories } from '../../../adapters/registry';
import { createApp } from '../../../src/app';
import { BackgroundTasks } from '../../../src/background-tasks';
import { parseConfig } from '../../../src/config';
import { createGateway } from '../../../src/gateway';
import { createJsonLogger } from '../../../src/logger';
import { startSandbox } from '../../../src/sandbox/sandbox';

/**
 * The hot path (src/routes/hot-answers.ts) answers a repeated cached check or first list page in
 * the tick the request arrives: `app.fetch` returns a Response, not a promise. Everything it
 * answers must be byte for byte what the routed path answers, and everything it does not handle
 * exactly like the router must be routed.
 */

const KEY = 'eg_sandbox_demo_key';
const auth = { authorization: `Bearer ${KEY}` };
const CHECK = '/v1/customers/c1/entitlements/user-licenses?vendor=chargebee';
const LIST = '/v1/customers/c1/entitlements?vendor=chargebee&limit=2';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function sandboxApp(env: Record<string, string> = {}) {
  const config = await parseConfig({ LOG_LEVEL: 'warn', ...env });
  const logger = createJsonLogger({ level: 'warn', write: () => {} });
  const background = new BackgroundTasks(logger);
  const sandbox = startSandbox(config);
  // A frozen clock (moved only by `advance`): `Age` and `ttl` are the same on every answer.
  let now = Date.parse('2026-06-01T12:00:00Z');
  const gateway = createGateway({
    config: sandbox.config,
    logger,
    transport: sandbox.transport,
    adapterFactories,
    redis: { mode: 'shared' },
    background: (promise) => background.add(promise),
    clock: { now: () => now },
  });
  const app = createApp(gateway.runtime, () => ({ waitUntil: (promise) => background.add(promise) }));
  closers.push(async () => {
    await background.drain();
    await gateway.close();
  });
  const send = (path: string, headers: Record<string, string> = auth) =>
    app.fetch(new Request(`http://localhost${path}`, { headers: { 'x-request-id': 'r-1', ...headers } }));
  const advance = (ms: number) => {
    now += ms;
  };
  return { send, advance, metrics: gateway.cacheState.metrics };
}

/** What an answer says, but for its timing. */
async function answer(response: Response | Promise<Response>) {
  const settled = await response;
  const headers = Object.fromEntries(settled.headers);
  delete headers['server-timing'];
  return { status: settled.status, headers, body: await settled.text() };
}

describe('hot answers', () => {
  it('answer a repeated cached check and first page at once, exactly as the router does', async () => {
    const { send, metrics } = await sandboxApp();
    // Each path with a spelling of the same request that the hot path leaves to the router (an
    // encoded character it does not decode), so both answer the same cache hit.
    const pairs: Array<[string, string]> = [
      [CHECK, '/v1/customers/c1/entitlements/user%2Dlicenses?vendor=chargebee'],
      [LIST, '/v1/customers/c1/entitlements?vendor=chargebee&limit=%32'],
      [`${LIST}&featureKey=support-level`, `${LIST}&featureKey=support%2Dlevel`],
      // A merged check: the sandbox's `acme` is linked at three vendors.
      ['/v1/customers/acme/entitlements/user-licenses', '/v1/customers/acme/entitlements/user%2Dlicenses'],
    ];
    for (const [path, routedSpelling] of pairs) {
      expect((await answer(send(path))).status, path).toBe(200);
      const routed = send(routedSpelling);
      expect(routed, routedSpelling).toBeInstanceOf(Promise);
      const reference = await answer(routed);
      const hits = metrics.memoryHits;
      const hot = send(path);
      expect(hot, path).toBeInstanceOf(Response);
      expect(await answer(hot), path).toEqual(reference);
      // The memory hits are counted once per vendor snapshot, as the routed path counts them.
      expect(metrics.memoryHits - hits, path).toBe(path.includes('acme') ? 3 : 1);
    }
    const health = send('/healthz');
    expect(health).toBeInstanceOf(Response);
    expect(await answer(health)).toMatchObject({ status: 200, body: '{"status":"ok"}' });
  });

  it('answer a check asked again and again only while its snapshot is a fresh memory hit', async () => {
    const { send, advance, metrics } = await sandboxApp({ CACHE_TTL_SECONDS: '60' });
    const first = await answer(send(CHECK));
    // The second answer is computed at once, the later ones are its repeats: all the same answer.
    for (let repeat = 0; repeat < 3; repeat++) {
      const hits = metrics.memoryHits;
      const hot = send(CHECK);
      expect(hot).toBeInstanceOf(Response);
      expect((await answer(hot)).body).toBe(first.body);
      expect(metrics.memoryHits - hits).toBe(1);
    }
    // Fresh up to and including its 60th second.
    advance(60_000);
    expect(send(CHECK)).toBeInstanceOf(Response);
    // Stale now: the router serves it and refreshes it, as for any stale entry.
    advance(1);
    const stale = send(CHECK);
    expect(stale).toBeInstanceOf(Promise);
    expect((await answer(stale)).headers['cache-status']).toContain('detail=stale-while-revalidate');
  });

  it('route everything they do not answer exactly like the router', async () => {
    const { send } = await sandboxApp();
    await answer(send(CHECK));
    await answer(send(LIST));
    const routedOnly: Array<[string, Record<string, string>]> = [
      // No key, a wrong key: the router answers 401 (the hot path never decides a failure).
      [CHECK, {}],
      [CHECK, { authorization: 'Bearer not-the-key' }],
      // A reload, an encoded segment, an unknown parameter, a cursor, an instant.
      [CHECK, { ...auth, 'cache-control': 'no-cache' }],
      ['/v1/customers/%63%31/entitlements/user-licenses?vendor=chargebee', auth],
      [`${CHECK}&unknown=1`, auth],
      ['/v1/customers/c1/entitlements?vendor=chargebee&limit=1&cursor=abc', auth],
      [`${CHECK}&at=2026-06-01T12:00:00Z`, auth],
      // A trailing slash, another route under the same prefix.
      ['/v1/customers/c1/entitlements/', auth],
      ['/v1/customers/c1/links', auth],
    ];
    for (const [path, headers] of routedOnly) {
      const response = send(path, headers);
      expect(response, `${path} ${JSON.stringify(headers)}`).toBeInstanceOf(Promise);
      await answer(response);
    }
  });

  it('leave a rate-limited tenant and configured CORS origins to the router', async () => {
    const limited = await sandboxApp({ RATE_LIMIT_PER_KEY_RPS: '1000', RATE_LIMIT_PER_KEY_BURST: '1000' });
    await answer(limited.send(CHECK));
    const response = limited.send(CHECK);
    expect(response).toBeInstanceOf(Promise);
    expect((await response).headers.get('ratelimit-policy')).not.toBeNull();

    const cors = await sandboxApp({ CORS_ORIGINS: 'https://app.example' });
    await answer(cors.send(CHECK));
    const withOrigin = cors.send(CHECK, { ...auth, origin: 'https://app.example' });
    expect(withOrigin).toBeInstanceOf(Promise);
    expect((await withOrigin).headers.get('access-control-allow-origin')).toBe('https://app.example');
  });
});
