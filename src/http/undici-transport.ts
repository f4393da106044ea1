import { Agent, request } from 'undici';
import type { Transport } from './types';

/** Connection-pool settings of the Node transport. */
export interface UndiciTransportOptions {
  /** Sockets kept per vendor origin. */
  connectionsPerOrigin?: number;
  /** How long an idle keep-alive socket is kept. */
  keepAliveTimeoutMs?: number;
  /** Time allowed to open a connection. */
  connectTimeoutMs?: number;
}

/**
 * The Node transport: undici with keep-alive pooling and a per-origin connection cap, which is what
 * keeps a cold load at one round trip per vendor page instead of one handshake per page.
 */
export function createUndiciTransport(
  options: UndiciTransportOptions = {},
): Transport & { close(): Promise<void> } {
  const agent = new Agent({
    connections: options.connectionsPerOrigin ?? 16,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 10_000,
    keepAliveMaxTimeout: 60_000,
    connect: { timeout: options.connectTimeoutMs ?? 3_000 },
    pipelining: 1,
  });
  const transport = async (url: string, init: Parameters<Transport>[1]) => {
    const response = await request(url, {
      method: init.method as 'GET',
      headers: init.headers,
      body: init.body ?? null,
      signal: init.signal,
      dispatcher: agent,
    });
    const headers = response.headers;
    return {
      status: response.statusCode,
      headers: {
        get(name: string): string | null {
          const value = headers[name.toLowerCase()];
          if (value === undefined) return null;
          return Array.isArray(value) ? value.join(', ') : value;
        },
      },
      text: () => response.body.text(),
    };
  };
  return Object.assign(transport, { close: () => agent.close() });
}
