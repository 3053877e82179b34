/**
 * A real browser for the pages: Debian's Chromium driven by playwright-core (no browser download; .ci/run
 * installs the `chromium` package when it is missing). Screenshots go to test-output/ for a person to look at.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.resolve(__dirname, '..', '..', 'test-output');

const ROOT = path.resolve(__dirname, '..', '..');

function newest(dir: string, test: (f: string) => boolean): number {
  let t = 0;
  if (!fs.existsSync(dir)) return 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p, test));
    else if (test(e.name)) t = Math.max(t, fs.statSync(p).mtimeMs);
  }
  return t;
}

/**
 * Bundles the pages (node ui/build.mjs) when the bundles are older than their sources. CI builds once
 * before its runs, which go side by side and must not rewrite the bundles under each other.
 */
export function ensurePagesBuilt(): void {
  const built = newest(path.join(ROOT, 'dist', 'ui', 'assets'), () => true);
  if (built && built >= newest(path.join(ROOT, 'ui'), (f) => /\.(ts|css|mjs)$/.test(f))) return;
  execFileSync(process.execPath, [path.join(ROOT, 'ui', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
}

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`No browser at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH`);
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    // playwright gives every launch a new empty profile of its own.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** One browser for a test file: the pages built, Chromium launched before its tests and closed after. */
export function useBrowser(set: (browser: Browser) => void): void {
  let browser: Browser | undefined;
  beforeAll(async () => {
    ensurePagesBuilt();
    browser = await launchBrowser();
    set(browser);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });
}

/** Signs a page in with a token (typed into the sign-in form as a person would). */
export async function signInPage(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.fill('#token', token);
  await page.click('#signin button[type=submit]');
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
