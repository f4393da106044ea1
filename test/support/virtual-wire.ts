import type { Transport } from '../../adapters/kit/upstream';
import type { HoldRequest } from '../../adapters/simulator-kit';
import { createVirtualTime, type VirtualTime } from '../unit/http/virtual-time';
import type { TestClock } from './gateway';

/** Header the wire adds to each vendor request, so the simulators' holds name the request they hold. */
const WIRE_ID_HEADER = 'x-test-wire-id';

/**
 * Virtual time for a gateway over real loopback HTTP. The gateway's upstream waits (attempt
 * timeouts, the deadline, backoff, budget waits) and the simulators' holds (latency, `delay`,
 * `slow-body`) all sleep on one virtual clock, and time moves only when every vendor request on the
 * wire is one a simulator is holding on purpose: a round trip, however slow the machine, takes no
 * virtual time, so a 1 s attempt timeout fires exactly when the vendor holds a request, never because
 * the machine was busy.
 */
export interface VirtualWire {
  time: VirtualTime;
  /** Virtual time, plus whatever `advance` added (cache freshness, breaker cool-down) without firing timers. */
  clock: TestClock;
  /** Wraps the gateway's transport: knows which requests are on the wire. */
  wrapTransport(transport: Transport): Transport;
  /** The simulators' hold (`kit.holdWith`): knows which requests are held. */
  hold: HoldRequest;
  /** Stops moving time and releases every hold still pending. */
  stop(): Promise<void>;
}

const settleTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

export function startVirtualWire(): VirtualWire {
  const time = createVirtualTime();
  let skewMs = 0;
  let nextId = 0;
  const onTheWire = new Set<string>();
  const held = new Set<string>();
  let stopped = false;

  const quiet = () => [...onTheWire].every((id) => held.has(id));

  const driver = (async () => {
    while (!stopped) {
      await pause();
      if (time.pendingTimers() === 0 || !quiet()) continue;
      // Let every continuation already scheduled run: a response just read may send the next request.
      await settleTurn();
      await settleTurn();
      if (!stopped && quiet()) time.fireNext();
    }
  })();

  return {
    time,
    clock: {
      now: () => time.now() + skewMs,
      advance(ms) {
        skewMs += ms;
      },
    },
    wrapTransport: (transport) => async (url, init) => {
      const id = String(++nextId);
      onTheWire.add(id);
      const off = () => onTheWire.delete(id);
      // An aborted attempt leaves the wire at once, whatever the socket does next.
      init.signal.addEventListener('abort', off, { once: true });
      try {
        const response = await transport(url, {
          ...init,
          headers: { ...init.headers, [WIRE_ID_HEADER]: id },
        });
        return {
          status: response.status,
          headers: response.headers,
          text: () => response.text().finally(off),
        };
      } catch (error) {
        off();
        throw error;
      }
    },
    hold: async (ms, request) => {
      const id = request.headers[WIRE_ID_HEADER];
      if (id !== undefined) held.add(id);
      try {
        await time.sleep(ms);
      } finally {
        if (id !== undefined) held.delete(id);
      }
    },
    async stop() {
      stopped = true;
      await driver;
      while (time.fireNext()) await settleTurn();
    },
  };
}
