// Preloaded into each soak instance (`node --expose-gc --import ./bench/soak-memory-probe.mjs`), never
// into the gateway itself. Answers the soak's IPC request with the process's memory after a full
// garbage collection: RSS alone cannot tell memory the gateway retains (a leak) from room V8 and the
// allocator keep after a burst of allocation, which grows with the request rate, not with time.
process.on('message', (message) => {
  if (message === null || typeof message !== 'object' || message.type !== 'memory') return;
  // Twice: the first collection runs finalizers that free more in the second.
  globalThis.gc?.();
  globalThis.gc?.();
  const usage = process.memoryUsage();
  process.send?.({
    type: 'memory',
    id: message.id,
    rss: usage.rss,
    heapTotal: usage.heapTotal,
    heapUsed: usage.heapUsed,
    external: usage.external,
    gcExposed: typeof globalThis.gc === 'function',
  });
});
// The channel must not keep the process alive: SIGTERM's graceful drain decides when it exits.
process.channel?.unref();
