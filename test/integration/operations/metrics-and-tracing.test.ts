import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  gatewayConfigJson,
  startVendorAccount,
  type TestTenant,
  type VendorAccount,
} from '../../support/robustness-support';
import { REDIS_URL, uniqueTenantId } from '../../support/route-cache-fixture';
import { type NodeEntry, startNodeEntry } from './node-process';

/**
 * Issue 15, items 5 and 6 on the real Node entry: `GET /metrics` (Prometheus text, behind
 * METRICS_KEY) whose counters move with requests, cache hits in each tier, a vendor failure and an
 * open breaker; and W3C `traceparent` carried to the vendor calls and the log lines. Two processes
 * share one Redis, so the second one's read is a Redis hit.
 */

const KEY = 'ops-metrics-gateway-key-0123456789';
const METRICS_KEY = 'ops-metrics-scrape-key-abcdef0123456789';
const CHARGEBEE_CUSTOMER = 'c1';
const ZENSKAR_CUSTOMER = 'c0000000-0000-4000-8000-000000000001';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

/** One sample of the Prometheus text format. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition (the subset prom-client writes: no timestamps, escaped label values). */
function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[pair[1] as string] = (pair[2] as string).replace(/\\(.)/g, (_, char: string) =>
        char === 'n' ? '\n' : char,
      );
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of one sample (0 when absent: a counter never incremented for those labels). */
function sampleValue(samples: Sample[], name: string, labels: Record<string, string>): number {
  const found = samples.find(
    (sample) =>
      sample.name === name &&
      Object.entries(labels).every(([label, value]) => sample.labels[label] === value),
  );
  return found?.value ?? 0;
}

async function scrape(entry: NodeEntry): Promise<Sample[]> {
  const response = await fetch(`${entry.baseUrl}/metrics`, {
    headers: { authorization: `Bearer ${METRICS_KEY}` },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await response.text());
}

function entitlements(
  entry: NodeEntry,
  vendor: string,
  customer: string,
  headers: Record<string, string> = {},
) {
  return fetch(`${entry.baseUrl}/v1/customers/${customer}/entitlements?vendor=${vendor}`, {
    headers: { authorization: `Bearer ${KEY}`, ...headers },
  });
}

let account: VendorAccount;
let first: NodeEntry;
let second: NodeEntry;

beforeAll(async () => {
  account = await startVendorAccount();
  const tenant: TestTenant = {
    id: uniqueTenantId('ops-metrics'),
    apiKeys: [KEY],
    account,
    webhooks: {
      chargebee: { username: 'ops-metrics-hooks', password: 'ops-metrics-hook-password' },
      paygentic: { secret: `whsec_${Buffer.from('ops-metrics-svix-secret-01234567').toString('base64')}` },
      zenskar: { secret: 'ops-metrics-zenskar-secret', header: 'x-zenskar-signature' },
    },
  };
  const env = {
    GATEWAY_CONFIG: await gatewayConfigJson([tenant]),
    CURSOR_SECRET: 'ops-metrics-cursor-secret-0123456789abcdef',
    REDIS_URL,
    METRICS_KEY,
    HOST: '127.0.0.1',
    // A failing vendor gives up fast and its breaker opens after two failed calls.
    UPSTREAM_MAX_ATTEMPTS: '3',
  };
  [first, second] = await Promise.all([startNodeEntry(env), startNodeEntry(env)]);
}, 90_000);

afterAll(async () => {
  await Promise.all([first?.kill(), second?.kill()]);
  await account?.close();
});

describe('GET /metrics', () => {
  it('needs the metrics key', async () => {
    const anonymous = await fetch(`${first.baseUrl}/metrics`);
    expect(anonymous.status).toBe(401);
    const gatewayKey = await fetch(`${first.baseUrl}/metrics`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(gatewayKey.status).toBe(401);
    expect(await gatewayKey.text()).not.toContain(METRICS_KEY);
  });

  it('counts requests by route and status, cache hits in memory and in Redis, vendor failures and breakers', async () => {
    const route = '/v1/customers/:customerId/entitlements';
    const before = await scrape(first);
    const beforeSecond = await scrape(second);

    // A miss (one vendor load), then a memory hit on the same process.
    expect((await entitlements(first, 'chargebee', CHARGEBEE_CUSTOMER)).status).toBe(200);
    expect((await entitlements(first, 'chargebee', CHARGEBEE_CUSTOMER)).status).toBe(200);
    // The other process has nothing in memory: it finds the entry the first one stored in Redis.
    const fromRedis = await entitlements(second, 'chargebee', CHARGEBEE_CUSTOMER);
    expect(fromRedis.status).toBe(200);

    // Zenskar fails: every attempt is a 503, until the breaker opens.
    account.simulators.zenskar.kit.inject({
      fault: { kind: 'status', status: 503 },
      times: Number.POSITIVE_INFINITY,
    });
    expect((await entitlements(first, 'zenskar', ZENSKAR_CUSTOMER)).status).toBe(503);
    expect((await entitlements(first, 'zenskar', ZENSKAR_CUSTOMER)).status).toBe(503);

    const after = await scrape(first);
    const afterSecond = await scrape(second);
    const delta = (samples: Sample[], old: Sample[], name: string, labels: Record<string, string>) =>
      sampleValue(samples, name, labels) - sampleValue(old, name, labels);

    expect(delta(after, before, 'gateway_http_requests_total', { method: 'GET', route, status: '200' })).toBe(
      2,
    );
    expect(delta(after, before, 'gateway_http_requests_total', { method: 'GET', route, status: '503' })).toBe(
      2,
    );
    expect(
      delta(after, before, 'gateway_http_request_duration_seconds_count', { method: 'GET', route }),
    ).toBe(4);
    expect(delta(after, before, 'gateway_cache_hits_total', { tier: 'memory' })).toBe(1);
    expect(delta(afterSecond, beforeSecond, 'gateway_cache_hits_total', { tier: 'redis' })).toBe(1);
    expect(
      delta(afterSecond, beforeSecond, 'gateway_upstream_calls_total', {
        vendor: 'chargebee',
        outcome: 'ok',
      }),
    ).toBe(0);
    expect(
      delta(after, before, 'gateway_upstream_calls_total', { vendor: 'chargebee', outcome: 'ok' }),
    ).toBeGreaterThan(0);
    expect(
      delta(after, before, 'gateway_upstream_calls_total', {
        vendor: 'zenskar',
        outcome: 'vendor_unavailable',
      }),
    ).toBeGreaterThan(0);
    expect(
      delta(after, before, 'gateway_upstream_attempts_total', { vendor: 'zenskar' }),
    ).toBeGreaterThanOrEqual(5);
    expect(sampleValue(after, 'gateway_upstream_breakers', { vendor: 'zenskar', state: 'open' })).toBe(1);
    expect(sampleValue(after, 'gateway_upstream_breakers', { vendor: 'chargebee', state: 'closed' })).toBe(1);
    // Every family the docs list is exposed.
    const names = new Set(after.map((sample) => sample.name));
    for (const name of [
      'gateway_cache_outcomes_total',
      'gateway_cache_loads_total',
      'gateway_upstream_budget_waits_total',
      'gateway_upstream_budget_rejections_total',
      'gateway_redis_errors_total',
      'gateway_upstream_call_duration_seconds_bucket',
    ])
      expect(names, name).toContain(name);
  });
});

describe('traceparent', () => {
  it('continues the caller trace to the vendor calls (a new span each) and to the log line', async () => {
    account.simulators.paygentic.kit.reset();
    const parentSpan = '00f067aa0ba902b7';
    const response = await entitlements(first, 'paygentic', 'cus_demoAcme', {
      traceparent: `00-${TRACE_ID}-${parentSpan}-01`,
      'x-request-id': 'ops-traced-request',
    });
    expect(response.status).toBe(200);
    const sent = account.simulators.paygentic.kit.recorded.map((request) => request.headers['traceparent']);
    expect(sent.length).toBeGreaterThan(0);
    const spans = new Set<string>();
    for (const traceparent of sent) {
      const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(traceparent ?? '');
      expect(match?.[1], traceparent).toBe(TRACE_ID);
      expect(match?.[2]).not.toBe(parentSpan);
      spans.add(match?.[2] as string);
    }
    expect(spans.size).toBe(sent.length);
    const line = await first.waitForEvent('request');
    const traced = first.logs().find((log) => log['requestId'] === 'ops-traced-request');
    expect(line).toBeDefined();
    expect(traced?.['traceId']).toBe(TRACE_ID);
  });

  it('ignores an invalid traceparent and starts a new trace', async () => {
    account.simulators.paygentic.kit.reset();
    const response = await entitlements(first, 'paygentic', 'cus_demoBeta', {
      traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
    });
    expect([200, 404]).toContain(response.status);
    const sent = account.simulators.paygentic.kit.recorded.map((request) => request.headers['traceparent']);
    expect(sent.length).toBeGreaterThan(0);
    for (const traceparent of sent) {
      expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(traceparent).not.toContain('0'.repeat(32));
    }
  });
});
