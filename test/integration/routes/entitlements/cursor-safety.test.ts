import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chargebeeSandboxCredentials } from '../../../../adapters/chargebee/fixtures';
import { paygenticSandboxCredentials } from '../../../../adapters/paygentic/fixtures';
import { adapterFactories } from '../../../../adapters/registry';
import { zenskarSandboxCredentials } from '../../../../adapters/zenskar/fixtures';
import { sha256Hex } from '../../../../src/config';
import { createUndiciTransport, type UndiciTransport } from '../../../../src/http/undici-transport';
import { type CallResult, call, expectProblem, listPath, StatusLog } from '../../../support/crawl-support';
import { createTestGateway, OTHER_TENANT_KEY, TEST_KEY } from '../../../support/gateway';
import { startVendorStack } from '../../../support/vendor-stack';

/**
 * Cursors. One gateway serves two tenants (GATEWAY_CONFIG) against the vendor
 * simulators. A cursor altered in any way, replayed with other filters, vendor or customer, or
 * presented by another tenant is a 400 `invalid_cursor` problem, decided before any vendor call;
 * `limit` outside 1–100 is a 400; nothing in this suite is ever a 5xx.
 */

const TENANT_A = 'cursor-suite-a';
const TENANT_B = 'cursor-suite-b';
const CUSTOMER = 'cust_enterprise';
const log = new StatusLog();

type Gateway = Awaited<ReturnType<typeof createTestGateway>>;
let stack: Awaited<ReturnType<typeof startVendorStack>>;
let transport: UndiciTransport;
let gateway: Gateway;
/** Another deployment: same tenants, another CURSOR_SECRET. */
let otherDeployment: Gateway;

async function tenantsConfig(): Promise<string> {
  const vendors = {
    zenskar: { ...zenskarSandboxCredentials, baseUrl: stack.urls.zenskar },
    paygentic: { apiKey: paygenticSandboxCredentials.apiKey, baseUrl: stack.urls.paygentic },
    chargebee: { ...chargebeeSandboxCredentials, baseUrl: stack.urls.chargebee },
  };
  return JSON.stringify({
    tenants: [
      { id: TENANT_A, apiKeyHashes: [await sha256Hex(TEST_KEY)], vendors },
      { id: TENANT_B, apiKeyHashes: [await sha256Hex(OTHER_TENANT_KEY)], vendors },
    ],
  });
}

beforeAll(async () => {
  stack = await startVendorStack({ env: { LOG_LEVEL: 'error' } });
  transport = createUndiciTransport();
  const env = {
    GATEWAY_CONFIG: await tenantsConfig(),
    CACHE_TTL_SECONDS: '3600',
    PAYGENTIC_CACHE_TTL_SECONDS: '3600',
    LOG_LEVEL: 'error',
  };
  gateway = await createTestGateway({ env, adapterFactories, transport });
  otherDeployment = await createTestGateway({
    env: { ...env, CURSOR_SECRET: 'another-deployment-cursor-secret-0123456789' },
    adapterFactories,
    transport,
  });
});

afterAll(async () => {
  await gateway.close();
  await otherDeployment.close();
  await transport.close();
  await stack.close();
});

const base = [
  ['vendor', 'chargebee'],
  ['limit', '7'],
] as const;

/** Page 1 of a listing and its nextCursor. */
async function firstCursor(
  params: ReadonlyArray<readonly [string, string]> = base,
  customerId = CUSTOMER,
  key = TEST_KEY,
  app = gateway.app,
): Promise<string> {
  const result = await call(app, log, listPath(customerId, params), { key });
  expect(result.status).toBe(200);
  const cursor = (result.body as { nextCursor: string | null }).nextCursor;
  if (typeof cursor !== 'string') throw new Error('expected a next page');
  return cursor;
}

/** Presents `cursor` with `params`, bypassing the cache so any load would show as a vendor call. */
async function present(
  cursor: string,
  params: ReadonlyArray<readonly [string, string]> = base,
  customerId = CUSTOMER,
  key = TEST_KEY,
): Promise<CallResult> {
  return call(gateway.app, log, listPath(customerId, params, cursor), {
    key,
    headers: { 'cache-control': 'no-cache' },
  });
}

function vendorCalls(): number {
  return (
    stack.simulators.chargebee.kit.recorded.length +
    stack.simulators.paygentic.kit.recorded.length +
    stack.simulators.zenskar.kit.recorded.length
  );
}

/** Asserts `invalid_cursor`, and that no vendor was called to reach that answer. */
async function expectInvalidCursor(answer: () => Promise<CallResult>): Promise<void> {
  const before = vendorCalls();
  const result = await answer();
  const problem = expectProblem(result, 400, 'invalid_cursor');
  expect(problem.errors ?? []).toEqual(
    problem.errors === undefined ? [] : [expect.objectContaining({ path: 'query.cursor' })],
  );
  expect(vendorCalls()).toBe(before);
}

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Replaces the character at `index` with another base64url character. */
function flipAt(text: string, index: number, pick: (original: number) => number): string {
  const position = index < 0 ? text.length + index : index;
  const original = alphabet.indexOf(text.charAt(position));
  const replacement = alphabet.charAt(pick(original) % 64);
  expect(replacement).not.toBe(text.charAt(position));
  return text.slice(0, position) + replacement + text.slice(position + 1);
}

describe('cursors: controls (what a cursor is not bound to)', () => {
  it('the issued cursor continues the listing, at another limit and with include=raw too', async () => {
    const cursor = await firstCursor();
    for (const params of [
      base,
      [
        ['vendor', 'chargebee'],
        ['limit', '50'],
      ],
      [...base, ['include', 'raw']],
    ] as const) {
      const result = await present(cursor, params);
      expect(result.status).toBe(200);
      expect((result.body as { data: Array<{ featureKey: string }> }).data[0]?.featureKey).toBe(
        'gen-feature-0008',
      );
    }
  });

  it('featureKey order and duplicates do not matter (the filter is a set)', async () => {
    const cursor = await firstCursor([
      ...base,
      ['featureKey', 'gen-feature-0001'],
      ['featureKey', 'gen-feature-0002'],
      ...Array.from({ length: 10 }, (_, index) => ['featureKey', `gen-feature-00${20 + index}`] as const),
    ]);
    const reordered = await present(cursor, [
      ...base,
      ...Array.from({ length: 10 }, (_, index) => ['featureKey', `gen-feature-00${29 - index}`] as const),
      ['featureKey', 'gen-feature-0002'],
      ['featureKey', 'gen-feature-0001'],
      ['featureKey', 'gen-feature-0001'],
    ]);
    expect(reordered.status).toBe(200);
  });
});

describe('cursors: tampered → 400 invalid_cursor before any vendor call', () => {
  let cursor: string;
  let payload: string;
  let signature: string;

  beforeAll(async () => {
    cursor = await firstCursor();
    [payload, signature] = cursor.split('.') as [string, string];
    expect(payload.length).toBeGreaterThan(10);
    expect(signature.length).toBe(43);
  });

  it('a character flipped in the payload (first, middle, last)', async () => {
    for (const index of [0, Math.floor(payload.length / 2), -1]) {
      await expectInvalidCursor(() => present(`${flipAt(payload, index, (c) => c + 1)}.${signature}`));
    }
  });

  it('a character flipped in the signature (first, middle)', async () => {
    for (const index of [0, 21]) {
      await expectInvalidCursor(() => present(`${payload}.${flipAt(signature, index, (c) => c + 1)}`));
    }
  });

  it('the signature re-spelled in a non-canonical base64url form (only its unused low bits changed)', async () => {
    // 32 bytes need 43 characters; the last one carries 2 unused bits. A verifier that decodes
    // leniently accepts this altered string as the same signature.
    await expectInvalidCursor(() => present(`${payload}.${flipAt(signature, -1, (c) => c ^ 1)}`));
  });

  it('truncated: the last character, half of it, the signature, the separator', async () => {
    for (const truncated of [
      cursor.slice(0, -1),
      cursor.slice(0, Math.floor(cursor.length / 2)),
      `${payload}.`,
      payload,
      `.${signature}`,
    ]) {
      await expectInvalidCursor(() => present(truncated));
    }
  });

  it('garbage: words, dots, extra segments, padding, unicode, an unsigned payload, the longest accepted string', async () => {
    const unsigned = Buffer.from(JSON.stringify({ v: 1, b: 'x', a: 'gen-feature-0100' })).toString(
      'base64url',
    );
    for (const garbage of [
      'garbage',
      '.',
      '..',
      'a.b',
      `${cursor}.${signature}`,
      `${payload}==.${signature}`,
      `${payload}.${signature}=`,
      '💥.💥',
      `${unsigned}.${signature}`,
      `${unsigned}.`,
      'x'.repeat(4096),
      `${'A'.repeat(2000)}.${'A'.repeat(2000)}`,
    ]) {
      await expectInvalidCursor(() => present(garbage));
    }
  });

  it('a payload edited to point elsewhere, keeping the original signature', async () => {
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    expect(decoded['a']).toBe('gen-feature-0007');
    const moved = Buffer.from(JSON.stringify({ ...decoded, a: 'gen-feature-0200' })).toString('base64url');
    await expectInvalidCursor(() => present(`${moved}.${signature}`));
  });

  it('a cursor signed by another deployment (another CURSOR_SECRET), same tenant, customer and query', async () => {
    const foreign = await firstCursor(base, CUSTOMER, TEST_KEY, otherDeployment.app);
    await expectInvalidCursor(() => present(foreign));
  });

  it('an empty cursor, or one longer than 4096 characters, is an invalid cursor', async () => {
    const before = vendorCalls();
    const empty = await call(gateway.app, log, `${listPath(CUSTOMER, base)}&cursor=`);
    const problem = expectProblem(empty, 400, 'invalid_cursor');
    expect(problem.errors).toEqual([expect.objectContaining({ path: 'query.cursor' })]);
    await expectInvalidCursor(() => present('x'.repeat(4097)));
    expect(vendorCalls()).toBe(before);
  });

  it('two cursors are refused by request validation', async () => {
    const twice = await call(gateway.app, log, `${listPath(CUSTOMER, base, cursor)}&cursor=${cursor}`);
    const problem = expectProblem(twice, 400, 'validation_failed');
    expect(problem.errors).toEqual([expect.objectContaining({ path: 'query.cursor' })]);
  });
});

describe('cursors: replayed with another query → 400 invalid_cursor', () => {
  let cursor: string;
  let filtered: string;

  beforeAll(async () => {
    cursor = await firstCursor();
    filtered = await firstCursor([...base, ['type', 'numeric'], ['hasAccess', 'true']]);
  });

  it.each([
    ['another featureKey', [...base, ['featureKey', 'gen-feature-0001']]],
    ['a type', [...base, ['type', 'numeric']]],
    ['hasAccess=true', [...base, ['hasAccess', 'true']]],
    ['hasAccess=false', [...base, ['hasAccess', 'false']]],
    ['an at', [...base, ['at', '2030-01-01T00:00:00Z']]],
    [
      'another vendor',
      [
        ['vendor', 'paygentic'],
        ['limit', '7'],
      ],
    ],
    [
      'another vendor (zenskar)',
      [
        ['vendor', 'zenskar'],
        ['limit', '7'],
      ],
    ],
  ] as const)('a cursor of the unfiltered listing replayed with %s', async (_name, params) => {
    await expectInvalidCursor(() => present(cursor, params));
  });

  it('a cursor replayed for another customer of the same vendor', async () => {
    await expectInvalidCursor(() => present(cursor, base, 'cust_acme'));
  });

  it('a filtered cursor replayed without its filters, with one of them, or with another value', async () => {
    for (const params of [
      base,
      [...base, ['type', 'numeric']],
      [...base, ['hasAccess', 'true']],
      [...base, ['type', 'enum'], ['hasAccess', 'true']],
      [...base, ['type', 'numeric'], ['hasAccess', 'false']],
    ] as const) {
      await expectInvalidCursor(() => present(filtered, params));
    }
  });

  it('a cursor issued with one at, replayed with another (Paygentic evaluates at itself)', async () => {
    const paygentic = [
      ['vendor', 'paygentic'],
      ['limit', '7'],
    ] as const;
    const atCursor = await firstCursor([...paygentic, ['at', '2030-01-01T00:00:00Z']], 'cus_demoBigco');
    await expectInvalidCursor(() =>
      present(atCursor, [...paygentic, ['at', '2030-01-01T00:00:01Z']], 'cus_demoBigco'),
    );
    await expectInvalidCursor(() => present(atCursor, paygentic, 'cus_demoBigco'));
  });
});

describe("cursors: another tenant's cursor → 400 invalid_cursor", () => {
  it('tenant B presenting tenant A’s cursor for the same customer and query, and the other way round', async () => {
    const fromA = await firstCursor(base, CUSTOMER, TEST_KEY);
    const fromB = await firstCursor(base, CUSTOMER, OTHER_TENANT_KEY);
    expect(fromA).not.toBe(fromB);
    await expectInvalidCursor(() => present(fromA, base, CUSTOMER, OTHER_TENANT_KEY));
    await expectInvalidCursor(() => present(fromB, base, CUSTOMER, TEST_KEY));
    // Each tenant's own cursor still works for it.
    expect((await present(fromB, base, CUSTOMER, OTHER_TENANT_KEY)).status).toBe(200);
  });
});

describe('limit validation', () => {
  it.each(['0', '101', 'abc', '-1', '1.5', '', '1000000', '7abc', '0x10', '1e2', ' 7'])(
    'limit=%s → 400 validation_failed naming query.limit',
    async (limit) => {
      const before = vendorCalls();
      const result = await call(
        gateway.app,
        log,
        listPath(CUSTOMER, [
          ['vendor', 'chargebee'],
          ['limit', limit],
        ]),
      );
      const problem = expectProblem(result, 400, 'validation_failed');
      expect(problem.errors).toEqual([expect.objectContaining({ path: 'query.limit' })]);
      expect(vendorCalls()).toBe(before);
    },
  );

  it('limit 1 and 100 are accepted, and no limit means 50', async () => {
    for (const [limit, size] of [
      ['1', 1],
      ['100', 100],
    ] as const) {
      const result = await call(
        gateway.app,
        log,
        listPath(CUSTOMER, [
          ['vendor', 'chargebee'],
          ['limit', limit],
        ]),
      );
      expect(result.status).toBe(200);
      expect((result.body as { data: unknown[] }).data).toHaveLength(size);
    }
    const defaulted = await call(gateway.app, log, listPath(CUSTOMER, [['vendor', 'chargebee']]));
    expect((defaulted.body as { data: unknown[] }).data).toHaveLength(50);
  });
});

describe('cursor suite', () => {
  it('answered no 5xx anywhere', () => {
    expect(log.seen.length).toBeGreaterThan(60);
    expect(log.serverErrors()).toEqual([]);
  });
});
