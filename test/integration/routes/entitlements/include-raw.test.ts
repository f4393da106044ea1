import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chargebeeAuthorization } from '../../../../adapters/chargebee/client';
import {
  chargebeeDemoLargeCustomerId,
  chargebeeSandboxCredentials,
} from '../../../../adapters/chargebee/fixtures';
import { paygenticSandboxCredentials } from '../../../../adapters/paygentic/fixtures';
import { paygenticVendorRows } from '../../../../adapters/paygentic/test-kit';
import {
  zenskarDemoCustomerIds,
  zenskarDemoDefinitionIds,
  zenskarSandboxCredentials,
} from '../../../../adapters/zenskar/fixtures';
import { CheckResultSchema } from '../../../../schemas/check';
import { call, crawl, expectProblem, listPath, StatusLog, vendorJson } from '../../../support/crawl-support';
import { startVendorStack } from '../../../support/vendor-stack';

/**
 * `include=raw` returns the vendor rows. Through the gateway,
 * `raw` is present only when asked for, and holds exactly the rows the vendor serves for that
 * feature, read here straight from the simulators (every page), not from the gateway.
 */

const log = new StatusLog();
type Stack = Awaited<ReturnType<typeof startVendorStack>>;
const env = { CACHE_TTL_SECONDS: '3600', PAYGENTIC_CACHE_TTL_SECONDS: '3600', LOG_LEVEL: 'error' };
type Row = Record<string, unknown>;

/** Every row of a Chargebee list, following next_offset, unwrapped from its envelope key. */
async function chargebeeRows(baseUrl: string, path: string, key: string): Promise<Row[]> {
  const rows: Row[] = [];
  let offset: string | undefined;
  do {
    const query = new URLSearchParams({ limit: '100', ...(offset === undefined ? {} : { offset }) });
    const page = await vendorJson<{ list: Array<Record<string, Row>>; next_offset?: string }>(
      `${baseUrl}${path}?${query}`,
      { authorization: chargebeeAuthorization(chargebeeSandboxCredentials.apiKey) },
    );
    rows.push(...page.list.map((entry) => entry[key] as Row));
    offset = page.next_offset;
  } while (offset !== undefined);
  return rows;
}

/** Every row of a Zenskar customer, following `next`. */
async function zenskarRows(baseUrl: string, customerId: string): Promise<Row[]> {
  const rows: Row[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: '100', ...(cursor === null ? {} : { cursor }) });
    const page: { results: Row[]; next: string | null } = await vendorJson(
      `${baseUrl}/entitlements/customer/${customerId}?${query}`,
      { 'x-api-key': zenskarSandboxCredentials.apiKey, organisation: zenskarSandboxCredentials.organisation },
    );
    rows.push(...page.results);
    cursor = page.next;
  } while (cursor !== null);
  return rows;
}

/** Chargebee's raw rows come in grant order (by subscription id): the same rows, compared in that order. */
function bySubscription(rows: Row[]): Row[] {
  return [...rows].sort((a, b) => String(a['subscription_id']).localeCompare(String(b['subscription_id'])));
}

async function single(stack: Stack, customerId: string, params: ReadonlyArray<readonly [string, string]>) {
  const result = await call(stack.app, log, listPath(customerId, params));
  expect(result.status).toBe(200);
  const { data } = result.body as { data: Row[] };
  expect(data).toHaveLength(1);
  return data[0] as Row;
}

describe('include=raw through the gateway', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startVendorStack({ env });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('Chargebee: a feature held by two subscriptions carries both customer_entitlement rows, as served', async () => {
    const vendorRows = await chargebeeRows(
      stack.urls.chargebee,
      '/customers/c1/customer_entitlements',
      'customer_entitlement',
    );
    const expected = bySubscription(vendorRows.filter((row) => row['feature_id'] === 'user-licenses'));
    expect(expected).toHaveLength(2);
    const withRaw = await single(stack, 'c1', [
      ['vendor', 'chargebee'],
      ['featureKey', 'user-licenses'],
      ['include', 'raw'],
    ]);
    expect(withRaw['raw']).toEqual(expected);
    const without = await single(stack, 'c1', [
      ['vendor', 'chargebee'],
      ['featureKey', 'user-licenses'],
    ]);
    expect('raw' in without).toBe(false);
  });

  it('Zenskar: the rows behind one definition, in vendor order, unknown fields and all', async () => {
    const acme = zenskarDemoCustomerIds.acme;
    const vendorRows = await zenskarRows(stack.urls.zenskar, acme);
    const expected = vendorRows.filter((row) => row['entitlement'] === zenskarDemoDefinitionIds.aiCredits);
    expect(expected.length).toBeGreaterThan(1);
    const withRaw = await single(stack, acme, [
      ['vendor', 'zenskar'],
      ['featureKey', zenskarDemoDefinitionIds.aiCredits],
      ['include', 'raw'],
    ]);
    expect(withRaw['raw']).toEqual(expected);
    const without = await single(stack, acme, [
      ['vendor', 'zenskar'],
      ['featureKey', zenskarDemoDefinitionIds.aiCredits],
    ]);
    expect('raw' in without).toBe(false);
  });

  it('Paygentic: the product entitlements behind one feature key, in vendor order', async () => {
    const vendorRows = await paygenticVendorRows(
      stack.urls.paygentic,
      paygenticSandboxCredentials.apiKey,
      'cus_demoAcme',
    );
    for (const featureKey of ['sso_enabled', 'max_users', 'api_calls']) {
      const expected = vendorRows.filter((row) => row.featureKey === featureKey);
      const withRaw = await single(stack, 'cus_demoAcme', [
        ['vendor', 'paygentic'],
        ['featureKey', featureKey],
        ['include', 'raw'],
      ]);
      expect({ featureKey, raw: withRaw['raw'] }).toEqual({ featureKey, raw: expected });
    }
  });

  it.each([
    ['chargebee', chargebeeDemoLargeCustomerId],
    ['zenskar', zenskarDemoCustomerIds.initech],
    ['paygentic', 'cus_demoBigco'],
  ] as const)(
    '%s: a whole crawl with include=raw returns every vendor row exactly once, one raw row per grant',
    async (vendor, customerId) => {
      let vendorRows: Row[];
      let rowKey: (row: Row) => string;
      if (vendor === 'chargebee') {
        vendorRows = await chargebeeRows(
          stack.urls.chargebee,
          `/customers/${customerId}/customer_entitlements`,
          'customer_entitlement',
        );
        rowKey = (row) => `${row['subscription_id']}/${row['feature_id']}`;
      } else if (vendor === 'zenskar') {
        vendorRows = await zenskarRows(stack.urls.zenskar, customerId);
        rowKey = (row) => String(row['id']);
      } else {
        vendorRows = await paygenticVendorRows(
          stack.urls.paygentic,
          paygenticSandboxCredentials.apiKey,
          customerId,
        );
        rowKey = (row) => String(row['entitlementId']);
      }
      expect(vendorRows.length).toBeGreaterThan(300);
      const result = await crawl(
        stack.app,
        log,
        customerId,
        [
          ['vendor', vendor],
          ['include', 'raw'],
        ],
        50,
      );
      const rawRows = result.entitlements.flatMap((entitlement) => {
        expect(entitlement.raw).toHaveLength(entitlement.grants.length);
        return (entitlement.raw ?? []) as Row[];
      });
      const byKey = new Map(vendorRows.map((row) => [rowKey(row), row]));
      expect(byKey.size).toBe(vendorRows.length);
      expect(rawRows.map(rowKey).sort()).toEqual([...byKey.keys()].sort());
      for (const row of rawRows) expect(row).toEqual(byKey.get(rowKey(row)));
      const plain = await crawl(stack.app, log, customerId, [['vendor', vendor]], 100);
      for (const entitlement of plain.entitlements) expect('raw' in entitlement).toBe(false);
    },
  );

  it('the check endpoint never returns raw; include takes only "raw"', async () => {
    const result = await call(stack.app, log, '/v1/customers/c1/entitlements/user-licenses?vendor=chargebee');
    const checked = CheckResultSchema.parse(result.body);
    expect(checked.entitlement).not.toBeNull();
    expect('raw' in (checked.entitlement ?? {})).toBe(false);
    const bad = await call(
      stack.app,
      log,
      listPath('c1', [
        ['vendor', 'chargebee'],
        ['include', 'everything'],
      ]),
    );
    expectProblem(bad, 400, 'validation_failed');
  });
});

describe('include=raw through the gateway: Chargebee subscription fallback', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startVendorStack({ env, chargebee: { customerEntitlementsEnabled: false } });
  });
  afterAll(async () => {
    await stack.close();
  });

  it('raw holds the subscription_entitlement rows of each subscription, as served', async () => {
    const expected = bySubscription(
      (
        await Promise.all(
          ['s1', 's2'].map((id) =>
            chargebeeRows(
              stack.urls.chargebee,
              `/subscriptions/${id}/subscription_entitlements`,
              'subscription_entitlement',
            ),
          ),
        )
      )
        .flat()
        .filter((row) => row['feature_id'] === 'support-level'),
    );
    expect(expected).toHaveLength(2);
    const withRaw = await single(stack, 'c1', [
      ['vendor', 'chargebee'],
      ['featureKey', 'support-level'],
      ['include', 'raw'],
    ]);
    expect(withRaw['raw']).toEqual(expected);
  });
});

describe('include=raw suite', () => {
  it('answered no 5xx anywhere', () => {
    expect(log.serverErrors()).toEqual([]);
  });
});
