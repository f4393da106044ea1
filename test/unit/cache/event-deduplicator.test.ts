import { describe, expect, it } from 'vitest';
import { createCacheState } from '../../../src/cache/cache-state';
import { createEventDeduplicator } from '../../../src/cache/event-deduplicator';
import { manualClock, recordingLogger } from './cache-test-support';

describe('webhook event de-duplication in memory', () => {
  it('remembers an event for ttlMs, then lets it through again; forget drops it at once', async () => {
    const clock = manualClock();
    const state = createCacheState({ clock, logger: recordingLogger() });
    const dedupe = createEventDeduplicator({ state, redis: null });
    const event = { tenant: 't', vendor: 'paygentic', id: 'msg_2KWPBgLlAfxdpx2AI54pPJ85f1W' };

    expect(await dedupe.rememberOnce(event, 1_000)).toBe(true);
    expect(await dedupe.rememberOnce(event, 1_000)).toBe(false);
    clock.advance(999);
    expect(await dedupe.rememberOnce(event, 1_000)).toBe(false);
    clock.advance(1);
    expect(await dedupe.rememberOnce(event, 1_000)).toBe(true);
    await dedupe.forget(event);
    expect(await dedupe.rememberOnce(event, 1_000)).toBe(true);
    await expect(dedupe.rememberOnce(event, 0)).rejects.toThrow(RangeError);
  });
});
