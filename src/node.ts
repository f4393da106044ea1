import { BackgroundTasks } from './background-tasks';
import { ConfigError, type GatewayConfig, parseConfig } from './config';
import { standaloneProblemResponse } from './errors/problem';
import { createUndiciTransport } from './http/undici-transport';
import { createJsonLogger } from './logger';
import { createNodeApp, isMetricsPath } from './node-app';
import { ListenError, listenNodeServer, type RunningNodeServer } from './node-server';
import { metricsResponse } from './observability/prometheus';
import { sandboxBanner } from './sandbox/sandbox';

/**
 * The Node entry: parse configuration once, serve the app with @hono/node-server, and on
 * SIGTERM/SIGINT drain gracefully (docs/operations.md): stop accepting, answer what is in flight,
 * finish background work, exit 0; exit 1 when the drain outlives SHUTDOWN_TIMEOUT_MS.
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
  // Warnings are fixed sentences naming variables (never values, see ConfigError): written without
  // secret redaction, so a weak key that happens to be a word in the sentence cannot garble it.
  const configLogger = createJsonLogger({ level: config.logLevel });
  for (const warning of config.warnings) configLogger.warn('config_warning', { warning });
  const background = new BackgroundTasks(logger);
  const transport = createUndiciTransport({ connectTimeoutMs: config.upstream.attemptTimeoutMs });
  const { sandbox, gateway, metrics, fetch } = createNodeApp({ config, logger, background, transport });
  // The shared Redis client does not queue commands while connecting: wait (briefly) for it, so the
  // first requests do not fail their Redis commands and trip the cache's Redis breaker.
  if (config.redisUrl !== null && !(await gateway.redisReady(2_000))) {
    logger.warn('redis_not_ready_at_start', { waitedMs: 2_000 });
  }
  let listening: RunningNodeServer;
  try {
    listening = await listenNodeServer({
      fetch,
      port: config.port,
      host: config.host,
      settings: config.server,
      logger,
    });
  } catch (error) {
    if (error instanceof ListenError) {
      // One line an operator can act on, not a stack trace.
      console.error(error.message);
      await gateway.close();
      await transport.close();
      process.exit(1);
    }
    throw error;
  }
  let metricsListener: RunningNodeServer | null = null;
  if (config.metrics.port !== null) {
    try {
      metricsListener = await listenNodeServer({
        fetch: (request, bindings) =>
          isMetricsPath(bindings.incoming.url)
            ? metricsResponse(metrics, request, config.metrics.key)
            : standaloneProblemResponse('not_found', 'This port serves GET /metrics only.'),
        port: config.metrics.port,
        host: config.host,
        settings: config.server,
        logger,
      });
    } catch (error) {
      if (!(error instanceof ListenError)) throw error;
      console.error(error.message.replace('PORT (and HOST)', 'METRICS_PORT (and HOST)'));
      process.exit(1);
    }
    logger.info('metrics_listening', { port: metricsListener.port, hostname: config.host });
  }
  logger.info('listening', {
    port: listening.port,
    hostname: config.host,
    mode: config.mode,
    redis: config.redisUrl === null ? 'disabled' : 'enabled',
  });
  if (sandbox) {
    // The key the sandbox accepts: the first of GATEWAY_API_KEYS when set, else the demo key.
    const sandboxKey = process.env.GATEWAY_API_KEYS?.split(',')[0]?.trim() || undefined;
    console.log(sandboxBanner(`http://${bannerHost(config.host)}:${listening.port}`, sandboxKey));
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const timeoutMs = config.server.shutdownTimeoutMs;
    logger.info('shutting_down', { signal, timeoutMs });
    const deadline = Date.now() + timeoutMs;
    const [outcome] = await Promise.all([listening.drain(timeoutMs), metricsListener?.drain(timeoutMs)]);
    if (!outcome.drained) {
      logger.error('shutdown_timeout', {
        timeoutMs,
        phase: 'requests',
        inFlight: outcome.inFlight,
        openConnections: outcome.openConnections,
      });
      process.exit(1);
    }
    // Background refreshes and Redis writes get what is left of the budget (at least a second).
    const forced = setTimeout(
      () => {
        logger.error('shutdown_timeout', { timeoutMs, phase: 'background' });
        process.exit(1);
      },
      Math.max(1_000, deadline - Date.now()),
    );
    forced.unref();
    await background.drain();
    await gateway.close();
    await transport.close();
    clearTimeout(forced);
    logger.info('stopped', { signal });
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/** The address a person on this machine would use for the listen address. */
function bannerHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

void main();
