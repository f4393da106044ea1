import type { FetchHandler } from '../../adapters/kit/module';
import type { Transport } from '../../adapters/kit/upstream';

/**
 * A transport that hands each request to an in-process handler chosen by the URL's origin. Sandbox
 * mode uses it to put the vendor simulators behind the real adapters with no sockets, on Node and
 * in workerd alike.
 */
export function createInProcessTransport(handlersByOrigin: Record<string, FetchHandler>): Transport {
  return async (url, init) => {
    const origin = new URL(url).origin;
    const handler = handlersByOrigin[origin];
    if (!handler) throw new TypeError(`no in-process handler for ${origin}`);
    init.signal.throwIfAborted();
    const request = new Request(url, {
      method: init.method,
      headers: init.headers,
      signal: init.signal,
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    return handler.fetch(request);
  };
}
