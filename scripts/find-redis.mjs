// The Redis the test runs use (scripts/test.mjs, scripts/test-repeat.mjs): REDIS_URL if set, else
// 127.0.0.1:6379 if it answers, else a throwaway redis-server on a free port when the binary is
// installed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Socket } from 'node:net';
import { delimiter, join } from 'node:path';
import { freePort } from './free-port.mjs';

function ping(host, port, timeoutMs = 500) {
  return new Promise((resolve) => {
    const socket = new Socket();
    let answer = '';
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG') || answer.startsWith('-NOAUTH'));
    });
  });
}

function which(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/**
 * Finds (or starts) a Redis for the tests; exits with status 2 and a hint when there is none.
 * @param {string} who how the calling command names itself in messages, e.g. `npm test`
 * @returns {Promise<{ url: string, stop: () => void }>}
 */
export async function findRedis(who) {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: () => {} };
  if (await ping('127.0.0.1', 6379)) return { url: 'redis://127.0.0.1:6379', stop: () => {} };
  const server = which('redis-server');
  if (!server) {
    console.error(
      `${who} needs Redis: set REDIS_URL, run one on 127.0.0.1:6379, or install redis-server (apt-get install -y redis-server).`,
    );
    process.exit(2);
  }
  const port = await freePort();
  const child = spawn(
    server,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  for (let attempt = 0; attempt < 50; attempt++) {
    if (await ping('127.0.0.1', port)) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  console.log(`${who}: started a throwaway redis-server on port ${port}`);
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}
