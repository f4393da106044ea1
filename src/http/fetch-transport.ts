import type { Transport, TransportResponse } from '../../adapters/kit/upstream';

/** The `fetch` signature the transport needs (global `fetch`, a Worker service binding's `fetch`, a test double). */
export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

/**
 * The Workers transport: the platform `fetch`, which pools connections itself. The per-attempt
 * `signal` cancels the request and its body stream. Redirects are not followed: the vendor APIs do
 * not redirect API calls, and following one could send credentials to another host.
 */
export function createFetchTransport(fetchImpl: FetchFunction = fetch): Transport {
  return async (url, init): Promise<TransportResponse> => {
    const response = await fetchImpl(url, {
      method: init.method,
      headers: init.headers,
      signal: init.signal,
      redirect: 'manual',
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    return {
      status: response.status,
      headers: response.headers,
      text: () => response.text(),
    };
  };
}
