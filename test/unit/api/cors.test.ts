import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, SANDBOX_API_KEY } from '../../../src/config';
import { corsExposedHeaders } from '../../../src/routes/middleware/cors';
import { responseHeaderComponents } from '../../../src/routes/system/openapi-document';
import type { SharedGateway } from '../../shared/route-suite-target';
import { openNodeSandboxGateway } from '../../support/node-sandbox-gateway';

const appOrigin = 'https://app.example.test';
const listPath = '/v1/customers/c1/entitlements?vendor=chargebee';
let gateway: SharedGateway | undefined;

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

async function open(
  env: Record<string, string> = { CORS_ORIGINS: `${appOrigin}, https://other.example.test/` },
) {
  gateway = await openNodeSandboxGateway(env);
  return gateway;
}

function preflight(origin: string, method = 'GET') {
  return {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'authorization, content-type',
    },
  };
}

describe('CORS (CORS_ORIGINS)', () => {
  it('answers a preflight from a listed origin without a key', async () => {
    const { call } = await open();
    const response = await call(listPath, preflight(appOrigin));
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(appOrigin);
    expect(response.headers.get('access-control-allow-methods')).toBe('GET,POST,OPTIONS');
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    expect(response.headers.get('vary')).toContain('Origin');
    const batch = await call('/v1/check', preflight('https://other.example.test', 'POST'));
    expect(batch.headers.get('access-control-allow-origin')).toBe('https://other.example.test');
  });

  it('gives an unlisted origin no allow header', async () => {
    const { call } = await open();
    const response = await call(listPath, preflight('https://evil.example.test'));
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const actual = await call(listPath, {
      headers: { origin: 'https://evil.example.test', authorization: `Bearer ${SANDBOX_API_KEY}` },
    });
    expect(actual.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets a listed origin read answers, problems and the documented headers', async () => {
    const { call } = await open();
    const ok = await call(listPath, {
      headers: { origin: appOrigin, authorization: `Bearer ${SANDBOX_API_KEY}` },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(appOrigin);
    expect(ok.headers.get('cache-status')).toMatch(/^entitlements-gateway; /);
    const exposed = ok.headers.get('access-control-expose-headers')?.split(',') ?? [];
    expect(exposed).toEqual(corsExposedHeaders);
    const problem = await call(listPath, { headers: { origin: appOrigin } });
    expect(problem.status).toBe(401);
    expect(problem.headers.get('access-control-allow-origin')).toBe(appOrigin);
  });

  it('exposes exactly the response headers the OpenAPI document describes', async () => {
    const { call } = await open();
    const document = (await (await call('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, { headers?: object }> }>>;
    };
    const named = new Set<string>();
    for (const operations of Object.values(document.paths))
      for (const operation of Object.values(operations))
        for (const response of Object.values(operation.responses))
          for (const name of Object.keys(response.headers ?? {})) named.add(name);
    expect([...named].sort()).toEqual([...corsExposedHeaders].sort());
    expect(Object.keys(responseHeaderComponents)).toHaveLength(corsExposedHeaders.length);
  });

  it('is off without CORS_ORIGINS: a preflight is not answered for the browser', async () => {
    const { call } = await open({});
    const response = await call(listPath, preflight(appOrigin));
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.status).not.toBe(204);
  });

  it('refuses a value that is not a list of origins, naming the variable only', async () => {
    await expect(parseConfig({ CORS_ORIGINS: 'https://app.example.test/path' })).rejects.toThrow(ConfigError);
    await expect(parseConfig({ CORS_ORIGINS: 'app.example.test' })).rejects.toThrow(/CORS_ORIGINS/);
    expect(
      (await parseConfig({ CORS_ORIGINS: ' https://a.test , http://b.test:8080/ ' })).corsOrigins,
    ).toEqual(['https://a.test', 'http://b.test:8080']);
  });
});
