import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { GatewayEnv } from '../../../src/context';
import { createJsonLogger, type LogLevel } from '../../../src/logger';
import { requestContext } from '../../../src/routes/middleware/request-context';

function appLogging(level: LogLevel) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createJsonLogger({ level, write: (line) => lines.push(JSON.parse(line)) });
  const app = new Hono<GatewayEnv>();
  app.use(
    '*',
    requestContext(
      logger,
      () => ({ waitUntil: () => {} }),
      () => {},
    ),
  );
  app.get('/ok', (c) => c.text('ok'));
  app.get('/broken', (c) => c.text('broken', 503));
  return { app, lines };
}

describe('the access line', () => {
  it('is written for every request at LOG_LEVEL=info', async () => {
    const { app, lines } = appLogging('info');
    await app.request('/ok', { headers: { 'x-request-id': 'r-1' } });
    await app.request('/broken', { headers: { 'x-request-id': 'r-2' } });
    expect(lines.map((line) => [line.event, line.level, line.requestId, line.status])).toEqual([
      ['request', 'info', 'r-1', 200],
      ['request', 'error', 'r-2', 503],
    ]);
  });

  it('at LOG_LEVEL=warn, only failed requests (5xx) are written', async () => {
    const { app, lines } = appLogging('warn');
    await app.request('/ok', { headers: { 'x-request-id': 'r-1' } });
    await app.request('/broken', { headers: { 'x-request-id': 'r-2' } });
    expect(lines.map((line) => [line.event, line.level, line.requestId, line.status])).toEqual([
      ['request', 'error', 'r-2', 503],
    ]);
  });
});
