import type { Clock, Transport } from '../adapters/kit';
import { adapterFactories } from '../adapters/registry';
import { createApp } from './app';
import { ConfigError, type GatewayConfig, parseConfig } from './config';
import { standaloneProblemResponse } from './errors/problem';
import { createGateway } from './gateway';
import { createFetchTransport } from './http/fetch-transport';
import { createJsonLogger } from './logger';
import { startSandbox } from './sandbox/sandbox';

/** Worker vars and secrets: the same names as the Node environment. */
export type WorkerEnv = Record<string, string | undefined>;

/** The Workers `fetch` handler of the gateway. */
export interface GatewayWorker {
  fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response>;
}

/**
 * Options of {@link createWorker}. Production (the default export) uses none of them; tests inside
 * workerd use them to drive the same entry deterministically.
 */
export interface WorkerOptions {
  /** The clock of the cache and the upstream client. Default: `Date.now`. */
  clock?: Clock;
  /** Where JSON log lines go. Default: `console.log` (Workers Logs / `wrangler tail`). */
  writeLog?: (line: string) => void;
  /**
   * Adjusts the parsed configuration before the gateway is built from it. Tests give each run its
   * own tenant id, so runs sharing one Redis never read or invalidate each other's entries.
   */
  configure?: (config: GatewayConfig) => GatewayConfig;
  /**
   * Wraps the vendor transport (the sandbox's in-process one, or `fetch`). Tests add latency, so
   * that concurrent requests really overlap at the vendor as they do over a network.
   */
  wrapTransport?: (transport: Transport) => Transport;
}

type Gateway = {
  fetch: (request: Request, env: WorkerEnv, ctx: ExecutionContext) => Response | Promise<Response>;
};

async function buildGateway(env: WorkerEnv, options: WorkerOptions): Promise<Gateway> {
  const parsed = await parseConfig(env);
  const config = options.configure ? options.configure(parsed) : parsed;
  const logger = createJsonLogger({
    level: config.logLevel,
    secrets: config.secrets,
    ...(options.writeLog === undefined ? {} : { write: options.writeLog }),
  });
  for (const warning of config.warnings) logger.warn('config_warning', { warning });
  const sandbox = config.mode === 'sandbox' ? startSandbox(config) : null;
  const { runtime } = createGateway({
    config: sandbox?.config ?? config,
    logger,
    transport: (options.wrapTransport ?? ((transport: Transport) => transport))(
      sandbox?.transport ?? createFetchTransport(),
    ),
    adapterFactories,
    // A Worker's I/O objects belong to the request that made them: one Redis client per request,
    // closed through that request's `waitUntil` (TOOLCHAIN.md, "code had hung").
    redis: { mode: 'per-request' },
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  // Background work (stale refreshes, Redis writes and the client's close) outlives the response
  // only through the request's `waitUntil`.
  return createApp(runtime, (ctx) => ({
    waitUntil: (promise) => {
      if (ctx === undefined) throw new Error('This context has no ExecutionContext');
      ctx.waitUntil(promise);
    },
  }));
}

/**
 * What a Worker whose configuration cannot be used answers. Liveness stays 200 (the isolate is
 * alive; restarting it changes nothing), readiness is 503 with `config: invalid`, and every other
 * route is the documented 500 problem, saying so. Neither names a variable or a value: the logs name the variables.
 */
function misconfigured(request: Request): Response {
  const path = new URL(request.url).pathname;
  const headers = {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    'x-request-id': crypto.randomUUID(),
  };
  if (path === '/healthz') return new Response(JSON.stringify({ status: 'ok' }), { status: 200, headers });
  if (path === '/readyz')
    return new Response(
      JSON.stringify({ status: 'not_ready', mode: 'configured', checks: { config: 'invalid' } }),
      { status: 503, headers },
    );
  return standaloneProblemResponse(
    'internal_error',
    "The gateway is misconfigured: a variable is missing or invalid. The Worker's logs name it.",
  );
}

/**
 * Builds the Worker's handler. One gateway per handler, built on the first request (Worker vars and
 * secrets only arrive with a request) and kept for the isolate's life: configuration parsed once;
 * adapters, breakers, budgets and the in-process cache tier shared by the isolate's requests. Redis
 * clients are NOT shared (see above).
 */
export function createWorker(options: WorkerOptions = {}): GatewayWorker {
  let gatewayPromise: Promise<Gateway> | null = null;
  return {
    async fetch(request, env, ctx) {
      gatewayPromise ??= buildGateway(env, options);
      let gateway: Gateway;
      try {
        gateway = await gatewayPromise;
      } catch (error) {
        // Not cached: the next request retries (a secret may have been fixed in between).
        gatewayPromise = null;
        // The message names the bad variables and never their values (ConfigError's contract).
        console.error(
          error instanceof ConfigError ? error.message : 'gateway start-up failed',
          error instanceof ConfigError ? '' : error,
        );
        return misconfigured(request);
      }
      return gateway.fetch(request, env, ctx);
    },
  };
}

export default createWorker() satisfies ExportedHandler<WorkerEnv>;
