/**
 * The floor of the workerd table: a bare Hono Worker answering `/sized/<bytes>` with a JSON body of
 * exactly that many bytes (the gateway's cached answer has the same size), served by `wrangler dev`
 * like the gateway Worker it is compared with.
 */
import { Hono } from 'hono';

const bodies = new Map<number, Uint8Array<ArrayBuffer>>();
const app = new Hono();
app.get('/sized/:bytes', (c) => {
  const bytes = Math.min(Number(c.req.param('bytes')) || 0, 10_000_000);
  let body = bodies.get(bytes);
  if (body === undefined) {
    body = new TextEncoder().encode(JSON.stringify({ padding: 'x'.repeat(Math.max(0, bytes - 14)) }));
    bodies.set(bytes, body);
  }
  return c.body(body, 200, { 'content-type': 'application/json' });
});

export default app;
