import { AsyncLocalStorage } from 'node:async_hooks';
import type { UpstreamCallReport, UpstreamClient } from '../http/types';

/**
 * Collects the vendor calls made on behalf of one request (for its log line and `Server-Timing`)
 * without threading a collector through every adapter: the request runs inside an async context,
 * and the upstream client the adapters hold reports into whichever request is current.
 * `node:async_hooks` is available on Node and, with `nodejs_compat`, in workerd.
 */
const currentCalls = new AsyncLocalStorage<UpstreamCallReport[]>();

/** Runs `work` with a fresh collector and returns its result and the calls it made. */
export function runObservingUpstream<T>(calls: UpstreamCallReport[], work: () => Promise<T>): Promise<T> {
  return currentCalls.run(calls, work);
}

/** Wraps an upstream client so each call reports into the current request's collector. */
export function observedUpstream(inner: UpstreamClient): UpstreamClient {
  return {
    requestJson(request, parseVendorError) {
      const calls = currentCalls.getStore();
      if (calls === undefined) return inner.requestJson(request, parseVendorError);
      const observer = request.observer;
      return inner.requestJson(
        {
          ...request,
          observer: (report) => {
            calls.push(report);
            observer?.(report);
          },
        },
        parseVendorError,
      );
    },
  };
}
