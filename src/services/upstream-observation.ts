import { AsyncLocalStorage } from 'node:async_hooks';
import type { UpstreamCallReport, UpstreamClient } from '../../adapters/kit/upstream';

/**
 * Collects the vendor calls made on behalf of one request (for its log line and `Server-Timing`)
 * without threading a collector through every adapter: a vendor load runs inside an async context,
 * and the upstream client the adapters hold reports into whichever request's load is current.
 * `node:async_hooks` is available on Node and, with `nodejs_compat`, in workerd.
 *
 * On Node 20 an enabled AsyncLocalStorage installs promise hooks that tax every promise in the
 * process, including the cache-hit hot path that never calls a vendor. So the context is entered only
 * around vendor loads, and the storage is disabled again (hooks removed) whenever no load is running.
 */
const currentCalls = new AsyncLocalStorage<UpstreamCallCollector>();
let loadsRunning = 0;
// workerd implements AsyncLocalStorage natively (no promise-hook tax) and has no `disable()`.
let canDisable = typeof (currentCalls as { disable?: unknown }).disable === 'function';

/**
 * The vendor calls of one request and the trace they continue (the request scope is one). The
 * collector already identifies its request wherever a vendor load runs (on Node and in workerd
 * alike), so the trace rides on it instead of being threaded through the cache and every adapter.
 */
export interface UpstreamCallCollector {
  readonly upstreamCalls: UpstreamCallReport[];
  /** The request's trace context (read only when a vendor call is made). */
  readonly trace: { traceId: string; flags: string };
}

/** Runs a vendor load so that the calls it makes are reported into the collector's `upstreamCalls`. */
export async function observeUpstreamCalls<T>(
  collector: UpstreamCallCollector,
  work: () => Promise<T>,
): Promise<T> {
  loadsRunning += 1;
  try {
    return await currentCalls.run(collector, work);
  } finally {
    loadsRunning -= 1;
    // Calls still pending from a finished load (rare: a sibling page after a failure) go unreported.
    if (loadsRunning === 0 && canDisable) {
      try {
        currentCalls.disable();
      } catch {
        canDisable = false;
      }
    }
  }
}

/** Wraps an upstream client so each call reports into the current load's collector and carries its trace. */
export function observedUpstream(inner: UpstreamClient): UpstreamClient {
  return {
    requestJson(request, parseVendorError) {
      const collector = currentCalls.getStore();
      if (collector === undefined) return inner.requestJson(request, parseVendorError);
      const observer = request.observer;
      const { traceId, flags } = collector.trace;
      return inner.requestJson(
        {
          ...request,
          trace: { traceId, flags },
          observer: (report) => {
            collector.upstreamCalls.push(report);
            observer?.(report);
          },
        },
        parseVendorError,
      );
    },
  };
}
