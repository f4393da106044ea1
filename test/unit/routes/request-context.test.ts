import { describe, expect, it } from 'vitest';
import { type AppScope, RequestScope } from '../../../src/gateway';
import { createJsonLogger, type LogLevel } from '../../../src/logger';
import { finishRequest, type RequestOutcome } from '../../../src/routes/middleware/request-context';

/** Finishes a request of `status` the way the app's entry does, with a logger at `level`. */
function finishing(level: LogLevel) {
  const lines: Array<Record<string, unknown>> = [];
  const outcomes: RequestOutcome[] = [];
  const logger = createJsonLogger({ level, write: (line) => lines.push(JSON.parse(line)) });
  const finish = (path: string, requestId: string, status: number) => {
    const request = new Request(`http://localhost${path}`, { headers: { 'x-request-id': requestId } });
    const scope = new RequestScope({} as AppScope, request, () => {}, 0);
    scope.route = path;
    finishRequest(
      scope,
      new Response(null, { status }),
      logger,
      (outcome) => outcomes.push(outcome),
      () => 5,
    );
  };
  return { finish, lines, outcomes };
}

describe('the access line', () => {
  it('is written for every request at LOG_LEVEL=info', () => {
    const { finish, lines } = finishing('info');
    finish('/ok', 'r-1', 200);
    finish('/broken', 'r-2', 503);
    expect(lines.map((line) => [line.event, line.level, line.requestId, line.status])).toEqual([
      ['request', 'info', 'r-1', 200],
      ['request', 'error', 'r-2', 503],
    ]);
  });

  it('at LOG_LEVEL=warn, only failed requests (5xx) are written', () => {
    const { finish, lines } = finishing('warn');
    finish('/ok', 'r-1', 200);
    finish('/broken', 'r-2', 503);
    expect(lines.map((line) => [line.event, line.level, line.requestId, line.status])).toEqual([
      ['request', 'error', 'r-2', 503],
    ]);
  });

  it('metrics are told of every request, whether or not its line is written', () => {
    const { finish, outcomes } = finishing('warn');
    finish('/ok', 'r-1', 200);
    finish('/broken', 'r-2', 503);
    expect(outcomes).toEqual([
      { method: 'GET', route: '/ok', status: 200, durationMs: 5 },
      { method: 'GET', route: '/broken', status: 503, durationMs: 5 },
    ]);
  });
});
