/**
 * A real browser for the web page's tests: Debian's `chromium` driven by
 * `playwright-core` (which downloads nothing), headless, with a fresh
 * profile per launch. Where chromium is missing the browser tests are
 * skipped with the reason printed, except with `CI=true`, where `.ci/run`
 * installs it and they must run.
 *
 * @module
 */

import fs from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";

/** How long a page may take to show what a test waits for. */
export const WAIT_MS = 10_000;

/** Where Debian's package puts chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** The switches of a quiet, headless chromium that reaches nothing but the test's server. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--no-sandbox",
  "--headless",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Why the browser tests are skipped here, or `undefined` when they run. */
export const BROWSER_SKIP: string | undefined = (() => {
  try {
    if (Deno.statSync(CHROMIUM).isFile) return undefined;
  } catch {
    // Missing: said below.
  }
  if (Deno.env.get("CI") === "true") return undefined;
  const reason = `${CHROMIUM} is missing (apt-get install chromium; .ci/run does)`;
  console.log(`browser tests are skipped: ${reason}`);
  return reason;
})();

/** `Deno.test` for a test that drives the browser (see {@linkcode BROWSER_SKIP}). */
export function browserTest(name: string, fn: (t: Deno.TestContext) => Promise<void>): void {
  Deno.test({ name, ignore: BROWSER_SKIP !== undefined, fn });
}

/**
 * playwright-core, loaded once `fs.existsSync` behaves as in Node: at load
 * it asks whether `/proc/sys/fs/binfmt_misc/WSLInterop` exists, which Deno
 * answers, short of `--allow-all`, with a permission error instead of false.
 */
async function playwright(): Promise<typeof import("playwright-core")> {
  const existsSync = fs.existsSync;
  fs.existsSync = ((path: fs.PathLike) => {
    try {
      return existsSync(path);
    } catch {
      return false;
    }
  }) as typeof fs.existsSync;
  return await import("playwright-core");
}

/** A launched browser that `await using` closes (its temporary profile goes with it). */
export type TestBrowser = Browser & AsyncDisposable;

/** Launches chromium headless, with a fresh profile. */
export async function launchBrowser(): Promise<TestBrowser> {
  const { chromium } = await playwright();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS] });
  return Object.assign(browser, { [Symbol.asyncDispose]: () => browser.close() });
}

/** A page in a context of its own (its own storage: another person), with `await using`. */
export async function newPage(
  browser: Browser,
  options: Parameters<Browser["newContext"]>[0] = {},
): Promise<Page & AsyncDisposable> {
  const context: BrowserContext = await browser.newContext(options);
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  // Whatever the page logs or throws shows in the test's output.
  page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
  return Object.assign(page, { [Symbol.asyncDispose]: () => context.close() });
}
