import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium (scripts/setup.sh installs it); a browser is never downloaded. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Headless Chromium. Playwright's launch() gives it a new temporary profile (user-data-dir) each time;
 * the flags keep it off the network it would otherwise call at start (this machine has none).
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Fails naming the launch well within a hook's 120 s (Playwright's own default is 180 s).
    timeout: 60_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A fresh tab of its own context (its own sessionStorage), 1280×800, English. */
export async function newTab(
  browser: Browser,
): Promise<{ context: BrowserContext; page: Page; watch: PageWatch }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
  const page = await context.newPage();
  return { context, page, watch: new PageWatch(page) };
}

/** What a page printed to its console as errors, threw, or requested: for the "no console errors" rule. */
export class PageWatch {
  readonly errors: string[] = [];
  readonly requests: { url: string; authorization: string | undefined }[] = [];

  constructor(page: Page) {
    page.on('console', (message) => {
      if (message.type() === 'error') this.errors.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => this.errors.push(`uncaught: ${error.message}`));
    page.on('request', (request) =>
      this.requests.push({ url: request.url(), authorization: request.headers().authorization }),
    );
  }

  /** Errors other than those matching `allowed`. */
  unexpected(allowed: RegExp[] = []): string[] {
    return this.errors.filter((e) => !allowed.some((a) => a.test(e)));
  }
}

/** The serious and critical accessibility violations axe-core finds on the page (WCAG 2.1 A and AA). */
export async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

/**
 * Where screenshots go: SCREENSHOT_DIR (the `screenshots` script sets docs/img, and those files are
 * committed), else a temporary folder, so every run still takes them.
 */
export const SCREENSHOT_DIR = resolve(
  process.env.SCREENSHOT_DIR ?? join(tmpdir(), 'tq-dashboard-screenshots'),
);

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `dashboard-${name}.png`);
  // Fixed size, no focus ring, caret or animation: the committed pictures change only when the page does.
  await page.evaluate('document.activeElement && document.activeElement.blur()');
  await page.screenshot({ path, fullPage: false, animations: 'disabled', caret: 'hide' });
  return path;
}
