// A free TCP port on 127.0.0.1, for the scripts, the bench and the tests that start servers or
// processes of their own (plain JavaScript so `node scripts/*.mjs` can import it without a loader).
import { createServer } from 'node:net';

/** Asks the OS for a free port on 127.0.0.1 (bind to 0, read the port, release it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}
