// Headless Chromium for the dashboard tests: console-error collection, a loopback-only
// network guard, and screenshots under test-output/screenshots/.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const SHOTS = fileURLToPath(new URL('../../test-output/screenshots/', import.meta.url));

export async function launch(): Promise<Browser> {
  // Debian's package may still be installing when the suite starts.
  for (let i = 0; i < 120 && !existsSync(CHROMIUM); i++) await new Promise((r) => setTimeout(r, 1000));
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      // Nothing but loopback can even resolve.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
}

export interface TestPage {
  readonly page: Page;
  readonly context: BrowserContext;
  /** console errors, uncaught exceptions and non-loopback requests, in order */
  readonly problems: string[];
  /** fails unless every collected problem matches one of `allowed` */
  assertClean(allowed?: readonly RegExp[]): void;
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

export const DESKTOP = { width: 1280, height: 860 };
export const PHONE = { width: 390, height: 844 };

export async function openPage(browser: Browser, viewport = DESKTOP): Promise<TestPage> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()} [${m.location().url}]`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    const url = r.url();
    if (!/^(https?:\/\/127\.0\.0\.1[:/]|data:|blob:|about:)/.test(url)) problems.push(`external request: ${url}`);
  });
  return {
    page,
    context,
    problems,
    assertClean(allowed = []) {
      const unexpected = problems.filter((p) => !allowed.some((re) => re.test(p)));
      if (unexpected.length) throw new Error(`unexpected browser problems:\n  ${unexpected.join('\n  ')}`);
    },
    async shot(name) {
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: join(SHOTS, `${name}-${viewport.width}.png`), fullPage: true });
    },
    close: () => context.close(),
  };
}
