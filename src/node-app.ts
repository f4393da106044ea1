import { adapterFactories } from '../adapters/registry';
import { createApp } from './app';
import type { BackgroundTasks } from './background-tasks';
import type { GatewayConfig } from './config';
import { createGateway } from './gateway';
import type { UndiciTransport } from './http/undici-transport';
import type { Logger } from './logger';
import type { NodeFetch } from './node-server';
import { createGatewayPrometheus, type GatewayPrometheus, metricsResponse } from './observability/prometheus';
import { registerDocsAssets } from './routes/system/docs-assets-node';
import { startSandbox } from './sandbox/sandbox';

/**
 * The gateway as the Node entry serves it: the sandbox's simulators in sandbox mode, the gateway
 * (shared Redis client, background work kept alive by `background`), Prometheus metrics fed by every
 * request and vendor call, the docs assets, and the request handler (with `GET /metrics` on the main
 * port when METRICS_KEY is set and METRICS_PORT is not). Used by src/node.ts and by the benchmark's
 * server, so what is measured is what `npm start` runs.
 */
export function createNodeApp(options: {
  config: GatewayConfig;
  logger: Logger;
  background: BackgroundTasks;
  transport: UndiciTransport;
}) {
  const { config, logger, background, transport } = options;
  const sandbox = config.mode === 'sandbox' ? startSandbox(config) : null;
  // Created before the runtime reports into it; read at scrape time.
  let prometheus: GatewayPrometheus | undefined;
  const gateway = createGateway({
    config: sandbox?.config ?? config,
    logger,
    transport: sandbox?.transport ?? transport,
    adapterFactories,
    redis: { mode: 'shared' },
    background: (promise) => background.add(promise),
    onUpstreamCall: (report) => prometheus?.observeUpstreamCall(report),
  });
  prometheus = createGatewayPrometheus({
    cache: gateway.cacheState.metrics,
    breakers: () => gateway.breakers(),
    fallbackAnswers: () => gateway.fallbackAnswers(),
  });
  const metrics = prometheus;
  // One platform for every request: Node's background work outlives requests in `background`.
  const platform = { waitUntil: (promise: Promise<unknown>) => background.add(promise) };
  const app = createApp(gateway.runtime, () => platform, {
    observeRequest: (outcome) => metrics.observeRequest(outcome),
  });
  // GET /metrics: on the main port behind METRICS_KEY, or alone on METRICS_PORT; else not served.
  const metricsOnMainPort = config.metrics.port === null && config.metrics.key !== null;
  const fetch: NodeFetch = metricsOnMainPort
    ? (request, bindings) =>
        isMetricsPath(bindings.incoming.url)
          ? metricsResponse(metrics, request, config.metrics.key)
          : app.fetch(request, bindings)
    : app.fetch;
  registerDocsAssets(app);
  return { sandbox, gateway, metrics, app, fetch };
}

/** Whether a request target is the metrics path (the raw target: no URL parsing on the hot path). */
export function isMetricsPath(target: string | undefined): boolean {
  return target === '/metrics' || target?.startsWith('/metrics?') === true;
}
