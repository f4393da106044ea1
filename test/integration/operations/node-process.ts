import { type ChildProcess, spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { environmentWithoutConfiguration } from '../../support/child-environment';
import { parseRawResponse, type RawResponse } from '../../support/raw-http';

/**
 * The real Node entry (`src/node.ts`) in a child process, started as production starts the built
 * bundle: `node` itself is the process that receives the signals (no npm, shell or tsx CLI parent
 * in between), with tsx loaded as a module hook so the TypeScript sources run unbuilt.
 */

const root = fileURLToPath(new URL('../../..', import.meta.url));
const START_TIMEOUT_MS = 60_000;

/** A running gateway process. */
export interface NodeEntry {
  child: ChildProcess;
  port: number;
  baseUrl: string;
  stdout(): string;
  stderr(): string;
  /** The JSON log lines written so far, parsed. */
  logs(): Array<Record<string, unknown>>;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once a log line with this event has been written. */
  waitForEvent(event: string): Promise<Record<string, unknown>>;
  /** Resolves once stdout contains `text` (written in a later chunk than the line that announced it). */
  waitForStdout(text: string): Promise<void>;
  /** SIGKILL if still running (test teardown). */
  kill(): Promise<void>;
}

/** The environment of a clean sandbox run plus `env`. */
export function entryEnvironment(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = environmentWithoutConfiguration(['HTTP_', 'SHUTDOWN_', 'METRICS_']);
  return { ...clean, PORT: '0', LOG_LEVEL: 'info', ...env };
}

/** Spawns the entry and resolves once it is listening, or rejects with its output when it exits first. */
export function spawnNodeEntry(env: Record<string, string>): {
  child: ChildProcess;
  exited: NodeEntry['exited'];
  output: () => { stdout: string; stderr: string };
} {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/node.ts'], {
    cwd: root,
    env: entryEnvironment(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, output: () => ({ stdout, stderr }) };
}

function parseLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export async function startNodeEntry(env: Record<string, string>): Promise<NodeEntry> {
  const { child, exited, output } = spawnNodeEntry(env);
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not listening:\n${output().stdout}\n${output().stderr}`)),
      START_TIMEOUT_MS,
    );
    const poll = setInterval(() => {
      const listening = /"event":"listening"[^\n]*"port":(\d+)/.exec(output().stdout);
      if (listening) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(Number(listening[1]));
      }
    }, 20);
    void exited.then(({ code }) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before listening:\n${output().stdout}\n${output().stderr}`));
    });
  });
  const logs = () => parseLines(output().stdout);
  return {
    child,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    stdout: () => output().stdout,
    stderr: () => output().stderr,
    logs,
    exited,
    waitForEvent(event) {
      return new Promise((resolve, reject) => {
        const poll = setInterval(() => {
          const line = logs().find((entry) => entry['event'] === event);
          if (line) {
            clearInterval(poll);
            resolve(line);
          }
        }, 10);
        void exited.then(() => {
          clearInterval(poll);
          const line = logs().find((entry) => entry['event'] === event);
          if (line) resolve(line);
          else reject(new Error(`exited without logging ${event}:\n${output().stdout}`));
        });
      });
    },
    waitForStdout(text) {
      return new Promise((resolve, reject) => {
        const poll = setInterval(() => {
          if (output().stdout.includes(text)) {
            clearInterval(poll);
            resolve();
          }
        }, 10);
        void exited.then(() => {
          clearInterval(poll);
          if (output().stdout.includes(text)) resolve();
          else reject(new Error(`exited without writing ${text}:\n${output().stdout}`));
        });
      });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}

/** A keep-alive HTTP/1.1 connection written byte by byte, whose responses are read as they come. */
export interface RawConnection {
  socket: Socket;
  /** Writes raw bytes. */
  write(data: string): void;
  /** Resolves with the next complete response (Content-Length framed) on this connection. */
  nextResponse(): Promise<RawResponse>;
  /** Resolves when the server has closed the connection. */
  closed: Promise<void>;
}

export function openConnection(port: number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buffer = Buffer.alloc(0);
    let waiting: Array<() => void> = [];
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const current = waiting;
      waiting = [];
      for (const wake of current) wake();
    });
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    void closed.then(() => {
      const current = waiting;
      waiting = [];
      for (const wake of current) wake();
    });
    socket.once('error', () => undefined);
    socket.once('connect', () =>
      resolve({
        socket,
        write: (data) => socket.write(data),
        closed,
        nextResponse() {
          return new Promise((done, fail) => {
            const attempt = () => {
              const headEnd = buffer.indexOf('\r\n\r\n');
              if (headEnd >= 0) {
                const head = buffer.subarray(0, headEnd).toString('latin1');
                const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
                if (buffer.length >= headEnd + 4 + length) {
                  const response = parseRawResponse(buffer.subarray(0, headEnd + 4 + length));
                  buffer = buffer.subarray(headEnd + 4 + length);
                  done(response);
                  return;
                }
              }
              if (socket.destroyed || socket.readableEnded) {
                fail(new Error(`connection closed with ${buffer.length} unparsed bytes`));
                return;
              }
              waiting.push(attempt);
            };
            attempt();
          });
        },
      }),
    );
    socket.once('error', reject);
  });
}
