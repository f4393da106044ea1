import type { Transport } from '../../adapters/kit/upstream';
import type { adapterFactories } from '../../adapters/registry';
import { createApp } from '../../src/app';
import { BackgroundTasks } from '../../src/background-tasks';
import { parseConfig } from '../../src/config';
import { createGateway } from '../../src/gateway';
import type { Sleep } from '../../src/http/timers';
import { createJsonLogger } from '../../src/logger';

/** Keys and secrets the test gateways are configured with. */
export const TEST_KEY = 'test-key-aaaaaaaaaaaaaaaa';
export const OTHER_TENANT_KEY = 'other-key-bbbbbbbbbbbbbbbb';
export const TEST_CURSOR_SECRET = 'test-cursor-secret-0123456789abcdef';

/** A clock tests can move. */
export interface TestClock {
  now(): number;
  advance(ms: number): void;
}

export function createTestClock(start = Date.now()): TestClock {
  let now = start;
  return {
    now: () => now,
    advance(ms) {
      now += ms;
    },
  };
}

/**
 * A gateway app in process, wired exactly like the Node entry (resilient upstream client, tiered
 * cache, Redis when `REDIS_URL` is in `env`), with captured log lines.
 */
export async function createTestGateway(options: {
  env: Record<string, string | undefined>;
  adapterFactories: typeof adapterFactories;
  transport?: Transport;
  clock?: TestClock;
  /** The upstream client's waits (virtual time); real timers when absent. */
  sleep?: Sleep;
}) {
  const config = await parseConfig({
    CURSOR_SECRET: TEST_CURSOR_SECRET,
    // Production's 150 ms Redis budget is for a quiet host; a loaded 2-core test machine can exceed it
    // and open the Redis breaker, which changes what route tests observe. Tests of the timeout itself set it.
    REDIS_COMMAND_TIMEOUT_MS: '1000',
    ...options.env,
  });
  const logs: string[] = [];
  const logger = createJsonLogger({
    level: 'debug',
    secrets: config.secrets,
    write: (line) => logs.push(line),
  });
  const background = new BackgroundTasks(logger);
  const transport: Transport =
    options.transport ??
    (async () => {
      throw new TypeError('no transport in this test');
    });
  const platform = createGateway({
    config,
    logger,
    transport,
    adapterFactories: options.adapterFactories,
    redis: { mode: 'shared' },
    background: (promise) => background.add(promise),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
  });
  const app = createApp(platform.runtime, () => ({ waitUntil: (promise) => background.add(promise) }));
  return {
    app,
    runtime: platform.runtime,
    platform,
    config,
    logs,
    background,
    close: () => platform.close(),
  };
}

/** `Authorization` header for a key. */
export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
