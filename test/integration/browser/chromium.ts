import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's chromium (installed by .ci/run when missing); never a downloaded browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether the browser is there; the browser suites fail with this message when it is not. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`${CHROMIUM_PATH} is missing: apt-get install -y chromium (.ci/run does it)`);
}

export interface OfflineBrowser {
  context: BrowserContext;
  /** URLs the page tried to reach outside the allowed origins (each was aborted). */
  blocked: string[];
  close(): Promise<void>;
}

/**
 * Headless chromium whose network reaches only `allowedOrigins`: every other request is aborted and
 * recorded, so a page that needs a CDN breaks here as it would offline.
 */
export async function openOfflineBrowser(allowedOrigins: string[]): Promise<OfflineBrowser> {
  requireChromium();
  const profile = mkdtempSync(join(tmpdir(), 'entitlements-gateway-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const blocked: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('data:') || allowedOrigins.includes(new URL(url).origin)) return route.continue();
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  return {
    context,
    blocked,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
