import { createServer } from 'node:net';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProblemSchema } from '../../../schemas/problem';
import { SANDBOX_API_KEY } from '../../../src/config';
import {
  type NodeEntry,
  openConnection,
  type RawConnection,
  spawnNodeEntry,
  startNodeEntry,
} from './node-process';

/**
 * Issue 15, items 1, 4, 8 and 9 on the real Node entry: graceful shutdown under keep-alive traffic,
 * the drain timeout, request timeouts, client aborts, the 413 that must not poison the next request
 * on its connection, webhook customer ids, a taken port, and the sandbox's loopback default.
 */

const AUTH = `Authorization: Bearer ${SANDBOX_API_KEY}`;
const BATCH = JSON.stringify({
  checks: [{ customerId: 'c1', vendor: 'chargebee', featureKey: 'xero-integration' }],
});

/** Writes a batch-check request but holds back its last body byte: the request stays in flight. */
function holdBatch(connection: RawConnection, requestId: string): () => void {
  connection.write(
    `POST /v1/check HTTP/1.1\r\nHost: gateway\r\n${AUTH}\r\nX-Request-Id: ${requestId}\r\nContent-Type: application/json\r\nContent-Length: ${BATCH.length}\r\n\r\n${BATCH.slice(0, -1)}`,
  );
  return () => connection.write(BATCH.slice(-1));
}

function get(connection: RawConnection, target: string, requestId: string): void {
  connection.write(
    `GET ${target} HTTP/1.1\r\nHost: gateway\r\n${AUTH}\r\nX-Request-Id: ${requestId}\r\n\r\n`,
  );
}

describe('SIGTERM under keep-alive load', () => {
  let entry: NodeEntry;
  beforeAll(async () => {
    entry = await startNodeEntry({});
  });
  afterAll(async () => {
    await entry?.kill();
  });

  it('listens on loopback in sandbox mode, as the banner says', async () => {
    const listening = entry.logs().find((line) => line['event'] === 'listening');
    expect(listening?.['hostname']).toBe('127.0.0.1');
    await entry.waitForStdout(`http://127.0.0.1:${entry.port}/`);
  });

  it('answers every request it started, closes idle and busy connections, and exits 0', async () => {
    // Idle keep-alive connections: each has been used once and stays open.
    const idle = await Promise.all(Array.from({ length: 6 }, () => openConnection(entry.port)));
    for (const [index, connection] of idle.entries()) {
      get(connection, '/healthz', `idle-${index}`);
      expect((await connection.nextResponse()).status).toBe(200);
    }
    // Requests in flight at the signal: their bodies are not complete yet.
    const held = await Promise.all(Array.from({ length: 4 }, () => openConnection(entry.port)));
    const finishers = held.map((connection, index) => holdBatch(connection, `held-${index}`));

    // Load: keep-alive connections that send one request after another until the server closes them.
    const answered = new Set<string>();
    const statuses: number[] = [];
    let sequence = 0;
    const loops = await Promise.all(
      Array.from({ length: 4 }, async (_, loop) => {
        const connection = await openConnection(entry.port);
        // Wrapped, so awaiting the connections does not await the loop itself.
        return {
          done: (async () => {
            for (;;) {
              const id = `load-${loop}-${sequence++}`;
              get(connection, '/v1/customers/c1/entitlements?vendor=chargebee&limit=5', id);
              let response: Awaited<ReturnType<RawConnection['nextResponse']>>;
              try {
                response = await connection.nextResponse();
              } catch {
                return; // closed while idle: the request never started (checked against the log below)
              }
              answered.add(id);
              statuses.push(response.status);
              if (response.headers['connection'] === 'close') {
                await connection.closed;
                return;
              }
            }
          })(),
        };
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));

    entry.child.kill('SIGTERM');
    await entry.waitForEvent('shutting_down');
    // Idle connections are closed by the server without anything sent on them.
    await Promise.all(idle.map((connection) => connection.closed));
    // The held requests complete after the signal: each is answered, and told the connection closes.
    for (const finish of finishers) finish();
    for (const connection of held) {
      const response = await connection.nextResponse();
      expect(response.status).toBe(200);
      expect(response.headers['connection']).toBe('close');
      await connection.closed;
    }
    await Promise.all(loops.map((loop) => loop.done));

    expect(await entry.exited).toEqual({ code: 0, signal: null });
    expect(statuses.every((status) => status === 200)).toBe(true);
    expect(answered.size).toBeGreaterThan(0);
    // Every load request the gateway started (logged) reached its client.
    const started = entry
      .logs()
      .filter((line) => line['event'] === 'request' && String(line['requestId']).startsWith('load-'))
      .map((line) => String(line['requestId']));
    for (const id of started) expect(answered, id).toContain(id);
    expect(entry.logs().some((line) => line['event'] === 'stopped')).toBe(true);
  });
});

describe('the drain timeout', () => {
  it('exits 1 with a log line when a request outlives SHUTDOWN_TIMEOUT_MS', async () => {
    const entry = await startNodeEntry({ SHUTDOWN_TIMEOUT_MS: '300' });
    try {
      const connection = await openConnection(entry.port);
      holdBatch(connection, 'never-finished');
      await new Promise((resolve) => setTimeout(resolve, 100));
      entry.child.kill('SIGTERM');
      expect((await entry.exited).code).toBe(1);
      const line = entry.logs().find((log) => log['event'] === 'shutdown_timeout');
      expect(line).toMatchObject({ level: 'error', timeoutMs: 300, phase: 'requests', inFlight: 1 });
    } finally {
      await entry.kill();
    }
  });
});

describe('the connection cap', () => {
  it('closes connections beyond HTTP_MAX_CONNECTIONS at accept and logs it', async () => {
    const entry = await startNodeEntry({ HTTP_MAX_CONNECTIONS: '2' });
    try {
      const open = await Promise.all([openConnection(entry.port), openConnection(entry.port)]);
      for (const [index, connection] of open.entries()) {
        get(connection, '/healthz', `capped-${index}`);
        expect((await connection.nextResponse()).status).toBe(200);
      }
      const third = await openConnection(entry.port);
      get(third, '/healthz', 'over-the-cap');
      await third.closed;
      await expect(third.nextResponse()).rejects.toThrow(/closed/);
      expect((await entry.waitForEvent('connection_dropped'))['maxConnections']).toBe(2);
    } finally {
      await entry.kill();
    }
  });
});

describe('slow, aborted and oversized requests', () => {
  let entry: NodeEntry;
  const hookAuth = `Basic ${Buffer.from('ops-hooks:ops-hook-password').toString('base64')}`;
  beforeAll(async () => {
    entry = await startNodeEntry({
      HTTP_REQUEST_TIMEOUT_MS: '1000',
      CHARGEBEE_WEBHOOK_USERNAME: 'ops-hooks',
      CHARGEBEE_WEBHOOK_PASSWORD: 'ops-hook-password',
    });
  });
  afterAll(async () => {
    await entry?.kill();
  });

  it('cuts a client that trickles its body at HTTP_REQUEST_TIMEOUT_MS with a 408 problem', async () => {
    const connection = await openConnection(entry.port);
    connection.write(
      `POST /v1/webhooks/chargebee HTTP/1.1\r\nHost: gateway\r\nAuthorization: ${hookAuth}\r\nX-Request-Id: slow-body\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"id":`,
    );
    const response = await connection.nextResponse();
    await connection.closed;
    expect(response.status).toBe(408);
    expect(ProblemSchema.parse(JSON.parse(response.body)).code).toBe('request_timeout');
    await entry.waitForEvent('client_timeout');
  });

  it('logs a webhook upload the client drops mid-body as a client abort at warn, not a 500', async () => {
    const connection = await openConnection(entry.port);
    connection.write(
      `POST /v1/webhooks/chargebee HTTP/1.1\r\nHost: gateway\r\nAuthorization: ${hookAuth}\r\nX-Request-Id: dropped-upload\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"id":"ev_`,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    connection.socket.destroy();
    const requestLine = await new Promise<Record<string, unknown>>((resolve) => {
      const poll = setInterval(() => {
        const line = entry
          .logs()
          .find((log) => log['event'] === 'request' && log['requestId'] === 'dropped-upload');
        if (line) {
          clearInterval(poll);
          resolve(line);
        }
      }, 10);
    });
    expect(requestLine['status']).toBeLessThan(500);
    const related = entry.logs().filter((log) => log['requestId'] === 'dropped-upload');
    expect(related.find((log) => log['event'] === 'client_aborted')?.['level']).toBe('warn');
    expect(related.some((log) => log['event'] === 'unhandled_error' || log['level'] === 'error')).toBe(false);
  });

  it('keeps the next request on the same keep-alive connection working after a 413', async () => {
    const agent = new Agent({ connections: 1, pipelining: 1 });
    try {
      const warm = await undiciFetch(`${entry.baseUrl}/healthz`, { dispatcher: agent });
      expect(warm.status).toBe(200);
      await warm.text();
      const tooLarge = await undiciFetch(`${entry.baseUrl}/v1/webhooks/chargebee`, {
        method: 'POST',
        dispatcher: agent,
        headers: { authorization: hookAuth, 'content-type': 'application/json' },
        body: `{"pad":"${'x'.repeat(1_100_000)}"}`,
      });
      expect(tooLarge.status).toBe(413);
      await tooLarge.text();
      const next = await undiciFetch(`${entry.baseUrl}/healthz`, { dispatcher: agent });
      expect(next.status).toBe(200);
      expect(await next.json()).toEqual({ status: 'ok' });
    } finally {
      await agent.close();
    }
  });

  it('skips a Chargebee webhook customer id that is a lone surrogate (200, nothing invalidated)', async () => {
    const response = await fetch(`${entry.baseUrl}/v1/webhooks/chargebee`, {
      method: 'POST',
      headers: { authorization: hookAuth, 'content-type': 'application/json', 'x-request-id': 'surrogate' },
      body: '{"id":"ev_ops_surrogate_1","event_type":"customer_changed","content":{"customer":{"id":"\\ud800"}}}',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ invalidatedCustomers: 0, duplicate: false });
    const skipped = await entry.waitForEvent('webhook_targets_skipped');
    expect(skipped).toMatchObject({ level: 'warn', skipped: 1 });
  });
});

describe('a port already in use', () => {
  it('prints one line naming PORT and exits 1, without a stack trace', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const address = blocker.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const { exited, output } = spawnNodeEntry({ PORT: String(port), HOST: '127.0.0.1' });
      expect((await exited).code).toBe(1);
      const lines = output().stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`127.0.0.1:${port}`);
      expect(lines[0]).toMatch(/already in use.*PORT/);
      expect(output().stderr).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
  });
});
