/**
 * Driving the web chat page (`src/web/page/`) in a test the way a person
 * does: open it and set a name, join a room, type and send a line, and
 * find a message in its log. Every step waits on what the page shows.
 *
 * @module
 */

import type { Locator, Page } from "playwright-core";
import { WAIT_MS } from "./browser.ts";

/** Opens the page at `url`, waits until it is connected, and sets its name. */
export async function openChat(page: Page, url: string, name: string): Promise<void> {
  await page.goto(url);
  await page.locator('#status[data-state="online"]').waitFor({ timeout: WAIT_MS });
  await page.fill("#name", name);
  await page.click("#name-form button");
  await page.locator("#status-text", { hasText: `Connected as ${name}` }).waitFor({
    timeout: WAIT_MS,
  });
}

/** Joins `room` through the join form, and waits until the page lists it. */
export async function joinRoom(page: Page, room: string): Promise<void> {
  await page.fill("#room", room);
  await page.press("#room", "Enter");
  await page.locator("#rooms li", { hasText: `#${room}` }).waitFor({ timeout: WAIT_MS });
}

/** Types `text` in the message box and sends it with Enter. */
export async function say(page: Page, text: string): Promise<void> {
  await page.fill("#message", text);
  await page.press("#message", "Enter");
}

/** Every log entry of a message whose text contains `text` (shown or not yet). */
export function entries(page: Page, text: string): Locator {
  return page.locator("#log li.message", { has: page.locator(".text", { hasText: text }) });
}

/** The log entry of the message whose text is `text`, once it shows. */
export async function entry(page: Page, text: string): Promise<Locator> {
  const found = entries(page, text).first();
  await found.waitFor({ timeout: WAIT_MS });
  return found;
}

/** A TCP port on 127.0.0.1 that was free a moment ago (for a server that must come back on it). */
export function freePort(): number {
  using probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  return probe.addr.port;
}
