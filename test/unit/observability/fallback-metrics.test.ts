import { describe, expect, it } from 'vitest';
import { createCacheMetrics } from '../../../src/cache/cache-metrics';
import { createGatewayPrometheus } from '../../../src/observability/prometheus';

describe('fallback answers in /metrics', () => {
  it('counts checks answered by a fallback policy, by policy, as the gateway reports them', async () => {
    const counts: Record<string, number> = { deny: 0, allow: 0, static: 0 };
    const prometheus = createGatewayPrometheus({
      cache: createCacheMetrics(),
      breakers: () => [],
      fallbackAnswers: () => ({ ...counts }),
    });
    const sample = async (policy: string) => {
      const text = await prometheus.registry.metrics();
      const line = text
        .split('\n')
        .find((row) => row.startsWith(`gateway_fallback_answers_total{policy="${policy}"}`));
      return line === undefined ? undefined : Number(line.split(' ').at(-1));
    };
    expect(await sample('deny')).toBe(0);
    counts.deny = 3;
    counts.static = 1;
    expect(await sample('deny')).toBe(3);
    expect(await sample('static')).toBe(1);
    expect(await sample('allow')).toBe(0);
    counts.deny = 5;
    expect(await sample('deny')).toBe(5);
  });
});
