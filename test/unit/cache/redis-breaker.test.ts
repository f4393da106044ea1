import { describe, expect, it } from 'vitest';
import { RedisBreaker, type RedisBreakerState } from '../../../src/cache/redis-breaker';
import { manualClock } from './cache-test-support';

describe('RedisBreaker', () => {
  it('opens after consecutive failures, skips Redis for openMs, then lets one probe through', () => {
    const clock = manualClock();
    const changes: RedisBreakerState[] = [];
    const breaker = new RedisBreaker({
      clock,
      openMs: 5000,
      failureThreshold: 3,
      onStateChange: (state) => changes.push(state),
    });

    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.allow()).toBe(true);
    breaker.recordSuccess(); // a success resets the count
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.state).toBe('closed');
    breaker.recordFailure();
    expect(breaker.state).toBe('open');
    expect(breaker.allow()).toBe(false);

    clock.advance(4999);
    expect(breaker.allow()).toBe(false);
    clock.advance(1);
    expect(breaker.state).toBe('half-open');
    expect(breaker.allow()).toBe(true); // the probe
    expect(breaker.allow()).toBe(false); // only one probe at a time

    breaker.recordFailure(); // probe failed: open again for a full period
    expect(breaker.state).toBe('open');
    clock.advance(5000);
    expect(breaker.allow()).toBe(true);
    breaker.recordSuccess();
    expect(breaker.state).toBe('closed');
    expect(breaker.allow()).toBe(true);
    expect(changes).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });

  it('does not stay stuck half-open when a probe never reports back', () => {
    const clock = manualClock();
    const breaker = new RedisBreaker({ clock, openMs: 1000, failureThreshold: 1 });
    breaker.recordFailure();
    clock.advance(1000);
    expect(breaker.allow()).toBe(true);
    clock.advance(999);
    expect(breaker.allow()).toBe(false);
    clock.advance(1);
    expect(breaker.allow()).toBe(true);
  });
});
