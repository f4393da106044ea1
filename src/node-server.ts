import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { createAdaptorServer } from '@hono/node-server';
import type { NodeServerSettings } from './config';
import { rawProblemResponse } from './errors/problem';
import type { Logger } from './logger';

/** A fetch handler as @hono/node-server calls it (the app's `fetch`). */
export type NodeFetch = Parameters<typeof createAdaptorServer>[0]['fetch'];

/** Options of {@link listenNodeServer}. */
export interface NodeServerOptions {
  fetch: NodeFetch;
  port: number;
  host: string;
  settings: Omit<NodeServerSettings, 'shutdownTimeoutMs'>;
  logger: Logger;
}

/** How a drain ended. */
export interface DrainOutcome {
  /** Every connection closed within the timeout. */
  drained: boolean;
  /** Requests still being answered when the timeout fired (0 when drained). */
  inFlight: number;
  /** Connections still open when the timeout fired (0 when drained). */
  openConnections: number;
}

/** A listening Node HTTP server with a graceful drain. */
export interface RunningNodeServer {
  server: Server;
  /** The bound port (the chosen one when `port` was 0). */
  port: number;
  /**
   * Graceful stop: stop accepting, close idle keep-alive connections now, let requests in flight
   * finish with `Connection: close` (so their clients do not send another request on the same
   * connection), and resolve once every connection is closed or after `timeoutMs`, whichever comes
   * first. Connections still open at the timeout are left to the caller (the process exits).
   */
  drain(timeoutMs: number): Promise<DrainOutcome>;
}

/** A listen failure turned into one line an operator can act on (no stack trace). */
export class ListenError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'ListenError';
  }
}

function listenFailureMessage(error: NodeJS.ErrnoException, host: string, port: number): string {
  const where = `${host}:${port}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return `Cannot listen on ${where}: the port is already in use. Stop the other process or set PORT (and HOST) to a free address.`;
    case 'EACCES':
      return `Cannot listen on ${where}: permission denied. Use a port above 1023 (PORT) or grant the process the right to bind it.`;
    case 'EADDRNOTAVAIL':
      return `Cannot listen on ${where}: the address is not one of this machine's. Set HOST to a local address (127.0.0.1, 0.0.0.0 or ::).`;
    default:
      return `Cannot listen on ${where}: ${error.code ?? error.message}. Check PORT and HOST.`;
  }
}

/** How often a drain closes the connections that have become idle since it started. */
const IDLE_SWEEP_MS = 25;

/** Whether a request announced a body (a body the app may answer before reading). */
function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Node's HTTP parser and timers report some failures before (or instead of) the app: a header
 * section over the limit, an unparsable request, a request or header section that did not arrive in
 * time. They are answered with a problem too (Node's own answer is an empty 400/408/431), unless an
 * answer has already started on that connection.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex, logger: Logger): void {
  const started = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage?.headersSent;
  if (error.code === 'ECONNRESET' || !socket.writable || started === true) {
    socket.destroy();
    return;
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    // A client trickling its headers or body holds a socket: cut at the configured timeout.
    logger.warn('client_timeout', { code: error.code });
    socket.end(
      rawProblemResponse(
        'request_timeout',
        'The request did not arrive in time (HTTP_REQUEST_TIMEOUT_MS / HTTP_HEADERS_TIMEOUT_MS).',
      ),
    );
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
}

/**
 * Serves `fetch` on Node with the configured timeouts and connection cap, answers parser failures
 * with problems, and closes a connection whose request body was not read (an early 413/401/415):
 * leaving the rest of that body on a keep-alive connection would make it the start of the "next
 * request", so the answer says `Connection: close` instead of promising keep-alive and then cutting.
 */
export function listenNodeServer(options: NodeServerOptions): Promise<RunningNodeServer> {
  const { settings, logger } = options;
  const inFlight = new Set<ServerResponse>();
  let draining = false;

  // The connection bookkeeping is done in the handler, not in `request`/`close` listeners: a second
  // `request` listener and a `close` listener on every response cost a cached answer a measurable
  // share of its throughput. An answer given synchronously (the hot answers) is written before any
  // other event of the process runs, so a drain never finds it half done: only answers that wait
  // are tracked, until they settle.
  const handle: NodeFetch = (request, bindings) => {
    const { incoming, outgoing } = bindings as { incoming: IncomingMessage; outgoing: ServerResponse };
    if (draining) {
      outgoing.setHeader('connection', 'close');
    } else if (hasBody(incoming)) {
      const writeHead = outgoing.writeHead;
      outgoing.writeHead = function writeHeadClosingUnread(this: ServerResponse, ...args: unknown[]) {
        if (!incoming.complete) this.setHeader('connection', 'close');
        return (writeHead as (...inner: unknown[]) => ServerResponse).apply(this, args);
      } as ServerResponse['writeHead'];
    }
    const answer = options.fetch(request, bindings);
    if (answer instanceof Promise) {
      inFlight.add(outgoing);
      const settle = () => inFlight.delete(outgoing);
      answer.then(settle, settle);
    }
    return answer;
  };
  const server = createAdaptorServer({
    fetch: handle,
    serverOptions: {
      requestTimeout: settings.requestTimeoutMs,
      headersTimeout: settings.headersTimeoutMs,
      keepAliveTimeout: settings.keepAliveTimeoutMs,
      // Node checks the two timeouts above on this interval (default 30 s): check often enough that
      // a slow client is cut close to the configured time.
      connectionsCheckingInterval: Math.max(
        50,
        Math.min(1_000, Math.floor(Math.min(settings.requestTimeoutMs, settings.headersTimeoutMs) / 4)),
      ),
    },
  }) as Server;
  server.maxConnections = settings.maxConnections;

  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) =>
    answerClientError(error, socket, logger),
  );
  server.on('drop', () => logger.warn('connection_dropped', { maxConnections: settings.maxConnections }));

  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(new ListenError(listenFailureMessage(error, options.host, options.port), error.code));
    };
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : options.port;
      resolve({
        server,
        port,
        drain(timeoutMs) {
          draining = true;
          const closed = new Promise<void>((done) => server.close(() => done()));
          // Requests being answered: their answer closes its connection.
          for (const response of inFlight) {
            if (!response.headersSent) response.setHeader('connection', 'close');
          }
          server.closeIdleConnections();
          // A connection whose answer had started (a stream) or had just been written becomes idle
          // when that answer finishes: close it then rather than wait for the client to reuse it.
          const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
          sweep.unref();
          return new Promise<DrainOutcome>((done) => {
            const timer = setTimeout(() => {
              clearInterval(sweep);
              server.getConnections((_error, count) =>
                done({ drained: false, inFlight: inFlight.size, openConnections: count ?? 0 }),
              );
            }, timeoutMs);
            timer.unref();
            void closed.then(() => {
              clearTimeout(timer);
              clearInterval(sweep);
              done({ drained: true, inFlight: 0, openConnections: 0 });
            });
          });
        },
      });
    });
  });
}
