import { describe, expect, it } from 'vitest';
import type { UpstreamClient, UpstreamRequest, VendorErrorParser } from '../kit';
import { UpstreamError } from '../kit';
import {
  buildChargebeeUrl,
  chargebeeAuthorization,
  createChargebeeClient,
  isChargebeeNotFound,
  isCustomerEntitlementsDisabled,
  parseChargebeeError,
} from './client';
import { chargebeeCustomerRetrieveSchema } from './wire';

function upstreamFailure(vendorStatus: number, vendorCode?: string, vendorMessage?: string): UpstreamError {
  return new UpstreamError('vendor_request_rejected', 'chargebee', 'rejected', {
    operation: 'list_customer_entitlements',
    attempts: 1,
    vendorStatus,
    ...(vendorCode === undefined ? {} : { vendorCode }),
    ...(vendorMessage === undefined ? {} : { vendorMessage }),
  });
}

/** An upstream double that records the requests and answers a fixed body. */
function recordingUpstream(body: unknown) {
  const requests: UpstreamRequest[] = [];
  const parsers: VendorErrorParser[] = [];
  const upstream: UpstreamClient = {
    async requestJson(request, parseVendorError) {
      requests.push(request);
      parsers.push(parseVendorError);
      return { status: 200, headers: { get: () => null }, body, attempts: 1 };
    },
  };
  return { upstream, requests, parsers };
}

const connection = {
  baseUrl: 'https://acme-test.chargebee.com/api/v2',
  site: 'acme-test',
  apiKey: 'test_abc123',
  entitlementSource: 'auto' as const,
  consolidateEntitlements: false,
};

describe('Chargebee client', () => {
  it('authenticates with HTTP Basic: the API key as user name and an empty password', () => {
    expect(chargebeeAuthorization('test_abc123')).toBe(
      `Basic ${Buffer.from('test_abc123:').toString('base64')}`,
    );
  });

  it('builds URLs from encoded segments and ordered query parameters', () => {
    expect(
      buildChargebeeUrl(
        'https://acme.chargebee.com/api/v2/',
        ['customers', 'a b/c?d#e', 'customer_entitlements'],
        [
          ['limit', '100'],
          ['offset', '["1","x"]'],
          ['status[in]', '["active","non_renewing"]'],
        ],
      ),
    ).toBe(
      'https://acme.chargebee.com/api/v2/customers/a%20b%2Fc%3Fd%23e/customer_entitlements?limit=100&offset=%5B%221%22%2C%22x%22%5D&status%5Bin%5D=%5B%22active%22%2C%22non_renewing%22%5D',
    );
  });

  it('refuses a dot segment, so no id can climb out of its path', () => {
    for (const segment of ['.', '..', '']) {
      expect(() =>
        buildChargebeeUrl('https://acme.chargebee.com/api/v2', ['customers', segment, 'x']),
      ).toThrow(TypeError);
    }
    // A percent-encoded dot is data, not a dot segment, once encoded again.
    expect(buildChargebeeUrl('https://acme.chargebee.com/api/v2', ['customers', '%2e%2e'])).toBe(
      'https://acme.chargebee.com/api/v2/customers/%252e%252e',
    );
  });

  it('reads api_error_code and message, falling back to the legacy error_code/error_msg', () => {
    expect(
      parseChargebeeError(
        404,
        { message: 'gone', type: 'invalid_request', api_error_code: 'resource_not_found' },
        '',
      ),
    ).toEqual({ code: 'resource_not_found', message: 'gone' });
    expect(
      parseChargebeeError(401, { error_code: 'api_authentication_failed', error_msg: 'bad key' }, ''),
    ).toEqual({
      code: 'api_authentication_failed',
      message: 'bad key',
    });
    expect(parseChargebeeError(502, undefined, '<html>')).toEqual({});
    expect(parseChargebeeError(400, { message: 42 }, '')).toEqual({});
  });

  it('recognises Chargebee 404 resource_not_found only', () => {
    expect(isChargebeeNotFound(upstreamFailure(404, 'resource_not_found'))).toBe(true);
    expect(isChargebeeNotFound(upstreamFailure(404))).toBe(false);
    expect(isChargebeeNotFound(upstreamFailure(400, 'resource_not_found'))).toBe(false);
    expect(isChargebeeNotFound(new Error('resource_not_found'))).toBe(false);
  });

  it('recognises "customer_entitlements is not enabled" in its plausible spellings (UNCONFIRMED)', () => {
    const yes = [
      upstreamFailure(400, 'feature_not_enabled'),
      upstreamFailure(400, 'configuration_incompatible', 'whatever'),
      upstreamFailure(400, 'not_allowed'),
      upstreamFailure(403, 'operation_failed', 'This API is not enabled for your site'),
      upstreamFailure(400, undefined, 'Customer entitlements have not been configured'),
      upstreamFailure(404, 'operation_not_supported', 'customer_entitlements is disabled for this site'),
    ];
    const no = [
      upstreamFailure(401, 'feature_not_enabled'),
      upstreamFailure(429, 'api_request_limit_exceeded', 'not enabled'),
      upstreamFailure(404, 'resource_not_found', "Sorry, we couldn't find that resource"),
      upstreamFailure(400, 'param_wrong_value', 'limit : invalid'),
      upstreamFailure(500, 'feature_not_enabled'),
      new Error('not enabled'),
    ];
    for (const error of yes)
      expect(isCustomerEntitlementsDisabled(error), String(error.failure.vendorCode)).toBe(true);
    for (const error of no) expect(isCustomerEntitlementsDisabled(error)).toBe(false);
  });

  it('sends one GET through the upstream client with the connection key, operation, URL and Basic auth', async () => {
    const { upstream, requests, parsers } = recordingUpstream({ customer: { id: 'c1', email: 'x@y.z' } });
    const client = createChargebeeClient({ connection, upstream, connectionKey: 'tenant-a:chargebee' });
    const body = await client.get(
      { operation: 'retrieve_customer', path: ['customers', 'c1'], query: [['x', '1']] },
      chargebeeCustomerRetrieveSchema(),
    );
    expect(body).toEqual({ customer: { id: 'c1' } });
    expect(requests).toEqual([
      {
        vendor: 'chargebee',
        connectionKey: 'tenant-a:chargebee',
        operation: 'retrieve_customer',
        method: 'GET',
        url: 'https://acme-test.chargebee.com/api/v2/customers/c1?x=1',
        headers: { authorization: chargebeeAuthorization('test_abc123') },
      },
    ]);
    expect(parsers[0]).toBe(parseChargebeeError);
  });

  it('turns a 2xx body that misses the wire schema into vendor_bad_response, keeping values out of the error', async () => {
    const { upstream } = recordingUpstream({ customer: 'sk_secret_value' });
    const client = createChargebeeClient({ connection, upstream, connectionKey: 'k' });
    let caught: unknown;
    try {
      await client.get(
        { operation: 'retrieve_customer', path: ['customers', 'c1'] },
        chargebeeCustomerRetrieveSchema(),
      );
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UpstreamError);
    expect(caught).toMatchObject({ code: 'vendor_bad_response', vendor: 'chargebee', status: 502 });
    const error = caught as UpstreamError;
    expect(error.failure).toMatchObject({ operation: 'retrieve_customer', vendorStatus: 200 });
    expect(String(error.message)).not.toContain('sk_secret_value');
    expect(String((error.cause as Error).message)).not.toContain('sk_secret_value');
    expect(String((error.cause as Error).message)).toContain('customer');
  });
});
