import { adapterFactories } from '../../adapters/registry';
import type { VendorId } from '../../schemas/entitlement';
import { createApp } from '../../src/app';
import { BackgroundTasks } from '../../src/background-tasks';
import { parseConfig } from '../../src/config';
import { createGateway } from '../../src/gateway';
import { createJsonLogger } from '../../src/logger';
import { startSandbox } from '../../src/sandbox/sandbox';
import { type SharedGateway, withUnreachableVendors } from '../shared/route-suite-target';

/**
 * A sandbox-mode gateway on Node, wired like `src/node.ts` (the built-in simulators in process, the
 * resilient upstream client, the tiered cache, background tasks standing in for `waitUntil`) and
 * called in process. Node-only: the workers project never imports this file.
 */
export async function openNodeSandboxGateway(
  env: Record<string, string | undefined>,
  options: { unreachable?: readonly VendorId[] } = {},
): Promise<SharedGateway> {
  const config = await parseConfig(env);
  if (config.mode !== 'sandbox')
    throw new Error('openNodeSandboxGateway: the environment configures a vendor');
  const logger = createJsonLogger({ level: config.logLevel, secrets: config.secrets, write: () => {} });
  const background = new BackgroundTasks(logger);
  const sandbox = startSandbox(config);
  const platform = createGateway({
    config: sandbox.config,
    logger,
    transport: withUnreachableVendors(sandbox.transport, options.unreachable),
    adapterFactories,
    redis: { mode: 'shared' },
    background: (promise) => background.add(promise),
  });
  const app = createApp(platform.runtime, () => ({ waitUntil: (promise) => background.add(promise) }));
  return {
    call: async (path, init) => app.request(path, init),
    async close() {
      await background.drain();
      await platform.close();
    },
  };
}
