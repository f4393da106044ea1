import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { busiestWindow, createSimulatorKit } from './simulator-kit';

/** A one-route vendor behind the kit, on a fake clock. */
function vendor() {
  const kit = createSimulatorKit();
  const app = new Hono();
  app.use('*', kit.middleware);
  app.get('/things', (c) => c.json({ list: [] }));
  return { kit, get: () => app.request('/things') };
}

describe('the simulated rate limit', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
  });
  afterEach(() => vi.useRealTimers());

  it('answers `limit` requests per sliding window and refuses the rest with 429 and Retry-After', async () => {
    const { kit, get } = vendor();
    kit.setRateLimit({ limit: 3, windowMs: 2000, body: '{"api_error_code":"api_request_limit_exceeded"}' });
    const statuses = [];
    for (let index = 0; index < 4; index++) statuses.push((await get()).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    vi.setSystemTime(1_000_500);
    const refused = await get();
    expect(refused.status).toBe(429);
    // The first answered request leaves the window at 1 002 000: 1.5 s from now, rounded up.
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(await refused.json()).toEqual({ api_error_code: 'api_request_limit_exceeded' });
    // Two seconds after the first three, all three have left the window.
    vi.setSystemTime(1_002_000);
    for (let index = 0; index < 4; index++) statuses.push((await get()).status);
    expect(statuses.slice(4)).toEqual([200, 200, 200, 429]);
    expect(kit.recorded.map((request) => request.rateLimited)).toEqual([
      false,
      false,
      false,
      true,
      true,
      false,
      false,
      false,
      true,
    ]);
  });

  it('can leave out Retry-After (Chargebee does not guarantee it), and reset removes the limit', async () => {
    const { kit, get } = vendor();
    kit.setRateLimit({ limit: 1, windowMs: 1000, retryAfter: false });
    await get();
    const refused = await get();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBeNull();
    kit.reset();
    expect((await get()).status).toBe(200);
    expect((await get()).status).toBe(200);
  });
});

describe('busiestWindow', () => {
  it('counts the most arrivals inside any window that starts at an arrival', () => {
    expect(busiestWindow([], 1000)).toBe(0);
    expect(busiestWindow([0, 999, 1000, 1500, 1999], 1000)).toBe(3);
    expect(busiestWindow([5000, 0, 10, 20], 100)).toBe(3);
    // A window is half-open: an arrival exactly `windowMs` later starts the next one.
    expect(busiestWindow([0, 1000, 2000], 1000)).toBe(1);
  });
});
