import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { environmentWithoutConfiguration } from '../../support/child-environment';

/**
 * Real gateway processes for the scale-out suite: the Node entry bundled exactly as `npm run build`
 * does (esbuild, packages external), started as `node <bundle>` child processes (as a systemd unit
 * or `node:cluster` worker would run `node dist/node.mjs`), each with its own memory tier and Redis
 * connections, configured only through the environment.
 */

const root = fileURLToPath(new URL('../../..', import.meta.url));
const START_TIMEOUT_MS = 30_000;

/** One running gateway process. */
export interface GatewayProcess {
  url: string;
  /** Its stdout so far (JSON log lines). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Bundles src/node.ts into a file of its own under dist/ (so parallel runs never share one) and
 * resolves its path, plus a function that removes it.
 */
export async function bundleNodeEntry(): Promise<{ path: string; remove(): Promise<void> }> {
  const path = `${root}dist/scale-out-${process.pid}-${randomUUID()}.mjs`;
  await build({
    entryPoints: [`${root}src/node.ts`],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
    outfile: path,
  });
  return { path, remove: () => rm(path, { force: true }) };
}

/** Starts `node <bundle>` with exactly `env` as its gateway configuration, on a free port. */
export async function startGatewayProcess(
  bundle: string,
  env: Record<string, string>,
): Promise<GatewayProcess> {
  const childEnv: NodeJS.ProcessEnv = environmentWithoutConfiguration(['REDIS_', 'EXPECTED_INSTANCES$']);
  Object.assign(childEnv, { PORT: '0', HOST: '127.0.0.1', ...env });
  const child: ChildProcess = spawn(process.execPath, [bundle], {
    cwd: root,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not listening within ${START_TIMEOUT_MS} ms.\n${stdout}\n${stderr}`)),
      START_TIMEOUT_MS,
    );
    let found = false;
    child.stdout?.on('data', (chunk: string) => {
      stdout += chunk;
      const listening = /"event":"listening"[^\n]*"port":(\d+)/.exec(stdout);
      if (listening && !found) {
        found = true;
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${listening[1]}`);
      }
    });
    void exit.then(() => {
      clearTimeout(timer);
      if (!found) reject(new Error(`the gateway exited before listening.\n${stdout}\n${stderr}`));
    });
  });
  return {
    url,
    output: () => stdout,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const forced = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(forced);
    },
  };
}
