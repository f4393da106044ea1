import { describe, expect, it } from 'vitest';
import {
  formatTraceparent,
  newRequestId,
  parseTraceparent,
  traceContextFor,
} from '../../../src/observability/trace-context';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('W3C traceparent', () => {
  it('continues a valid header: same trace id and flags, the caller span as parent, a new span', () => {
    const context = traceContextFor(`00-${TRACE}-${SPAN}-01`);
    expect(context).toMatchObject({ traceId: TRACE, parentSpanId: SPAN, flags: '01' });
    expect(context.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(context.spanId).not.toBe(SPAN);
    expect(formatTraceparent(context, 'aaaaaaaaaaaaaaaa')).toBe(`00-${TRACE}-aaaaaaaaaaaaaaaa-01`);
  });

  it('accepts a future version with extra fields, as the spec asks', () => {
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-00-extra`)).toEqual({
      traceId: TRACE,
      parentSpanId: SPAN,
      flags: '00',
    });
  });

  it.each([
    ['absent', undefined],
    ['garbage', 'not-a-traceparent'],
    ['upper-case hex', `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${SPAN}-01`],
    ['all-zero parent id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${TRACE}-${SPAN}-01`],
    ['version 00 with extra fields', `00-${TRACE}-${SPAN}-01-extra`],
    ['short trace id', `00-${TRACE.slice(1)}-${SPAN}-01`],
  ])('ignores an invalid header (%s) and starts a new trace', (_label, header) => {
    expect(parseTraceparent(header)).toBeUndefined();
    const context = traceContextFor(header);
    expect(context.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(context.traceId).not.toBe(TRACE);
    expect(context.traceId).not.toBe('0'.repeat(32));
    expect(context.parentSpanId).toBeUndefined();
  });

  it('makes request ids as version-4 UUIDs, each one new', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newRequestId()));
    expect(ids.size).toBe(1000);
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
