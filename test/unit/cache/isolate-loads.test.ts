import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEntry } from '../../../src/cache/cache-entry';
import { IsolateLoads } from '../../../src/cache/isolate-loads';

const lifetime = { freshMs: 1000, staleMs: 1000, negativeTtlMs: 100 };

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}

describe('IsolateLoads', () => {
  afterEach(() => vi.useRealTimers());

  it('lets followers share the leader’s plain result, and forgets the load once it settled', async () => {
    const loads = new IsolateLoads();
    const leader = deferred<{ entry: ReturnType<typeof createEntry> } | undefined>();
    expect(loads.running('k')).toBeUndefined();
    loads.lead('k', leader.promise);
    const running = loads.running('k');
    if (running === undefined) throw new Error('expected a running load');
    const followed = loads.follow(running, 1000);
    const entry = createEntry({ plan: 'gold' }, lifetime, 0);
    leader.resolve({ entry });
    expect(await followed).toEqual({ kind: 'loaded', entry });
    expect(loads.size).toBe(0);
  });

  it('shares a failure as data, and a load that stood aside as none', async () => {
    const loads = new IsolateLoads();
    const failing = deferred<undefined>();
    loads.lead('a', failing.promise);
    const error = new Error('vendor down');
    const followedFailure = loads.follow(loads.running('a') as Promise<never>, 1000);
    failing.reject(error);
    expect(await followedFailure).toEqual({ kind: 'failed', error });
    loads.lead('b', Promise.resolve(undefined));
    expect(await loads.follow(loads.running('b') as Promise<never>, 1000)).toEqual({ kind: 'none' });
  });

  it('bounds a follower’s wait: a leader that never settles times out', async () => {
    vi.useFakeTimers();
    const loads = new IsolateLoads();
    loads.lead('k', new Promise(() => undefined));
    const followed = loads.follow(loads.running('k') as Promise<never>, 3000);
    await vi.advanceTimersByTimeAsync(3000);
    expect(await followed).toEqual({ kind: 'timeout' });
  });

  it('forget: requests arriving after an invalidation do not join the outdated load', async () => {
    const loads = new IsolateLoads();
    const leader = deferred<undefined>();
    loads.lead('k', leader.promise);
    loads.forget('k');
    expect(loads.running('k')).toBeUndefined();
    // The forgotten load settling later does not remove a newer one.
    const newer = deferred<undefined>();
    loads.lead('k', newer.promise);
    leader.resolve(undefined);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(loads.running('k')).toBeDefined();
  });
});
