import { describe, expect, it } from 'vitest';
import { CACHE_KEY_VERSION, cacheKey, encodeKeySegment, lockKeyOf } from '../../../src/cache/cache-key';

describe('cacheKey', () => {
  it('builds eg:<version>:<tenant>:<vendor>:<namespace>:<id>', () => {
    expect(cacheKey({ tenant: 'acme', vendor: 'chargebee', namespace: 'snapshot', id: 'cus_1' })).toBe(
      `eg:${CACHE_KEY_VERSION}:acme:chargebee:snapshot:cus_1`,
    );
    expect(cacheKey({ version: 'v9', tenant: 't', vendor: 'zenskar', namespace: 'catalog', id: 'all' })).toBe(
      'eg:v9:t:zenskar:catalog:all',
    );
  });

  it('encodes segments so a colon inside a part cannot collide with another key', () => {
    const a = cacheKey({ tenant: 't', vendor: 'paygentic', namespace: 'snapshot', id: 'x:y' });
    const b = cacheKey({ tenant: 't:paygentic', vendor: 'snapshot', namespace: 'x', id: 'y' });
    expect(a).not.toBe(b);
    expect(a).toBe(`eg:${CACHE_KEY_VERSION}:t:paygentic:snapshot:x%3Ay`);
    expect(a.split(':')).toHaveLength(6);
    // '%' is encoded too, so an id that looks already encoded stays distinct
    expect(cacheKey({ tenant: 't', vendor: 'v', namespace: 'n', id: 'x%3Ay' })).toBe(
      `eg:${CACHE_KEY_VERSION}:t:v:n:x%253Ay`,
    );
  });

  it('derives a lock key that no data key can equal', () => {
    const key = cacheKey({ tenant: 't', vendor: 'v', namespace: 'n', id: 'lock' });
    expect(lockKeyOf(key)).toBe(`${key}:lock`);
    expect(lockKeyOf(key).split(':')).toHaveLength(7);
  });

  it('encodes a segment exactly as encodeURIComponent does, whether or not the call can be skipped', () => {
    const ascii = Array.from({ length: 128 }, (_, code) => String.fromCharCode(code));
    const samples = [
      ...ascii,
      ...ascii.map((char) => `cus_${char}1`),
      '',
      'c1',
      "cus_AbC-9.~*()!'",
      'é',
      'a b',
      '%41',
      '💳',
    ];
    for (const segment of samples) expect(encodeKeySegment(segment)).toBe(encodeURIComponent(segment));
  });
});
