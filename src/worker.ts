import { adapterFactories } from '../adapters/registry';
import { createApp } from './app';
import { ConfigError, parseConfig } from './config';
import { createFetchTransport } from './http/fetch-transport';
import { createJsonLogger } from './logger';
import { createPlatformRuntime } from './platform-runtime';
import { startSandbox } from './sandbox/sandbox';

/** Worker vars and secrets: the same names as the Node environment. */
export type WorkerEnv = Record<string, string | undefined>;

type Gateway = {
  fetch: (request: Request, env: WorkerEnv, ctx: ExecutionContext) => Response | Promise<Response>;
};

// One gateway per isolate: configuration parsed once, adapters, breakers, budgets and the in-process
// cache tier shared by the isolate's requests. Redis clients are NOT shared: a Worker's I/O objects
// belong to the request that made them, so the cache opens one per request.
let gatewayPromise: Promise<Gateway> | null = null;

async function buildGateway(env: WorkerEnv): Promise<Gateway> {
  const config = await parseConfig(env);
  const logger = createJsonLogger({ level: config.logLevel, secrets: config.secrets });
  const sandbox = config.mode === 'sandbox' ? startSandbox(config) : null;
  const { runtime } = createPlatformRuntime({
    config: sandbox?.config ?? config,
    logger,
    transport: sandbox?.transport ?? createFetchTransport(),
    adapterFactories,
    redis: { mode: 'per-request' },
  });
  return createApp(runtime, (c) => ({ waitUntil: (promise) => c.executionCtx.waitUntil(promise) }));
}

function misconfigured(requestId: string): Response {
  return new Response(
    JSON.stringify({
      type: 'https://entitlements-gateway.dev/problems/internal-error',
      title: 'Internal error',
      status: 500,
      detail: 'The gateway is misconfigured; its logs name the variable.',
      code: 'internal_error',
      requestId,
    }),
    { status: 500, headers: { 'content-type': 'application/problem+json' } },
  );
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    gatewayPromise ??= buildGateway(env);
    let gateway: Gateway;
    try {
      gateway = await gatewayPromise;
    } catch (error) {
      gatewayPromise = null;
      // The message names the bad variables and never their values (ConfigError's contract).
      console.error(
        error instanceof ConfigError ? error.message : 'gateway start-up failed',
        error instanceof ConfigError ? '' : error,
      );
      return misconfigured(crypto.randomUUID());
    }
    return gateway.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<WorkerEnv>;
