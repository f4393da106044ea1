import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

/** A real HTTP server on loopback around a fetch handler, for tests that must cross a socket. */
export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export async function startHttpServer(app: {
  fetch: (request: Request) => Response | Promise<Response>;
}): Promise<RunningServer> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info: AddressInfo) => {
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            if ('closeAllConnections' in server) server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
