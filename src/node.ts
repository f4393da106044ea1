import { serve } from '@hono/node-server';
import { adapterFactories } from '../adapters/registry';
import { createApp } from './app';
import { BackgroundTasks } from './background-tasks';
import { ConfigError, type GatewayConfig, parseConfig } from './config';
import { rawProblemResponse } from './errors/problem';
import { createGateway } from './gateway';
import { createUndiciTransport } from './http/undici-transport';
import { createJsonLogger } from './logger';
import { registerDocsAssets } from './routes/system/docs-assets-node';
import { sandboxBanner, startSandbox } from './sandbox/sandbox';

/**
 * The Node entry: parse configuration once, serve the app with @hono/node-server, drain background
 * work and close connections on SIGTERM/SIGINT.
 */
async function main(): Promise<void> {
  let config: GatewayConfig;
  try {
    config = await parseConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const logger = createJsonLogger({ level: config.logLevel, secrets: config.secrets });
  for (const warning of config.warnings) logger.warn('config_warning', { warning });
  const background = new BackgroundTasks(logger);
  const sandbox = config.mode === 'sandbox' ? startSandbox(config) : null;
  const transport = createUndiciTransport({ connectTimeoutMs: config.upstream.attemptTimeoutMs });
  const gateway = createGateway({
    config: sandbox?.config ?? config,
    logger,
    transport: sandbox?.transport ?? transport,
    adapterFactories,
    redis: { mode: 'shared' },
    background: (promise) => background.add(promise),
  });
  const app = createApp(gateway.runtime, () => ({ waitUntil: (promise) => background.add(promise) }));
  registerDocsAssets(app);
  // The shared Redis client does not queue commands while connecting: wait (briefly) for it, so the
  // first requests do not fail their Redis commands and trip the cache's Redis breaker.
  if (config.redisUrl !== null && !(await gateway.redisReady(2_000))) {
    logger.warn('redis_not_ready_at_start', { waitedMs: 2_000 });
  }
  const hostname = process.env.HOST ?? '0.0.0.0';

  const server = serve({ fetch: app.fetch, port: config.port, hostname }, (info) => {
    logger.info('listening', {
      port: info.port,
      hostname,
      mode: config.mode,
      redis: config.redisUrl === null ? 'disabled' : 'enabled',
    });
    // The key the sandbox accepts: the first of GATEWAY_API_KEYS when set, else the demo key.
    const sandboxKey = process.env.GATEWAY_API_KEYS?.split(',')[0]?.trim() || undefined;
    if (sandbox) console.log(sandboxBanner(`http://127.0.0.1:${info.port}`, sandboxKey));
  });

  // Requests Node's HTTP parser refuses (headers over its limit, a malformed request line) never
  // reach the app: answer them with a problem too, instead of Node's empty 400/431.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: import('node:stream').Duplex) => {
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const code = error.code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : 'validation_failed';
    socket.end(
      rawProblemResponse(
        code,
        code === 'headers_too_large'
          ? 'The request headers are too large.'
          : 'The request could not be parsed as HTTP.',
      ),
    );
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting_down', { signal });
    const forced = setTimeout(() => process.exit(1), 15_000);
    forced.unref();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await background.drain();
    await gateway.close();
    await transport.close();
    clearTimeout(forced);
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

void main();
