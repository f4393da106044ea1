import type { Registry } from 'prom-client';
import type { RequestOutcome } from '../routes/middleware/request-context';

/**
 * The two per-request metrics (`gateway_http_requests_total`, `gateway_http_request_duration_seconds`),
 * kept as plain numbers and rendered by the prom-client registry at scrape time.
 *
 * Every request records into them, so they are on the hot path: prom-client's `Counter.inc` and
 * `Histogram.observe` build and validate a label-hash string on every call (measured ~2.5 µs per
 * request for the pair, as much as the rest of a cached check). Here a request costs two lookups in
 * maps keyed by strings the runtime already hashed (the method, the route pattern), a bucket search
 * and a few additions. The output is prom-client's own: the registry formats what `get()` returns
 * exactly as it formats its Counter and Histogram (same names, labels, `le` buckets, `_sum`, `_count`).
 *
 * Label values stay few by construction: routes are patterns (`*` when nothing matched), methods are
 * the ones Node's HTTP parser accepts, statuses are the gateway's.
 */

/** One (method, route) series: the counts by status and the latency histogram. */
interface Series {
  method: string;
  route: string;
  /** `{ method, route }`, one object per series (the registry memoizes its rendering per object). */
  labels: Record<string, string>;
  byStatus: Map<number, number>;
  /** Observations per bucket (not cumulative); the last slot counts those above every bound. */
  buckets: Float64Array;
  sum: number;
  count: number;
}

/** A sample as prom-client's registry renders it. */
interface MetricValue {
  labels: Record<string, string | number>;
  /** Labels rendered after `labels` (prom-client renders a histogram's `le` first, then these). */
  sharedLabels?: Record<string, string>;
  value: number;
  metricName?: string;
}

export interface RequestMetrics {
  observe(outcome: RequestOutcome): void;
}

/** Registers the request metrics in `registry`; `bucketsSeconds` are the histogram's upper bounds. */
export function registerRequestMetrics(
  registry: Registry,
  bucketsSeconds: readonly number[],
): RequestMetrics {
  const bounds = [...bucketsSeconds].sort((a, b) => a - b);
  const byMethod = new Map<string, Map<string, Series>>();

  const seriesOf = (method: string, route: string): Series => {
    let byRoute = byMethod.get(method);
    if (byRoute === undefined) {
      byRoute = new Map();
      byMethod.set(method, byRoute);
    }
    let series = byRoute.get(route);
    if (series === undefined) {
      series = {
        method,
        route,
        labels: { method, route },
        byStatus: new Map(),
        buckets: new Float64Array(bounds.length + 1),
        sum: 0,
        count: 0,
      };
      byRoute.set(route, series);
    }
    return series;
  };

  const allSeries = function* (): Generator<Series> {
    for (const byRoute of byMethod.values()) yield* byRoute.values();
  };

  registerRendered(
    registry,
    'gateway_http_requests_total',
    'Requests answered, by method, route pattern and status.',
    'counter',
    (values) => {
      for (const series of allSeries())
        for (const [status, count] of series.byStatus)
          values.push({
            labels: { method: series.method, route: series.route, status: String(status) },
            value: count,
          });
    },
  );

  const durationName = 'gateway_http_request_duration_seconds';
  const bucketName = `${durationName}_bucket`;
  registerRendered(
    registry,
    durationName,
    'Time to answer a request, by method and route pattern.',
    'histogram',
    (values) => {
      for (const series of allSeries()) {
        const { labels } = series;
        let cumulative = 0;
        bounds.forEach((bound, index) => {
          cumulative += series.buckets[index] as number;
          values.push({
            labels: { le: bound },
            sharedLabels: labels,
            value: cumulative,
            metricName: bucketName,
          });
        });
        values.push(
          { labels: { le: '+Inf' }, sharedLabels: labels, value: series.count, metricName: bucketName },
          { labels: {}, sharedLabels: labels, value: series.sum, metricName: `${durationName}_sum` },
          { labels: {}, sharedLabels: labels, value: series.count, metricName: `${durationName}_count` },
        );
      }
    },
  );

  return {
    observe({ method, route, status, durationMs }) {
      const series = seriesOf(method, route);
      series.byStatus.set(status, (series.byStatus.get(status) ?? 0) + 1);
      const seconds = durationMs / 1000;
      // Prometheus buckets are `le` (less than or equal): the first bound at or above the value.
      let bucket = 0;
      while (bucket < bounds.length && seconds > (bounds[bucket] as number)) bucket += 1;
      series.buckets[bucket] = (series.buckets[bucket] as number) + 1;
      series.sum += seconds;
      series.count += 1;
    },
  };
}

/**
 * Registers a metric whose samples `fill` writes at scrape time, in the shape prom-client's own
 * metrics return from `get()` (the registry renders both the same way).
 */
function registerRendered(
  registry: Registry,
  name: string,
  help: string,
  type: 'counter' | 'histogram',
  fill: (values: MetricValue[]) => void,
): void {
  registry.registerMetric({
    name,
    get: async () => {
      const values: MetricValue[] = [];
      fill(values);
      return { name, help, type, values, aggregator: 'sum' };
    },
  } as unknown as Parameters<Registry['registerMetric']>[0]);
}
