import { describe, expect, it } from 'vitest';
import { epochKeyOf, RedisEpoch } from '../../../src/cache/redis-epoch';

describe('the Redis data-loss marker', () => {
  it('is a loss when the marker read changes or vanishes; not on the first read, not when one appears', () => {
    const epoch = new RedisEpoch();
    expect(epoch.observe(null, 1_000)).toBe(false); // first read: nothing known yet
    expect(epoch.observe('e1', 2_000)).toBe(false); // written by someone: not a loss
    expect(epoch.observe('e1', 3_000)).toBe(false);
    expect(epoch.lostAt).toBe(Number.NEGATIVE_INFINITY);
    expect(epoch.observe(null, 4_000)).toBe(true); // vanished: Redis lost its data
    expect(epoch.lostAt).toBe(4_000);
    expect(epoch.observe('e2', 5_000)).toBe(false); // the new marker is no second loss
    expect(epoch.observe('e3', 6_000)).toBe(true); // replaced between two reads: lost again meanwhile
    expect(epoch.lostAt).toBe(6_000);
  });

  it('lets one read at a time write a missing marker, and only while it is missing', () => {
    const epoch = new RedisEpoch();
    expect(epoch.claimCreation()).toBe(false); // nothing read yet
    epoch.observe(null, 1_000);
    expect(epoch.claimCreation()).toBe(true);
    expect(epoch.claimCreation()).toBe(false); // pending
    epoch.creationDone();
    expect(epoch.claimCreation()).toBe(true); // still none read (the write failed, or lost a race)
    epoch.creationDone();
    epoch.observe('e1', 2_000);
    expect(epoch.claimCreation()).toBe(false);
  });

  it('has a key of its own per key version', () => {
    expect(epochKeyOf('v1')).toBe('eg:v1:epoch');
    expect(epochKeyOf('it:x')).toBe('eg:it%3Ax:epoch');
  });
});
