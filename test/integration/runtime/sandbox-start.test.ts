import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchCheckResponseSchema, CheckResultSchema } from '../../../schemas/check';
import { EntitlementListSchema } from '../../../schemas/page';
import { SANDBOX_API_KEY } from '../../../src/config';
import { environmentWithoutConfiguration } from '../../support/child-environment';

/**
 * `npm ci && npm start` with no configuration answers every sandbox `curl` line it prints. Starts the real Node entry (`tsx src/node.ts`, what `npm start` runs) on PORT=0 with an
 * environment free of gateway and vendor variables, reads the banner from stdout, runs every printed
 * curl line with fetch (parsed: method, headers, URL, body), then stops it with SIGTERM.
 */

const root = fileURLToPath(new URL('../../..', import.meta.url));
const START_TIMEOUT_MS = 60_000;

function sandboxEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = environmentWithoutConfiguration();
  return { ...env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
}

/** Splits a shell command line into words: single and double quotes, backslash escapes outside quotes. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let index = 0; index < line.length; index += 1) {
    const char = line.charAt(index);
    if (quote === "'") {
      if (char === "'") quote = null;
      else current += char;
    } else if (quote === '"') {
      if (char === '"') quote = null;
      else if (char === '\\' && index + 1 < line.length) current += line.charAt(++index);
      else current += char;
    } else if (char === "'" || char === '"') {
      quote = char;
      inWord = true;
    } else if (char === '\\' && index + 1 < line.length) {
      current += line.charAt(++index);
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (quote !== null) throw new Error(`unterminated quote in: ${line}`);
  if (inWord) words.push(current);
  return words;
}

/** A curl command line as a fetch request. Refuses any option it does not understand. */
interface CurlRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

function parseCurl(line: string): CurlRequest {
  const [command, ...args] = shellWords(line);
  expect(command).toBe('curl');
  const request: CurlRequest = { method: 'GET', url: '', headers: {}, body: undefined };
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] as string;
    const value = () => {
      const next = args[index + 1];
      if (next === undefined) throw new Error(`${arg} needs a value in: ${line}`);
      index += 1;
      return next;
    };
    if (arg === '-s' || arg === '--silent') continue;
    if (arg === '-H' || arg === '--header') {
      const header = value();
      const colon = header.indexOf(':');
      request.headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
    } else if (arg === '-X' || arg === '--request') request.method = value();
    else if (arg === '-d' || arg === '--data' || arg === '--data-raw') {
      request.body = value();
      // curl -d defaults to a form POST unless -X said otherwise.
      if (request.method === 'GET') request.method = 'POST';
    } else if (arg.startsWith('-')) throw new Error(`unsupported curl option ${arg} in: ${line}`);
    else request.url = arg;
  }
  expect(request.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
  return request;
}

let child: ChildProcess;
let stdout = '';
let stderr = '';
let exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

beforeAll(async () => {
  child = spawn(`${root}node_modules/.bin/tsx`, ['src/node.ts'], {
    cwd: root,
    env: sandboxEnvironment(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  // The banner is one write that ends with the batch line and a blank line.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `no sandbox banner within ${START_TIMEOUT_MS} ms.\nstdout:\n${stdout}\nstderr:\n${stderr}`,
          ),
        ),
      START_TIMEOUT_MS,
    );
    child.stdout?.on('data', (chunk: string) => {
      stdout += chunk;
      if (/\n\s*curl [^\n]*\/v1\/check[^\n]*\n/.test(stdout)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exit.then(({ code }) => {
      clearTimeout(timer);
      reject(
        new Error(
          `the gateway exited (${code}) before printing its banner.\nstdout:\n${stdout}\nstderr:\n${stderr}`,
        ),
      );
    });
  });
}, START_TIMEOUT_MS + 5_000);

afterAll(async () => {
  // Only if a test failed before the SIGTERM test ran: do not leave the process behind.
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await exit;
  }
});

describe('npm start with no configuration (sandbox mode)', () => {
  let curls: CurlRequest[];

  it('prints the sandbox key, the docs URL and curl lines for the bound port', () => {
    expect(stdout).toContain('SANDBOX MODE');
    expect(stdout).toContain(`API key: ${SANDBOX_API_KEY}`);
    const port = /Docs:\s+http:\/\/127\.0\.0\.1:(\d+)\/docs/.exec(stdout)?.[1];
    expect(Number(port)).toBeGreaterThan(0);
    curls = stdout
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.startsWith('curl '))
      .map(parseCurl);
    expect(curls.length).toBeGreaterThanOrEqual(4);
    for (const curl of curls) {
      expect(new URL(curl.url).port).toBe(port);
      expect(curl.headers['authorization']).toBe(`Bearer ${SANDBOX_API_KEY}`);
    }
  });

  it('answers every printed curl line with a 200 and a sensible body', async () => {
    expect(curls.length).toBeGreaterThan(0);
    for (const curl of curls) {
      const response = await fetch(curl.url, {
        method: curl.method,
        headers: curl.headers,
        ...(curl.body === undefined ? {} : { body: curl.body }),
      });
      const text = await response.text();
      const context = `${curl.method} ${curl.url} → ${response.status} ${text.slice(0, 300)}`;
      expect(response.status, context).toBe(200);
      const body: unknown = JSON.parse(text);
      const url = new URL(curl.url);
      const vendor = url.searchParams.get('vendor');
      const listMatch = /^\/v1\/customers\/([^/]+)\/entitlements$/.exec(url.pathname);
      const checkMatch = /^\/v1\/customers\/([^/]+)\/entitlements\/([^/]+)$/.exec(url.pathname);
      if (listMatch) {
        const page = EntitlementListSchema.parse(body);
        expect(page.data.length, context).toBeGreaterThan(0);
        expect(page.data.length).toBeLessThanOrEqual(Number(url.searchParams.get('limit') ?? 50));
        expect(page.totalCount).toBeGreaterThanOrEqual(page.data.length);
        for (const entitlement of page.data) {
          expect(entitlement).toMatchObject({
            vendor,
            customerId: decodeURIComponent(listMatch[1] as string),
          });
        }
        // A demo worth showing: something is granted.
        expect(
          page.data.some((entitlement) => entitlement.hasAccess),
          context,
        ).toBe(true);
      } else if (checkMatch) {
        const result = CheckResultSchema.parse(body);
        expect(result).toMatchObject({ vendor, featureKey: decodeURIComponent(checkMatch[2] as string) });
        // The example names a feature the demo customer has, and a usage it allows.
        expect(result.type, context).not.toBeNull();
        expect(result.hasAccess, context).toBe(true);
      } else if (url.pathname === '/v1/check') {
        const sent = JSON.parse(curl.body ?? '{}') as {
          checks: Array<{ featureKey: string; vendor: string }>;
        };
        const batch = BatchCheckResponseSchema.parse(body);
        expect(batch.results).toHaveLength(sent.checks.length);
        batch.results.forEach((result, index) => {
          expect(result.object, context).toBe('entitlement_check');
          expect(result).toMatchObject({
            featureKey: sent.checks[index]?.featureKey,
            vendor: sent.checks[index]?.vendor,
          });
          // Every item names a feature its demo customer really has.
          if (result.object === 'entitlement_check')
            expect(result.type, `${context} item ${index}`).not.toBeNull();
        });
      } else {
        throw new Error(`a printed curl line the test does not know how to judge: ${context}`);
      }
    }
  });

  it('serves the docs page it points at', async () => {
    const docs = /Docs:\s+(\S+)/.exec(stdout)?.[1] ?? '';
    const response = await fetch(docs);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    await response.arrayBuffer();
  });

  it('stops cleanly on SIGTERM: exit code 0, nothing on stderr', async () => {
    child.kill('SIGTERM');
    const { code, signal } = await exit;
    expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
  }, 30_000);
});
