import { sandboxEnv } from './conformance-cases';
import { describeConformance } from './conformance-suite';
import { startWorker } from './start-worker';

/**
 * The conformance suite against the real Worker (wrangler.toml's bundle in workerd, black box over
 * HTTP): sandbox mode, configured mode against the simulators on loopback ports, and an invalid
 * configuration (every request then answers the documented 500). ajv runs here in Node: workerd
 * forbids the code generation it relies on.
 */
async function open(vars: Record<string, string>) {
  const worker = await startWorker(vars);
  return {
    call: (path: string, init?: RequestInit) => fetch(`${worker.baseUrl}${path}`, init),
    close: () => worker.dispose(),
  };
}

describeConformance(
  {
    runtime: 'workerd',
    openSandbox: open,
    openConfigured: open,
    openMisconfigured: () => open({ LOG_LEVEL: 'loud' }),
    notProducible: {
      // A misconfigured Worker keeps liveness at 200 and answers readiness 503 (issue 15).
      'health 500': 'only a gateway bug answers 500 on /healthz',
      'readiness 500': 'only a gateway bug answers 500 on /readyz',
    },
  },
  sandboxEnv,
);
