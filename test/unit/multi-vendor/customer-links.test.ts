import { describe, expect, it } from 'vitest';
import type { VendorId } from '../../../schemas/entitlement';
import { GatewayError } from '../../../src/errors/gateway-error';
import { CustomerLinkService, LinkMemo } from '../../../src/services/customer-link-service';
import {
  type CustomerLinkStore,
  createMemoryLinkStore,
  linkKey,
} from '../../../src/services/customer-link-store';
import { combineLinks, parseStaticLinks, validateLinksRequest } from '../../../src/services/customer-links';

/** Ids as the fake vendors accept them: Paygentic `cus_…`, others anything but "bad…". */
const validate = (vendor: VendorId, id: string) =>
  vendor === 'paygentic' && !id.startsWith('cus_')
    ? 'A Paygentic customer id is `cus_` followed by letters and digits.'
    : id.startsWith('bad')
      ? `not a ${vendor} id`
      : null;
const connected: VendorId[] = ['zenskar', 'paygentic', 'chargebee'];

describe('static links', () => {
  it('parses CUSTOMER_LINKS into vendor-ordered links', () => {
    const { links, problems } = parseStaticLinks(
      { acme: { chargebee: 'cb_1', paygentic: 'cus_1' }, globex: { zenskar: 'z-1' } },
      { variable: 'CUSTOMER_LINKS', connected, validate },
    );
    expect(problems).toEqual([]);
    expect(Object.entries(links.get('acme') ?? {})).toEqual([
      ['paygentic', 'cus_1'],
      ['chargebee', 'cb_1'],
    ]);
    expect(links.get('globex')).toEqual({ zenskar: 'z-1' });
  });

  it('names the app customer and vendor of every bad link, never the id', () => {
    const { problems } = parseStaticLinks(
      { acme: { paygentic: 'secretish-42', recurly: 'r1' }, globex: { chargebee: 'cb' } },
      { variable: 'GATEWAY_CONFIG.tenants.1.customers', connected: ['paygentic'], validate },
    );
    expect(problems).toEqual([
      'GATEWAY_CONFIG.tenants.1.customers.acme.paygentic: A Paygentic customer id is `cus_` followed by letters and digits.',
      expect.stringMatching(/^GATEWAY_CONFIG\.tenants\.1\.customers\.acme\.recurly: unknown vendor/),
      'GATEWAY_CONFIG.tenants.1.customers.globex.chargebee: this tenant has no chargebee connection (connected: paygentic)',
    ]);
    expect(problems.join('\n')).not.toContain('secretish-42');
  });

  it.each([[{ acme: {} }], [{ acme: { chargebee: '' } }], [{ acme: 'cb_1' }], [['acme']]])(
    'refuses a malformed shape %j',
    (input) => {
      const { problems } = parseStaticLinks(input, { variable: 'CUSTOMER_LINKS', connected, validate });
      expect(problems.length).toBeGreaterThan(0);
      for (const problem of problems) expect(problem.startsWith('CUSTOMER_LINKS')).toBe(true);
    },
  );
});

describe('combining static and dynamic links', () => {
  it('dynamic overrides static per vendor; other static links stay', () => {
    expect(
      combineLinks(
        { chargebee: 'cb_static', zenskar: 'z-static' },
        { chargebee: 'cb_dynamic', paygentic: 'cus_d' },
      ),
    ).toEqual({
      links: { zenskar: 'z-static', paygentic: 'cus_d', chargebee: 'cb_dynamic' },
      origins: { zenskar: 'static', paygentic: 'dynamic', chargebee: 'dynamic' },
    });
  });

  it('no links on either side is null', () => {
    expect(combineLinks(undefined, null)).toBeNull();
    expect(combineLinks({}, {})).toBeNull();
  });
});

describe('links request validation', () => {
  it('a malformed vendor id is validation_failed naming the vendor', () => {
    let caught: unknown;
    try {
      validateLinksRequest({ chargebee: 'cb_1', paygentic: 'nope' }, { connected, validate });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GatewayError);
    const error = caught as GatewayError;
    expect(error.code).toBe('validation_failed');
    expect(error.status).toBe(400);
    expect(error.vendor).toBe('paygentic');
    expect(error.errors).toEqual([
      { path: 'body.links.paygentic', message: expect.stringContaining('cus_') },
    ]);
    expect(error.message).not.toContain('nope');
  });

  it('a vendor without a connection is vendor_not_configured', () => {
    expect(() => validateLinksRequest({ zenskar: 'z-1' }, { connected: ['chargebee'], validate })).toThrow(
      expect.objectContaining({ code: 'vendor_not_configured', vendor: 'zenskar' }),
    );
  });

  it('an unknown vendor is validation_failed', () => {
    expect(() => validateLinksRequest({ recurly: 'r-1' }, { connected, validate })).toThrow(
      expect.objectContaining({
        code: 'validation_failed',
        errors: [expect.objectContaining({ path: 'body.links.recurly' })],
      }),
    );
  });
});

describe('customer link service', () => {
  function setup(
    options: { store?: CustomerLinkStore | null; staticLinks?: Map<string, Record<string, string>> } = {},
  ) {
    let now = 1_000_000;
    const store = options.store === undefined ? createMemoryLinkStore() : options.store;
    const memo = new LinkMemo();
    const unavailable: string[] = [];
    const service = (tenantId: string) =>
      new CustomerLinkService({
        tenantId,
        connected,
        staticLinks:
          options.staticLinks ?? new Map([['acme', { chargebee: 'cb_static', zenskar: 'z-static' }]]),
        store,
        memo,
        now: () => now,
        validate,
        freshMs: 5_000,
        staleIfErrorMs: 60_000,
        retryAfterMs: 5_000,
        onStoreUnavailable: (_error, fallback) => unavailable.push(fallback),
      });
    return { service, store, memo, unavailable, advance: (ms: number) => (now += ms) };
  }

  it('PUT replaces the dynamic links, GET combines them with the static ones, DELETE removes only dynamic ones', async () => {
    const { service } = setup();
    const links = service('t1');
    await links.replace('acme', { chargebee: 'cb_new', paygentic: 'cus_1' });
    expect(await links.read('acme')).toEqual({
      links: { zenskar: 'z-static', paygentic: 'cus_1', chargebee: 'cb_new' },
      origins: { zenskar: 'static', paygentic: 'dynamic', chargebee: 'dynamic' },
    });
    await links.replace('acme', { paygentic: 'cus_2' });
    expect((await links.read('acme'))?.links).toEqual({
      zenskar: 'z-static',
      paygentic: 'cus_2',
      chargebee: 'cb_static',
    });
    expect(await links.remove('acme')).toBe(true);
    expect(await links.read('acme')).toEqual({
      links: { zenskar: 'z-static', chargebee: 'cb_static' },
      origins: { zenskar: 'static', chargebee: 'static' },
    });
    expect(await links.remove('acme')).toBe(false);
  });

  it('keeps tenants apart', async () => {
    const { service } = setup({ staticLinks: new Map() });
    await service('t1').replace('acme', { chargebee: 'cb_1' });
    expect(await service('t2').read('acme')).toBeNull();
    expect(await service('t2').resolve('acme')).toBeNull();
    expect((await service('t1').resolve('acme'))?.links).toEqual({ chargebee: 'cb_1' });
  });

  it('a change through another instance is seen once the memo is older than freshMs', async () => {
    const { service, store, advance } = setup({ staticLinks: new Map() });
    const links = service('t1');
    expect(await links.resolve('acme')).toBeNull();
    await store?.put('t1', 'acme', { chargebee: 'cb_elsewhere' });
    advance(4_999);
    expect(await links.resolve('acme')).toBeNull();
    advance(1);
    expect((await links.resolve('acme'))?.links).toEqual({ chargebee: 'cb_elsewhere' });
  });

  it('a change through this instance is seen at once', async () => {
    const { service } = setup({ staticLinks: new Map() });
    const links = service('t1');
    expect(await links.resolve('acme')).toBeNull();
    await links.replace('acme', { chargebee: 'cb_1' });
    expect((await links.resolve('acme'))?.links).toEqual({ chargebee: 'cb_1' });
    await links.remove('acme');
    expect(await links.resolve('acme')).toBeNull();
  });

  it('store down: a memoized answer stands in for staleIfErrorMs, then static links only; the store is skipped for retryAfterMs', async () => {
    const backing = createMemoryLinkStore();
    let down = false;
    let reads = 0;
    const flaky: CustomerLinkStore = {
      get: (tenant, id) => {
        reads += 1;
        if (down) return Promise.reject(new GatewayError('links_store_unavailable', 'down'));
        return backing.get(tenant, id);
      },
      put: backing.put,
      delete: backing.delete,
    };
    const { service, unavailable, advance } = setup({
      store: flaky,
      staticLinks: new Map([['acme', { zenskar: 'z-static' }]]),
    });
    const links = service('t1');
    await links.replace('acme', { chargebee: 'cb_1' });
    down = true;
    advance(10_000);
    expect((await links.resolve('acme'))?.links).toEqual({ zenskar: 'z-static', chargebee: 'cb_1' });
    expect(unavailable).toEqual(['memoized']);
    expect(reads).toBe(1);
    // Within retryAfterMs the store is not asked again.
    expect((await links.resolve('globex'))?.links).toBeUndefined();
    expect(reads).toBe(1);
    expect(unavailable).toEqual(['memoized', 'static']);
    advance(60_000);
    expect((await links.resolve('acme'))?.links).toEqual({ zenskar: 'z-static' });
    expect(reads).toBe(2);
    // The links routes do not degrade.
    await expect(links.read('acme')).rejects.toMatchObject({ code: 'links_store_unavailable', status: 503 });
    down = false;
    advance(5_000);
    expect((await links.resolve('acme'))?.links).toEqual({ zenskar: 'z-static', chargebee: 'cb_1' });
  });

  it('without a store: static links resolve, PUT and DELETE answer links_store_not_configured (501)', async () => {
    const { service } = setup({ store: null });
    const links = service('t1');
    expect((await links.resolve('acme'))?.links).toEqual({ zenskar: 'z-static', chargebee: 'cb_static' });
    expect(await links.read('other')).toBeNull();
    await expect(links.replace('acme', { chargebee: 'cb_1' })).rejects.toMatchObject({
      code: 'links_store_not_configured',
      status: 501,
    });
    await expect(links.remove('acme')).rejects.toMatchObject({ code: 'links_store_not_configured' });
  });

  it('PUT validates before writing anything', async () => {
    const { service, store } = setup({ staticLinks: new Map() });
    await expect(service('t1').replace('acme', { chargebee: 'cb_1', paygentic: 'x' })).rejects.toMatchObject({
      code: 'validation_failed',
      vendor: 'paygentic',
    });
    expect(await store?.get('t1', 'acme')).toBeNull();
  });
});

describe('link keys', () => {
  it('are their own namespace, one per tenant and app customer, and cannot collide through ":"', () => {
    expect(linkKey('t1', 'acme')).toBe('eg:links:v1:t1:acme');
    expect(linkKey('t1', 'a:b')).not.toBe(linkKey('t1:a', 'b'));
    expect(linkKey('t1', 'a:b')).toBe('eg:links:v1:t1:a%3Ab');
  });
});
