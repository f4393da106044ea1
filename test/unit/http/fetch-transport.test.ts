import { describe, expect, it } from 'vitest';
import { createFetchTransport } from '../../../src/http/fetch-transport';

describe('createFetchTransport', () => {
  it('sends method, headers, body and signal, does not follow redirects, and exposes status, headers and text', async () => {
    const seen: Array<{ input: string; init: RequestInit }> = [];
    const transport = createFetchTransport(async (input, init) => {
      seen.push({ input, init });
      return new Response('{"ok":true}', { status: 201, headers: { 'retry-after': '3' } });
    });
    const controller = new AbortController();
    const response = await transport('https://api.paygentic.io/v1/entitlements?customerId=cus_1', {
      method: 'POST',
      headers: { authorization: 'Bearer sk_test_abc' },
      body: '{"a":1}',
      signal: controller.signal,
    });

    expect(seen).toHaveLength(1);
    expect(seen[0]?.input).toBe('https://api.paygentic.io/v1/entitlements?customerId=cus_1');
    expect(seen[0]?.init).toMatchObject({
      method: 'POST',
      headers: { authorization: 'Bearer sk_test_abc' },
      body: '{"a":1}',
      redirect: 'manual',
    });
    expect(seen[0]?.init.signal).toBe(controller.signal);
    expect(response.status).toBe(201);
    expect(response.headers.get('Retry-After')).toBe('3');
    expect(await response.text()).toBe('{"ok":true}');
  });

  it('sends no body on a GET', async () => {
    const seen: RequestInit[] = [];
    const transport = createFetchTransport(async (_input, init) => {
      seen.push(init);
      return new Response('[]');
    });
    await transport('https://example.test/', {
      method: 'GET',
      headers: {},
      signal: new AbortController().signal,
    });
    expect('body' in (seen[0] ?? {})).toBe(false);
  });
});
