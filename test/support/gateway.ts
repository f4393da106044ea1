import type { adapterFactories } from '../../adapters/registry';
import { createApp } from '../../src/app';
import { BackgroundTasks } from '../../src/background-tasks';
import { parseConfig } from '../../src/config';
import type { Transport } from '../../src/http/types';
import { createUpstreamClient } from '../../src/http/upstream-client';
import { createJsonLogger } from '../../src/logger';
import { createRuntime } from '../../src/runtime';

/** Keys and secrets the test gateways are configured with. */
export const TEST_KEY = 'test-key-aaaaaaaaaaaaaaaa';
export const OTHER_TENANT_KEY = 'other-key-bbbbbbbbbbbbbbbb';
export const TEST_CURSOR_SECRET = 'test-cursor-secret-0123456789abcdef';

/** A gateway app in process, with captured log lines. */
export async function createTestGateway(options: {
  env: Record<string, string | undefined>;
  adapterFactories: typeof adapterFactories;
  transport?: Transport;
}) {
  const config = await parseConfig({ CURSOR_SECRET: TEST_CURSOR_SECRET, ...options.env });
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
  const runtime = createRuntime({
    config,
    logger,
    clock: { now: () => Date.now() },
    upstream: createUpstreamClient({ transport }),
    adapterFactories: options.adapterFactories,
  });
  const app = createApp(runtime, () => ({ waitUntil: (promise) => background.add(promise) }));
  return { app, runtime, config, logs, background };
}

/** `Authorization` header for a key. */
export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
