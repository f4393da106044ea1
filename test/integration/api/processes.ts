import { type ChildProcess, spawn } from 'node:child_process';
import { build } from 'esbuild';
import { writeDocsAssets } from '../../../scripts/docs-assets.mjs';
import { freePort } from '../../../scripts/free-port.mjs';

/**
 * Real processes for the end-to-end tests: the Node entry, `wrangler dev`, the examples. Each runs
 * in its own process group (setsid semantics: `detached`), so stopping it also stops what it started
 * (wrangler's workerd children).
 */

export const root = new URL('../../..', import.meta.url).pathname;
const bin = (name: string) => `${root}node_modules/.bin/${name}`;

export interface RunningProcess {
  /** Where it listens. */
  baseUrl: string;
  /** Everything it printed so far. */
  output(): string;
  /** Stops the whole process group and waits for the leader to exit. */
  stop(): Promise<void>;
}

/** Starts `command` in its own process group; resolves once `ready(output)` gives a base URL. */
export async function startProcess(
  command: string,
  args: string[],
  env: Record<string, string>,
  ready: (output: string) => string | null | Promise<string | null>,
  timeoutMs = 60_000,
): Promise<RunningProcess> {
  const child: ChildProcess = spawn(command, args, {
    cwd: root,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const group = -child.pid;
    try {
      process.kill(group, 'SIGTERM');
    } catch {
      return;
    }
    const killed = setTimeout(() => {
      try {
        process.kill(group, 'SIGKILL');
      } catch {}
    }, 5_000);
    await exited;
    clearTimeout(killed);
    // Whatever the leader started (workerd) goes with the group.
    try {
      process.kill(group, 'SIGKILL');
    } catch {}
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${command} exited (${child.exitCode}):\n${output}`);
    const baseUrl = await ready(output);
    if (baseUrl !== null) return { baseUrl, output: () => output, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(`${command} ${args.join(' ')} was not ready within ${timeoutMs} ms:\n${output}`);
}

/** The sandbox gateway through the real Node entry (`tsx src/node.ts`) on a free port. */
export function startNodeGateway(env: Record<string, string> = {}): Promise<RunningProcess> {
  return startProcess(bin('tsx'), ['src/node.ts'], { PORT: '0', HOST: '127.0.0.1', ...env }, (output) => {
    const listening = /"event":"listening"[^\n]*"port":(\d+)/.exec(output);
    return listening ? `http://127.0.0.1:${listening[1]}` : null;
  });
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url);
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** `wrangler dev` (the sandbox Worker, static assets included) on a free port, never 8787. */
export async function startWranglerDev(vars: Record<string, string> = {}): Promise<RunningProcess> {
  await writeDocsAssets();
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const varArgs = Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]);
  return startProcess(
    bin('wrangler'),
    [
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--inspector-port',
      '0',
      '--show-interactive-dev-session=false',
      ...varArgs,
    ],
    {
      WRANGLER_SEND_METRICS: 'false',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      WRANGLER_HIDE_BANNER: 'true',
      CI: 'true',
    },
    async () => ((await answers(`${baseUrl}/healthz`)) ? baseUrl : null),
    90_000,
  );
}

/** Builds the client's published module (`entitlements-gateway/client` → dist/client/index.mjs). */
export async function buildClientModule(): Promise<void> {
  await build({
    entryPoints: [`${root}client/index.ts`],
    bundle: true,
    platform: 'neutral',
    format: 'esm',
    target: 'es2022',
    packages: 'external',
    logLevel: 'warning',
    outfile: `${root}dist/client/index.mjs`,
  });
}
