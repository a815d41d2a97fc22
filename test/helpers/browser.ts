import { existsSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";

/**
 * Headless Debian Chromium for the browser tests (printable report, GraphiQL).
 * .ci/run installs the `chromium` package; without it the browser tests are
 * skipped locally and fail under CI=true, so a CI run can't pass without them.
 */
export const CHROMIUM = "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);
export const runInBrowser = hasChromium || process.env.CI === "true";

/** `it`, or `it.skip` with a line saying why, when there is no Chromium outside CI. */
export function browserIt(what: string): jest.It {
  if (runInBrowser) return it;
  // eslint-disable-next-line no-console
  console.log(`${CHROMIUM} not found: skipping the ${what} browser test (.ci/run installs Debian's chromium)`);
  return it.skip;
}

export interface Seen {
  /** Requests to anything but 127.0.0.1, aborted: the page must work offline. */
  blocked: string[];
  /** Uncaught page errors and console errors. */
  problems: string[];
}

/**
 * Runs `body` in a fresh headless Chromium context with every request that is not
 * to 127.0.0.1 aborted and recorded, then asserts nothing was blocked and no error
 * reached the page or its console (filtered by `isProblem`, all errors by default).
 */
export async function withBrowser(
  body: (page: Page, seen: Seen, context: BrowserContext) => Promise<void>,
  options: { extraHTTPHeaders?: Record<string, string>; isProblem?: (consoleError: string) => boolean } = {},
): Promise<void> {
  if (!hasChromium) throw new Error(`${CHROMIUM} is missing: CI must install Debian's chromium package for the browser tests`);
  const { chromium } = await import("playwright-core");
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
  try {
    const context = await browser.newContext({ extraHTTPHeaders: options.extraHTTPHeaders });
    const seen: Seen = { blocked: [], problems: [] };
    await context.route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === "127.0.0.1") return route.continue();
      seen.blocked.push(url.href);
      return route.abort();
    });
    const page = await context.newPage();
    page.on("pageerror", (error) => seen.problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error" && (options.isProblem ?? (() => true))(message.text())) seen.problems.push(message.text());
    });
    await body(page, seen, context);
    expect(seen.blocked).toEqual([]);
    expect(seen.problems).toEqual([]);
    await context.close();
  } finally {
    await browser.close();
  }
}
