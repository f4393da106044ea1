import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  zenskarDemoCustomerIds,
  zenskarDemoDefinitionIds,
  zenskarSandboxCredentials,
} from '../../../../adapters/zenskar/fixtures';
import { CheckResultSchema } from '../../../../schemas/check';
import { EntitlementListSchema } from '../../../../schemas/page';
import { type DepthStack, startDepthStack } from '../../../support/depth-stack';

/**
 * Zenskar's customer list (`GET /entitlements/customer/{id}` in Zenskar's API reference) documents `status` and
 * `populate`. The gateway sends neither, because neither would change the normalized answer for the
 * better: every status is needed to explain a denial (draft → inactive, voided → disabled, expired →
 * expired) and a row with no status counts as active, which a vendor-side `status` filter would drop;
 * `populate` only adds names and emails of the customer/contract/product/invoice, which the
 * normalized entitlement does not carry (they would only show in `raw`). Balances are different:
 * there `populate` changes the answer (names in `customer`, `contract`, …), so it is passed through.
 */

let stack: DepthStack;

beforeAll(async () => {
  stack = await startDepthStack({ tenants: [{ name: 'solo', vendors: ['zenskar'] }] });
});
afterAll(async () => {
  await stack?.close();
});

describe('Zenskar customer list: status and populate', () => {
  it('asks for every row (no status, no populate) on every page', async () => {
    stack.resetRecordings();
    const response = await stack.get('solo', `/v1/customers/${zenskarDemoCustomerIds.initech}/entitlements`);
    expect(response.status).toBe(200);
    const requests = stack.simulators.zenskar.kit.recorded;
    expect(requests.length).toBeGreaterThan(1);
    requests.forEach((request, index) => {
      expect(request.path).toBe(`/entitlements/customer/${zenskarDemoCustomerIds.initech}`);
      expect(request.query).toEqual(
        index === 0 ? { limit: ['100'] } : { limit: ['100'], cursor: [expect.any(String)] },
      );
    });
  });

  it('explains denials from rows a status filter would hide', async () => {
    const globex = EntitlementListSchema.parse(
      (await stack.get('solo', `/v1/customers/${zenskarDemoCustomerIds.globex}/entitlements?limit=100`)).body,
    );
    const reasonOf = (definition: string) =>
      globex.data.find((entitlement) => entitlement.featureKey === definition)?.reason;
    expect(reasonOf(zenskarDemoDefinitionIds.prioritySupport)).toBe('inactive'); // draft only
    expect(reasonOf(zenskarDemoDefinitionIds.dataExport)).toBe('disabled'); // voided only
    expect(reasonOf(zenskarDemoDefinitionIds.storage)).toBe('expired'); // status expired
  });

  it('counts a row without a status, which status=active at the vendor would leave out', async () => {
    const acme = zenskarDemoCustomerIds.acme;
    const rows = stack.simulators.zenskar.store.customers
      .get(acme)
      ?.rows.filter((row) => row.entitlement === zenskarDemoDefinitionIds.aiCredits);
    const now = Date.now();
    const counted = (rows ?? []).filter(
      (row) =>
        (row.status === null || row.status === 'active') &&
        (row.active_from === null || Date.parse(row.active_from) <= now) &&
        (row.expiry_at === null || now < Date.parse(row.expiry_at)),
    );
    expect(counted.some((row) => row.status === null)).toBe(true);

    const result = CheckResultSchema.parse(
      (await stack.get('solo', `/v1/customers/${acme}/entitlements/${zenskarDemoDefinitionIds.aiCredits}`))
        .body,
    );
    expect(result.limit).toBe(counted.reduce((sum, row) => sum + (row.quantity ?? 0), 0));

    // What the vendor would have sent with status=active: the status-less row is gone.
    const recorded = stack.simulators.zenskar.kit.recorded;
    const mark = recorded.length;
    const filtered = await stack.simulators.zenskar.app.request(
      `/entitlements/customer/${acme}?limit=100&status=active`,
      {
        headers: {
          'x-api-key': zenskarSandboxCredentials.apiKey,
          organisation: zenskarSandboxCredentials.organisation,
        },
      },
    );
    recorded.splice(mark);
    const body = (await filtered.json()) as { results: Array<{ id: string; status: string | null }> };
    const statusLess = counted.find((row) => row.status === null);
    expect(body.results.some((row) => row.id === statusLess?.id)).toBe(false);
  });
});
