import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_API_KEY } from '../../../src/config';
import {
  type Call,
  type ConformanceCase,
  FAULT_KEY,
  faultCases,
  redisLinkCases,
  type SimulatorStack,
  sandboxCases,
  sandboxLinkCases,
  startSimulatorStack,
  unreachableRedisLinkCases,
} from './conformance-cases';
import { OpenApiConformance } from './openapi-conformance';

/** A gateway of one runtime, spoken to over `call`. */
export interface ConformanceGateway {
  call: Call;
  close(): Promise<void>;
}

/** How one runtime starts the gateways the suite needs. */
export interface ConformanceTarget {
  runtime: 'node' | 'workerd';
  /** Sandbox mode with `env` on top. */
  openSandbox(env: Record<string, string>): Promise<ConformanceGateway>;
  /** Configured mode against the simulators (`env` from the simulator stack). */
  openConfigured(env: Record<string, string>): Promise<ConformanceGateway>;
  /** A gateway whose configuration is invalid, when the runtime answers requests in that state. */
  openMisconfigured?(): Promise<ConformanceGateway>;
  /** Documented answers this runtime cannot be made to send, each with the reason. */
  notProducible: Record<string, string>;
}

/** A successful call per vendor, on a customer the fault cases never use (nothing they read gets cached). */
const recoveryPath: Record<string, string> = {
  chargebee: '/v1/customers/cust_globex/entitlements/refresh?vendor=chargebee',
  paygentic: '/v1/customers/cus_demoLapsed/entitlements/refresh?vendor=paygentic',
  zenskar: '/v1/balances?vendor=zenskar&limit=1',
};

/**
 * Every operation of `/openapi.json`, each documented status, answered by the runtime and checked
 * against the document that runtime serves.
 */
export function describeConformance(target: ConformanceTarget, sandboxEnv: Record<string, string>): void {
  describe(`OpenAPI conformance on ${target.runtime}`, () => {
    let conformance: OpenApiConformance;
    let sandbox: ConformanceGateway;
    let stack: SimulatorStack;
    let configured: ConformanceGateway;

    beforeAll(async () => {
      sandbox = await target.openSandbox(sandboxEnv);
      const document = await sandbox.call('/openapi.json');
      expect(document.status).toBe(200);
      conformance = new OpenApiConformance((await document.json()) as Record<string, unknown>);
      stack = await startSimulatorStack();
      configured = await target.openConfigured(stack.env);
    }, 120_000);

    afterAll(async () => {
      await sandbox?.close();
      await configured?.close();
      await stack?.close();
    }, 60_000);

    const runCase = async (gateway: ConformanceGateway, entry: ConformanceCase) => {
      const response = await entry.send(gateway.call);
      expect(response.status, `${entry.name}`).toBe(entry.status);
      return conformance.check(entry.operationId, response, `${target.runtime}: ${entry.name}`);
    };

    describe('sandbox', () => {
      for (const entry of sandboxCases) {
        it(`${entry.operationId} ${entry.status}: ${entry.name}`, async () => {
          const body = (await runCase(sandbox, entry)) as Record<string, unknown>;
          if (entry.name.startsWith('a check of a feature the customer lacks'))
            expect(body).toMatchObject({ hasAccess: false, type: null, entitlement: null });
          if (entry.name.startsWith('a batch: entitled'))
            expect(body.results).toEqual([
              expect.objectContaining({ object: 'entitlement_check', hasAccess: true }),
              expect.objectContaining({ object: 'entitlement_check', type: null, entitlement: null }),
              expect.objectContaining({ object: 'entitlement_check_error', vendor: null }),
              expect.objectContaining({ object: 'entitlement_check_error', vendor: 'chargebee' }),
            ]);
        });
      }
    });

    describe('customer links', () => {
      // Sandbox mode with a working Redis, and with one configured but unreachable (a closed port).
      const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
      let withRedis: ConformanceGateway;
      let unreachableRedis: ConformanceGateway;
      beforeAll(async () => {
        withRedis = await target.openSandbox({ ...sandboxEnv, REDIS_URL: redisUrl });
        // As an entry does before it listens: wait until the shared Redis client is connected.
        for (let attempt = 0; attempt < 100; attempt++) {
          const readiness = (await (await withRedis.call('/readyz')).json()) as {
            checks?: { redis?: string };
          };
          if (readiness.checks?.redis === 'up') break;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        unreachableRedis = await target.openSandbox({ ...sandboxEnv, REDIS_URL: 'redis://127.0.0.1:1' });
      }, 120_000);
      afterAll(async () => {
        await withRedis?.close();
        await unreachableRedis?.close();
      }, 60_000);

      for (const entry of sandboxLinkCases)
        it(`${entry.operationId} ${entry.status}: ${entry.name}`, () => runCase(sandbox, entry));
      for (const entry of redisLinkCases())
        it(`${entry.operationId} ${entry.status}: ${entry.name}`, () => runCase(withRedis, entry));
      for (const entry of unreachableRedisLinkCases)
        it(`${entry.operationId} ${entry.status}: ${entry.name}`, () => runCase(unreachableRedis, entry));
    });

    describe('vendor failures (simulators with injected faults)', () => {
      for (const entry of faultCases) {
        it(`${entry.operationId} ${entry.status}: ${entry.name}`, async () => {
          const simulator = stack.simulators[entry.vendor].kit;
          simulator.inject({ fault: entry.fault, times: Number.POSITIVE_INFINITY });
          try {
            const body = (await runCase(configured, entry)) as Record<string, unknown>;
            if (entry.operationId === 'batchCheck')
              expect(body.results).toEqual([
                expect.objectContaining({ object: 'entitlement_check_error', vendor: entry.vendor }),
              ]);
          } finally {
            simulator.reset();
            // A success closes the failure streak, so the breaker stays closed for the next case.
            const recovery = await configured.call(recoveryPath[entry.vendor] as string, {
              method: entry.vendor === 'zenskar' ? 'GET' : 'POST',
              headers: { authorization: `Bearer ${FAULT_KEY}` },
            });
            expect(recovery.status, `${entry.vendor} answers again: ${await recovery.text()}`).toBe(200);
          }
        });
      }
    });

    if (target.openMisconfigured) {
      const openMisconfigured = target.openMisconfigured;
      it('every operation answers its documented 500 while the configuration is invalid (liveness 200, readiness 503)', async () => {
        const broken = await openMisconfigured();
        try {
          for (const operation of conformance.operations) {
            const path = operation.path
              .replace('{customerId}', 'c1')
              .replace('{featureKey}', 'user-licenses')
              .replace('{vendor}', 'chargebee');
            const response = await broken.call(path, { method: operation.method.toUpperCase() });
            // Liveness stays up and readiness says not ready (issue 15); every other route is a 500.
            const expected =
              operation.operationId === 'health' ? 200 : operation.operationId === 'readiness' ? 503 : 500;
            expect(response.status, `${operation.operationId}`).toBe(expected);
            await conformance.check(operation.operationId, response, `${target.runtime}: misconfigured`);
          }
        } finally {
          await broken.close();
        }
      }, 120_000);
    }

    it('every rate limited operation answers its documented 429 once the key is over its limit', async () => {
      // One request, then one token per 1000 s: every later keyed request is over the limit.
      const limited = await target.openSandbox({
        ...sandboxEnv,
        RATE_LIMIT_PER_KEY_RPS: '0.001',
        RATE_LIMIT_PER_KEY_BURST: '1',
      });
      const authorization = { authorization: `Bearer ${SANDBOX_API_KEY}` };
      try {
        const first = await limited.call('/v1/customers/c1/entitlements?vendor=chargebee', {
          headers: authorization,
        });
        expect(first.status).toBe(200);
        await conformance.check('listEntitlements', first, `${target.runtime}: rate limited, first`);
        const limitedOperations = conformance.operations.filter((operation) =>
          operation.statuses.includes('429'),
        );
        expect(limitedOperations.length).toBeGreaterThan(0);
        for (const operation of limitedOperations) {
          const path = operation.path
            .replace('{customerId}', 'c1')
            .replace('{featureKey}', 'user-licenses')
            .replace('{vendor}', 'chargebee');
          const response = await limited.call(`${path}${path.includes('?') ? '&' : '?'}vendor=chargebee`, {
            method: operation.method.toUpperCase(),
            headers: { ...authorization, 'content-type': 'application/json' },
            ...(operation.method === 'post'
              ? { body: '{"checks":[{"customerId":"c1","featureKey":"x"}]}' }
              : {}),
          });
          expect(response.status, `${operation.operationId}`).toBe(429);
          expect(response.headers.get('retry-after'), `${operation.operationId}`).toMatch(/^[1-9]\d*$/);
          await conformance.check(operation.operationId, response, `${target.runtime}: rate limited`);
        }
      } finally {
        await limited.close();
      }
    }, 120_000);

    it('covered every documented status of every operation (but the stated exceptions)', () => {
      const uncovered = conformance.uncovered();
      expect(uncovered.sort()).toEqual(Object.keys(target.notProducible).sort());
    });
  });
}
