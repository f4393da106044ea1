import type { Transport, TransportInit, TransportResponse } from '../../../adapters/kit/upstream';
import type { VirtualTime } from './virtual-time';

/** One request as the fake transport received it. */
export interface FakeCall {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | undefined;
  signal: AbortSignal;
  /** Virtual time at which the request was sent. */
  at: number;
  /** Zero-based position among all calls. */
  index: number;
}

/** What the script answers for one call. */
export type FakeScript = (call: FakeCall) => Promise<TransportResponse> | TransportResponse;

export interface FakeTransport {
  transport: Transport;
  calls: FakeCall[];
  inFlight: { current: number; peak: number };
}

/** A transport driven by a script, recording every request and how many were in flight at once. */
export function createFakeTransport(script: FakeScript, time: VirtualTime): FakeTransport {
  const calls: FakeCall[] = [];
  const inFlight = { current: 0, peak: 0 };
  const transport: Transport = async (url: string, init: TransportInit) => {
    const call: FakeCall = {
      url,
      method: init.method,
      headers: { ...init.headers },
      body: init.body,
      signal: init.signal,
      at: time.now(),
      index: calls.length,
    };
    calls.push(call);
    inFlight.current += 1;
    inFlight.peak = Math.max(inFlight.peak, inFlight.current);
    try {
      return await script(call);
    } finally {
      inFlight.current -= 1;
    }
  };
  return { transport, calls, inFlight };
}

/** A complete response with a text body. */
export function textResponse(
  status: number,
  text: string,
  headers: Record<string, string> = {},
): TransportResponse {
  const all = new Headers(headers);
  return { status, headers: all, text: async () => text };
}

/** A complete JSON response. */
export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): TransportResponse {
  return textResponse(status, JSON.stringify(body), { 'content-type': 'application/json', ...headers });
}

/** A response whose body breaks off while being read (what undici reports for a cut connection). */
export function truncatedResponse(status = 200): TransportResponse {
  return {
    status,
    headers: new Headers({ 'content-type': 'application/json' }),
    text: async () => {
      throw Object.assign(new Error('other side closed'), { name: 'SocketError', code: 'UND_ERR_SOCKET' });
    },
  };
}

/** A network failure before any response (what undici reports for a reset connection). */
export function networkError(): Error {
  return Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
}

/** Waits until the request's signal aborts, then fails the way a real transport does. */
export function hangUntilAborted(call: FakeCall): Promise<never> {
  return new Promise<never>((_resolve, reject) => {
    if (call.signal.aborted) reject(call.signal.reason);
    call.signal.addEventListener('abort', () => reject(call.signal.reason), { once: true });
  });
}

/** Answers after `ms` of virtual time, or fails like a real transport if aborted first. */
export async function respondAfter(
  time: VirtualTime,
  call: FakeCall,
  ms: number,
  response: TransportResponse,
): Promise<TransportResponse> {
  await time.sleep(ms, call.signal);
  return response;
}

/** A response whose head arrives at once but whose body never finishes until aborted. */
export function stalledBodyResponse(call: FakeCall, status = 200): TransportResponse {
  return {
    status,
    headers: new Headers({ 'content-type': 'application/json' }),
    text: () => hangUntilAborted(call),
  };
}
