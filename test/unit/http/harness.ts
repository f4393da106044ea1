import { UpstreamError } from '../../../adapters/kit/errors';
import type {
  UpstreamCallReport,
  UpstreamJsonResponse,
  UpstreamRequest,
  VendorErrorParser,
} from '../../../adapters/kit/upstream';
import type { ConnectionLimits } from '../../../src/http/connection-limits';
import {
  createUpstreamClient,
  type ResilientUpstreamClient,
  type UpstreamClientOptions,
} from '../../../src/http/upstream-client';
import { createJsonLogger } from '../../../src/logger';
import { createFakeTransport, type FakeScript, type FakeTransport } from './fake-transport';
import { createVirtualTime, type VirtualTime } from './virtual-time';

/** Limits high enough that only the tests about limits ever meet them. */
export const generousLimits: ConnectionLimits = {
  requestsPerMinute: 60_000,
  burst: 10_000,
  maxConcurrent: 1_000,
};

/** A Chargebee-shaped error parser, as an adapter would pass it. */
export const parseChargebeeError: VendorErrorParser = (_status, body) => {
  if (typeof body !== 'object' || body === null) return {};
  const record = body as Record<string, unknown>;
  return {
    ...(typeof record['api_error_code'] === 'string' ? { code: record['api_error_code'] } : {}),
    ...(typeof record['message'] === 'string' ? { message: record['message'] } : {}),
  };
};

/** One parsed log line. */
export interface LogLine {
  level: string;
  event: string;
  [field: string]: unknown;
}

export interface Harness {
  time: VirtualTime;
  fake: FakeTransport;
  client: ResilientUpstreamClient;
  logs: LogLine[];
  /** Raw JSON lines as written (for "this string never appears" assertions). */
  rawLogs: string[];
  reports: UpstreamCallReport[];
  /** The request every test sends unless it overrides fields. */
  request(overrides?: Partial<UpstreamRequest>): UpstreamRequest;
  /** Starts a call without driving time (for concurrent calls). */
  start(overrides?: Partial<UpstreamRequest>): Promise<UpstreamJsonResponse>;
  /** Sends a call and drives virtual time until it settles. */
  call(overrides?: Partial<UpstreamRequest>): Promise<UpstreamJsonResponse>;
  /** Sends a call that must fail with an `UpstreamError`, and returns that error. */
  fail(overrides?: Partial<UpstreamRequest>): Promise<UpstreamError>;
}

export const BASE_URL = 'https://acme-test.chargebee.com/api/v2';

export function createHarness(
  script: FakeScript,
  options: Omit<Partial<UpstreamClientOptions>, 'transport' | 'clock' | 'sleep'> = {},
): Harness {
  const time = createVirtualTime();
  const fake = createFakeTransport(script, time);
  const logs: LogLine[] = [];
  const rawLogs: string[] = [];
  const reports: UpstreamCallReport[] = [];
  const logger = createJsonLogger({
    level: 'debug',
    write: (line) => {
      rawLogs.push(line);
      logs.push(JSON.parse(line) as LogLine);
    },
  });
  const client = createUpstreamClient({
    transport: fake.transport,
    clock: time.clock,
    sleep: time.sleep,
    random: () => 0.5,
    logger,
    limitsFor: () => generousLimits,
    ...options,
  });
  const request = (overrides: Partial<UpstreamRequest> = {}): UpstreamRequest => ({
    vendor: 'chargebee',
    connectionKey: 'tenant-a:chargebee',
    operation: 'list_customer_entitlements',
    method: 'GET',
    url: `${BASE_URL}/customers/cus_1/customer_entitlements?limit=100`,
    headers: { authorization: 'Basic dGVzdF9rZXlfMTIzNDU6' },
    observer: (report) => reports.push(report),
    ...overrides,
  });
  const start = (overrides?: Partial<UpstreamRequest>) =>
    client.requestJson(request(overrides), parseChargebeeError);
  const call = (overrides?: Partial<UpstreamRequest>) => time.run(start(overrides));
  const fail = async (overrides?: Partial<UpstreamRequest>) => {
    try {
      await call(overrides);
    } catch (error) {
      if (error instanceof UpstreamError) return error;
      throw error;
    }
    throw new Error('expected the call to fail');
  };
  return { time, fake, client, logs, rawLogs, reports, request, start, call, fail };
}

/** Milliseconds between consecutive transport calls. */
export function gaps(fake: FakeTransport): number[] {
  return fake.calls.slice(1).map((call, index) => call.at - (fake.calls[index]?.at ?? 0));
}
