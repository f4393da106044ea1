import { describe, expect, it } from 'vitest';
import { BatchCheckItemSchema } from '../../../schemas/check';
import { plainBatchItem } from '../../../src/services/entitlement-service';

/** A seeded generator, so a failure names an item that reproduces. */
function mulberry32(seed: number) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const fieldValues: Record<string, unknown[]> = {
  customerId: ['c1', '', 'x'.repeat(255), 'x'.repeat(256), 7, null, ['c1'], { id: 'c1' }],
  featureKey: ['seats', '', 'ü', 'x'.repeat(256), 0, true, null],
  vendor: ['chargebee', 'zenskar', 'paygentic', 'stripe', 'Chargebee', '', null, 1],
  requestedUsage: [0, 1, 2.5, -1, -0, 1e308, '5', null, true],
  at: ['2026-01-01T00:00:00Z', 'yesterday', 0],
  colour: ['blue'],
  __proto__: [{}],
};

function randomItem(random: () => number): unknown {
  const shape = random();
  if (shape < 0.03) return null;
  if (shape < 0.06) return ['c1', 'seats'];
  if (shape < 0.08) return 'c1';
  // Parsed from JSON like a real body, so keys such as __proto__ are own properties.
  const entries: string[] = [];
  for (const [name, values] of Object.entries(fieldValues)) {
    const chance = name === 'customerId' || name === 'featureKey' ? 0.9 : 0.3;
    if (random() < chance) {
      const value = values[Math.floor(random() * values.length)];
      entries.push(`${JSON.stringify(name)}:${JSON.stringify(value)}`);
    }
  }
  return JSON.parse(`{${entries.join(',')}}`);
}

describe('the plain batch item fast path', () => {
  it('whatever it accepts, the schema accepts with the same value (generated items)', () => {
    const random = mulberry32(100);
    let accepted = 0;
    let declinedValid = 0;
    for (let index = 0; index < 20_000; index++) {
      const raw = randomItem(random);
      const fast = plainBatchItem(raw);
      const parsed = BatchCheckItemSchema.safeParse(raw);
      if (fast === undefined) {
        if (parsed.success) declinedValid += 1;
        continue;
      }
      accepted += 1;
      expect(parsed.success, JSON.stringify(raw)).toBe(true);
      expect(fast, JSON.stringify(raw)).toEqual(parsed.data);
    }
    // Not vacuous: the generator reaches both sides.
    expect(accepted).toBeGreaterThan(200);
    expect(declinedValid).toBeGreaterThan(0);
  });

  it('accepts the common spellings', () => {
    expect(plainBatchItem({ customerId: 'c1', vendor: 'chargebee', featureKey: 'seats' })).toEqual({
      customerId: 'c1',
      vendor: 'chargebee',
      featureKey: 'seats',
    });
    expect(plainBatchItem({ customerId: 'c1', featureKey: 'seats', requestedUsage: 2.5 })).toEqual({
      customerId: 'c1',
      featureKey: 'seats',
      requestedUsage: 2.5,
    });
  });
});
