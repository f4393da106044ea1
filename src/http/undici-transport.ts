import { Agent, type Dispatcher, request } from 'undici';
import type { Transport, TransportInit, TransportResponse } from '../../adapters/kit/upstream';

/** Connection-pool settings of the Node transport. Every duration is in milliseconds. */
export interface UndiciTransportOptions {
  /** Sockets kept per vendor origin. Default 16 (above the default per-connection concurrency cap of 10). */
  connectionsPerOrigin?: number;
  /** How long an idle keep-alive socket is kept. Default 10000. */
  keepAliveTimeoutMs?: number;
  /** Upper bound for a server's `Keep-Alive: timeout` hint. Default 60000. */
  keepAliveMaxTimeoutMs?: number;
  /** Time allowed to open a connection (TCP + TLS). Default 3000 (the default attempt timeout). */
  connectTimeoutMs?: number;
  /**
   * Time allowed for the response head. A safety net: the upstream client's per-attempt signal
   * normally fires first. Default 8000 (the default overall deadline).
   */
  headersTimeoutMs?: number;
  /** Longest silence allowed between body chunks; a safety net like `headersTimeoutMs`. Default 8000. */
  bodyTimeoutMs?: number;
  /** Largest response body accepted, in bytes; a bigger one fails the attempt. Default 16 MiB. */
  maxResponseBytes?: number;
}

/** The Node transport, plus `close()` to drain its pool at shutdown. */
export type UndiciTransport = Transport & {
  /** Closes the pool after in-flight requests finish. */
  close(): Promise<void>;
  /** The undici dispatcher (for stats in tests and diagnostics). */
  readonly dispatcher: Dispatcher;
};

function headerReader(headers: Record<string, string | string[] | undefined>): TransportResponse['headers'] {
  return {
    get(name: string): string | null {
      const value = headers[name.toLowerCase()];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(', ') : value;
    },
  };
}

/**
 * The Node transport: undici with keep-alive pooling and a per-origin connection cap, which is what
 * keeps a cold load at one round trip per vendor page instead of one handshake per page.
 *
 * Socket hygiene: the per-attempt `signal` is handed to undici, which destroys the request (and, for
 * a response still streaming, its socket) on abort, so a timed-out attempt never keeps a pooled
 * socket busy. A body that dies mid-way makes `text()` reject with undici's socket error, which the
 * upstream client reports as a truncated body.
 */
export function createUndiciTransport(options: UndiciTransportOptions = {}): UndiciTransport {
  const agent = new Agent({
    connections: options.connectionsPerOrigin ?? 16,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 10_000,
    keepAliveMaxTimeout: options.keepAliveMaxTimeoutMs ?? 60_000,
    connect: { timeout: options.connectTimeoutMs ?? 3_000 },
    headersTimeout: options.headersTimeoutMs ?? 8_000,
    bodyTimeout: options.bodyTimeoutMs ?? 8_000,
    maxResponseSize: options.maxResponseBytes ?? 16 * 1024 * 1024,
    // No pipelining: a slow response must not hold up the ones queued behind it on the same socket.
    pipelining: 1,
  });
  const transport = async (url: string, init: TransportInit): Promise<TransportResponse> => {
    const response = await request(url, {
      method: init.method as Dispatcher.HttpMethod,
      headers: init.headers,
      body: init.body ?? null,
      signal: init.signal,
      dispatcher: agent,
    });
    const { body } = response;
    return {
      status: response.statusCode,
      headers: headerReader(response.headers),
      text: async () => {
        try {
          return await body.text();
        } finally {
          // After an error mid-body the stream may be left half-open; destroying it frees the
          // socket now rather than at the next keep-alive timeout. A no-op once fully read.
          if (!body.destroyed) body.destroy();
        }
      },
    };
  };
  return Object.assign(transport, { close: () => agent.close(), dispatcher: agent });
}
