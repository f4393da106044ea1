import { connect } from 'node:net';

/**
 * A bare HTTP/1.1 client over a TCP socket. fetch/undici and node:http refuse to send most of what a
 * robustness suite must send (NUL or raw non-ASCII in the request target, tabs and non-ASCII bytes
 * in header values, a body that lies about its type, a stream that never ends), so requests are
 * written byte for byte here. One connection per request (`Connection: close`): an early answer (a
 * 413 before the body was read) can then never poison the next request's connection.
 */

/** A parsed response. */
export interface RawResponse {
  status: number;
  /** Lower-cased header names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Every header line as received (name as sent, value), for leak checks. */
  rawHead: string;
  body: string;
}

/** One raw request. `target` is written verbatim into the request line. */
export interface RawRequest {
  method: string;
  target: string;
  /** Header lines written verbatim, in order (so duplicates and odd bytes are possible). */
  headers?: Array<[string, string]>;
  /** The body; `Content-Length` is added unless `chunked` is set or a content-length header is given. */
  body?: Buffer | string;
  /** Send the body with `Transfer-Encoding: chunked` in this many pieces. */
  chunked?: number;
}

function decodeChunked(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < data.length) {
    const lineEnd = data.indexOf('\r\n', offset);
    if (lineEnd < 0) break;
    const size = Number.parseInt(data.subarray(offset, lineEnd).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** Parses a full HTTP/1.1 response read until the server closed the connection. */
export function parseRawResponse(data: Buffer): RawResponse {
  const headEnd = data.indexOf('\r\n\r\n');
  if (headEnd < 0) throw new Error(`no complete response head (${data.length} bytes received)`);
  const rawHead = data.subarray(0, headEnd).toString('latin1');
  const [statusLine = '', ...lines] = rawHead.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const rest = data.subarray(headEnd + 4);
  const body = headers['transfer-encoding']?.includes('chunked') ? decodeChunked(rest) : rest;
  return { status, headers, rawHead, body: body.toString('utf8') };
}

/** Latin-1 keeps bytes 0x80–0xFF as single raw bytes (what a hostile client sends); anything beyond needs UTF-8. */
function encodingOf(text: string): BufferEncoding {
  for (const character of text) if ((character.codePointAt(0) ?? 0) > 0xff) return 'utf8';
  return 'latin1';
}

/** Writes the request head (and body) to a URL's host and port and reads the whole answer. */
export function rawRequest(baseUrl: string, request: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  const body =
    request.body === undefined
      ? undefined
      : Buffer.isBuffer(request.body)
        ? request.body
        : Buffer.from(request.body, 'utf8');
  const headers: Array<[string, string]> = [
    ['Host', url.host],
    ['Connection', 'close'],
    ...(request.headers ?? []),
  ];
  const hasLength = headers.some(([name]) => name.toLowerCase() === 'content-length');
  if (body !== undefined && request.chunked === undefined && !hasLength)
    headers.push(['Content-Length', String(body.length)]);
  if (body !== undefined && request.chunked !== undefined) headers.push(['Transfer-Encoding', 'chunked']);
  const head = Buffer.concat([
    Buffer.from(`${request.method} `, 'latin1'),
    Buffer.from(request.target, encodingOf(request.target)),
    Buffer.from(' HTTP/1.1\r\n', 'latin1'),
    ...headers.map(([name, value]) => Buffer.from(`${name}: ${value}\r\n`, encodingOf(value))),
    Buffer.from('\r\n', 'latin1'),
  ]);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    // A server may answer early and close while the body is still going out (a 413): what it sent
    // before closing is the answer, so a write error after data arrived is not a failure.
    socket.on('error', (error) => {
      if (received.length === 0) reject(error);
    });
    socket.on('close', () => {
      try {
        resolve(parseRawResponse(Buffer.concat(received)));
      } catch (error) {
        reject(error);
      }
    });
    socket.write(head);
    if (body !== undefined) {
      if (request.chunked === undefined) {
        socket.write(body);
      } else {
        const size = Math.max(1, Math.ceil(body.length / request.chunked));
        for (let offset = 0; offset < body.length; offset += size) {
          const piece = body.subarray(offset, offset + size);
          socket.write(`${piece.length.toString(16)}\r\n`);
          socket.write(piece);
          socket.write('\r\n');
        }
        socket.write('0\r\n\r\n');
      }
    }
  });
}
