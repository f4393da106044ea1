import { describe, expect, it } from 'vitest';
import { type AppScope, RequestScope } from '../../../src/gateway';
import { createJsonLogger, type LogLevel } from '../../../src/logger';
import {
  finishRequest,
  type RequestOutcome,
  serverTimingValue,
  tenthsOfMs,
} from '../../../src/routes/middleware/request-context';

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

describe('Server-Timing durations', () => {
  it('are written with one decimal, within half a tenth of the duration, like toFixed(1) away from binary ties', () => {
    expect([0, 0.04, 0.06, 0.96, 1, 9.94, 12.345, 1234.56].map(tenthsOfMs)).toEqual([
      '0.0',
      '0.0',
      '0.1',
      '1.0',
      '1.0',
      '9.9',
      '12.3',
      '1234.6',
    ]);
    expect(tenthsOfMs(-3)).toBe('0.0');
    // Every hundredth from 0 to 2,000 ms, and thirds: the format, the rounding error, toFixed's digits.
    const wrong: Array<[number, string]> = [];
    for (let index = 0; index <= 200_000; index++) {
      for (const ms of [index / 100, index / 3]) {
        const written = tenthsOfMs(ms);
        const tie = Math.abs(ms * 10 - Math.trunc(ms * 10) - 0.5) < 1e-6;
        if (
          !/^\d+\.\d$/.test(written) ||
          Math.abs(Number(written) - ms) > 0.05 + 1e-9 ||
          (!tie && written !== ms.toFixed(1))
        )
          wrong.push([ms, written]);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('name the total, the cache status and the vendor time', () => {
    const scope = new RequestScope({} as AppScope, new Request('http://localhost/'), () => {}, 10);
    scope.cacheStatus = 'hit';
    expect(serverTimingValue(scope, () => 12.34)).toBe('total;dur=2.3, cache;desc="hit"');
    scope.upstreamCalls.push({ durationMs: 20.06 } as never, { durationMs: 5 } as never);
    expect(serverTimingValue(scope, () => 40)).toBe(
      'total;dur=30.0, cache;desc="hit", upstream;dur=25.1;desc="2 calls"',
    );
  });
});
