import type { Transport } from '../../../adapters/kit';
import type { VendorId } from '../../../schemas/entitlement';
import type { GatewayConfig } from '../../../src/config';
import { createWorker, type GatewayWorker, type WorkerEnv } from '../../../src/worker';
import { withUnreachableVendors } from '../../shared/route-suite-target';

/**
 * The `main` of the workers project: the production handler (`createWorker`, exactly what
 * `src/worker.ts` exports by default) behind a thin shell the tests steer. The pool runs this module
 * in the same isolate as the tests and gives tests importing it the very instance `SELF` calls, so:
 *
 * - {@link restartGateway} swaps in a new gateway, as a new isolate would build it: empty memory
 *   tier, new simulators, its own tenant id (a shared Redis keeps runs apart by tenant);
 * - {@link testClock} moves the gateway's clock, so entries go stale without waiting;
 * - {@link backgroundSettled} waits until every `ctx.waitUntil` task of past requests has finished.
 *
 * Requests still arrive through `SELF.fetch`, each in its own request context, which is what makes
 * the per-request Redis client matter ("code had hung" when an I/O object crosses requests).
 */

/** The gateway's clock: real time plus an offset the tests move forward. */
export const testClock = {
  offsetMs: 0,
  now(): number {
    return Date.now() + this.offsetMs;
  },
  advance(ms: number): void {
    this.offsetMs += ms;
  },
};

/** Latency added to every vendor request (the sandbox answers in process, instantly). */
export const vendorLatency = { ms: 0 };

/** The gateway's vendor transport with {@link vendorLatency} in front. */
function withVendorLatency(inner: Transport): Transport {
  return async (url, init) => {
    if (vendorLatency.ms > 0) await new Promise((resolve) => setTimeout(resolve, vendorLatency.ms));
    return inner(url, init);
  };
}

/** Every JSON log line of the current gateway. */
export const gatewayLogs: string[] = [];

let pendingBackgroundTasks = 0;
let waitUntilCalls = 0;
let envOverrides: Record<string, string | undefined> = {};
let current: GatewayWorker = createWorker({
  clock: testClock,
  writeLog: (line) => gatewayLogs.push(line),
  wrapTransport: withVendorLatency,
});

/** What {@link restartGateway} may change. */
export interface RestartOptions {
  /** Renames the sandbox tenant (cache keys carry it): a unique one per test keeps runs sharing a Redis apart. */
  tenantId?: string;
  /** Worker vars layered over the project's bindings; `undefined` removes one. */
  env?: Record<string, string | undefined>;
  /** Sandbox vendors that answer 503 to every request (test/shared's `withUnreachableVendors`). */
  unreachable?: readonly VendorId[] | undefined;
}

/** Replaces the gateway with a fresh one, as a new isolate would build it on its first request. */
export function restartGateway(options: RestartOptions = {}): void {
  envOverrides = options.env ?? {};
  gatewayLogs.length = 0;
  const { tenantId } = options;
  const configure =
    tenantId === undefined
      ? undefined
      : (config: GatewayConfig): GatewayConfig => ({
          ...config,
          tenants: config.tenants.map((tenant) => ({ ...tenant, id: tenantId })),
        });
  current = createWorker({
    clock: testClock,
    writeLog: (line) => gatewayLogs.push(line),
    wrapTransport: (inner) => withVendorLatency(withUnreachableVendors(inner, options.unreachable)),
    ...(configure === undefined ? {} : { configure }),
  });
}

/**
 * Resolves once no `waitUntil` task of any past request is pending (stale refreshes, Redis writes,
 * client closes), or rejects after `timeoutMs`. It polls a counter rather than awaiting the tasks:
 * a promise owned by another request's context must not be awaited from this one.
 */
export async function backgroundSettled(timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pendingBackgroundTasks > 0) {
    if (Date.now() > deadline)
      throw new Error(`${pendingBackgroundTasks} waitUntil task(s) still pending after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** How many tasks the gateway has handed to `ctx.waitUntil` so far (all requests, all gateways). */
export function waitUntilCount(): number {
  return waitUntilCalls;
}

/** The request's context with `waitUntil` counted; everything else is the runtime's own. */
function countingContext(ctx: ExecutionContext): ExecutionContext {
  const waitUntil = (promise: Promise<unknown>): void => {
    waitUntilCalls += 1;
    pendingBackgroundTasks += 1;
    ctx.waitUntil(
      promise.finally(() => {
        pendingBackgroundTasks -= 1;
      }),
    );
  };
  return new Proxy(ctx, {
    get(target, property) {
      if (property === 'waitUntil') return waitUntil;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export default {
  fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    return current.fetch(request, { ...env, ...envOverrides }, countingContext(ctx));
  },
} satisfies ExportedHandler<WorkerEnv>;
