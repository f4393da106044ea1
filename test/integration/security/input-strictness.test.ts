import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { svixSecret } from '../../../adapters/paygentic/test-kit';
import { ProblemSchema } from '../../../schemas/problem';
import {
  type JsonResult,
  type RobustGateway,
  requestJson,
  startRobustGateway,
  startVendorAccount,
  type VendorAccount,
} from '../../support/robustness-support';
import { uniqueTenantId } from '../../support/route-cache-fixture';

/**
 * Numbers in query strings. The list route parses `limit` strictly (plain digits: `0x10`, `1e2` and
 * ` 7` are 400s, see `pageSize` in schemas/query.ts); the findings below are the places where a
 * number was coerced loosely or overflowed (regressions now, formerly `it.fails`), next to the
 * strict behaviour they should match.
 */

const KEY = 'robust-strictness-key-4a8f0c';
let account: VendorAccount;
let gateway: RobustGateway;

beforeAll(async () => {
  account = await startVendorAccount();
  gateway = await startRobustGateway({
    tenants: [
      {
        id: uniqueTenantId('robust-strict'),
        apiKeys: [KEY],
        account,
        webhooks: {
          chargebee: { username: 'u', password: 'strictness-password' },
          paygentic: { secret: svixSecret('strict') },
          zenskar: { secret: 'strictness-zenskar', header: 'x-zenskar-signature' },
        },
      },
    ],
    // No Redis: these tests are about validation, which happens before any cache.
    redisUrl: null,
  });
});

afterAll(async () => {
  await gateway?.close();
  await account?.close();
});

const get = (path: string) => requestJson(gateway.app, path, { headers: { authorization: `Bearer ${KEY}` } });

function expectValidationProblem(result: JsonResult, parameter: string): void {
  expect(result.status, result.text.slice(0, 300)).toBe(400);
  const problem = ProblemSchema.parse(result.body);
  expect(problem.code).toBe('validation_failed');
  expect(problem.errors?.map((error) => error.path)).toContain(`query.${parameter}`);
}

describe('query numbers', () => {
  it('the list route refuses page sizes that are not plain digits (the strict reference)', async () => {
    for (const limit of ['0x10', '1e1', '%207', '', '-1', '1.5'])
      expectValidationProblem(
        await get(`/v1/customers/c1/entitlements?vendor=chargebee&limit=${limit}`),
        'limit',
      );
    expect(account.simulators.chargebee.kit.recorded).toHaveLength(0);
  });

  // Regression (was a medium bug): a balance range value of 309+ digits matches the decimal pattern of
  // schemas/balance.ts, becomes Infinity in balanceQueryFromParameters (src/services/balance-service.ts,
  // `Number(value)`), is sent to Zenskar as `quantity__gte=Infinity`, and the vendor's 422 comes back
  // as a 502 `vendor_request_rejected`: client input answered with a 5xx and logged at error level.
  it('a balance range value that overflows to Infinity is a 400, and Zenskar is not called', async () => {
    account.resetRecordings();
    const result = await get(`/v1/balances?vendor=zenskar&quantity[gte]=${'9'.repeat(400)}`);
    expect(account.simulators.zenskar.kit.recorded.map((request) => request.query)).toEqual([]);
    expectValidationProblem(result, 'quantity[gte]');
  });

  // Regression (was a low bug): `requestedUsage` uses z.coerce.number() (schemas/query.ts CheckQuerySchema), so an
  // empty value is 0 and `0x10` is 16: a templating slip in a caller (`requestedUsage=`) silently
  // checks for zero units and answers `hasAccess:true`. Expected: plain decimals only, like `limit`.
  it('requestedUsage accepts only plain decimal numbers', async () => {
    for (const value of ['', '0x10', '%207', '1e2'])
      expectValidationProblem(
        await get(`/v1/customers/c1/entitlements/user-licenses?vendor=chargebee&requestedUsage=${value}`),
        'requestedUsage',
      );
  });

  // Was a finding (balances `limit` used z.coerce.number(), so `limit=0x10` listed 16 rows); fixed in
  // the working tree during this review (schemas/balance.ts now uses `pageSize`): kept as its guard.
  it('the balances page size is as strict as the list page size', async () => {
    for (const limit of ['0x10', '1e1', '%207'])
      expectValidationProblem(await get(`/v1/balances?vendor=zenskar&limit=${limit}`), 'limit');
  });
});
