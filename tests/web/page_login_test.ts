/**
 * Logging in through the web page, in a real browser, against a real server
 * that knows who is who (PROTOCOL.md section 11): the login form, a refused
 * password, a login token from the address's fragment (gone from the
 * address once read), a guest, verified names shown apart from guests, and
 * a login elsewhere that ends the page's session for good.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, strictEqual } from "node:assert/strict";
import type { Page } from "playwright-core";
import { browserTest, launchBrowser, newPage, WAIT_MS } from "../helpers/browser.ts";
import { accountsOf, loggedIn, LOGIN_MS } from "../helpers/identity.ts";
import { hmacKey, sign } from "../helpers/jwt_keys.ts";
import { startWebServer } from "../helpers/server.ts";
import { standardAuthenticator } from "../../src/server/identity/compose.ts";
import { parseJwtKey } from "../../src/server/identity/jwt_key.ts";

const accounts = await accountsOf({ alice: "alice's pw", bob: "bob's pw" });

/** Waits until the page's status line says `text`. */
async function status(page: Page, text: string): Promise<void> {
  await page.locator("#status-text", { hasText: text }).waitFor({ timeout: LOGIN_MS });
}

/** Logs in through the form as `user` with `password`. */
async function logIn(page: Page, user: string, password: string): Promise<void> {
  await page.locator("#login-user").waitFor({ timeout: WAIT_MS });
  await page.fill("#login-user", user);
  await page.fill("#login-password", password);
  await page.press("#login-password", "Enter");
}

/** Waits until the page's name box and its button are disabled, with a note saying `why`. */
async function nameFixed(page: Page, why: string): Promise<void> {
  await page.locator("#name-note", { hasText: why }).waitFor({ timeout: WAIT_MS });
  strictEqual(await page.locator("#name").isDisabled(), true);
  strictEqual(await page.locator("#name-set").isDisabled(), true);
}

browserTest(
  "the page logs in through its form and with a #jwt= token; verified names are shown apart from guests; a login elsewhere ends it",
  async () => {
    const hmac = hmacKey();
    const key = await parseJwtKey(hmac.file);
    const authenticator = standardAuthenticator({ users: { accounts }, jwt: { key } });
    await using s = await startWebServer({ authenticator, allowGuests: true });
    await using browser = await launchBrowser();

    // A wrong password: refused, the form stays.
    await using alice = await newPage(browser);
    await alice.goto(s.http);
    await logIn(alice, "alice", "a guess");
    await alice.locator("#login-error", { hasText: "Login refused: invalid credentials" }).waitFor({
      timeout: LOGIN_MS,
    });
    // The right one: alice is in, by her account's name.
    await logIn(alice, "Alice", "alice's pw");
    await status(alice, "Connected as alice");
    strictEqual(await alice.locator("#login").isVisible(), false);
    // The name is the account's: the name box is disabled, and says why.
    await nameFixed(alice, "Your account's name");

    // A login token in the fragment: read, sent, and gone from the address.
    const jwt = await sign(hmac, { sub: "carol", exp: Math.floor(Date.now() / 1000) + 600 });
    await using carol = await newPage(browser);
    await carol.goto(`${s.http}/#jwt=${jwt}`);
    await status(carol, "Connected as carol");
    strictEqual(new URL(carol.url()).hash, "");

    // A guest.
    await using guest = await newPage(browser);
    await guest.goto(s.http);
    await guest.click("#login-guest");
    await status(guest, "Connected as guest-");
    await nameFixed(guest, "Guests keep their guest name");

    // Who is here: the accounts marked verified, the guest marked a guest.
    await guest.click("#refresh-who");
    const person = (name: string) => guest.locator(`#people li[data-name="${name}"]`);
    await person("alice").locator(".badge.verified").waitFor({ timeout: WAIT_MS });
    await person("carol").locator(".badge.verified").waitFor({ timeout: WAIT_MS });
    const guestName = await guest.inputValue("#name");
    await person(guestName).locator(".badge", { hasText: "guest" }).waitFor({ timeout: WAIT_MS });
    strictEqual(await person(guestName).locator(".badge.verified").count(), 0);

    // A message from the page reaches a socket client marked verified, and back.
    await using bob = await loggedIn(s.tcp, { auth: { user: "bob", password: "bob's pw" } });
    await alice.fill("#message", "hello from the page");
    await alice.press("#message", "Enter");
    const got = await bob.next((frame) => frame.type === "message" && frame.from === "alice");
    assertEquals([got.content, got.verified], ["hello from the page", true]);
    await bob.say({ type: "message", content: "hello from bob", id: 1 });
    await bob.ackOf(1);
    const shown = alice.locator("#log li.message", { hasText: "hello from bob" });
    await shown.locator(".badge.verified").waitFor({ timeout: WAIT_MS });
    // The badge between the name and its colon, spaced apart from both sides.
    strictEqual(await shown.locator(".body").innerText(), "bob ✓: hello from bob");

    // alice logs in elsewhere: the page stops, saying why, and does not come back.
    await using again = await loggedIn(s.tcp, { auth: { user: "alice", password: "alice's pw" } });
    await status(alice, "Disconnected: logged in elsewhere");
    await bob.say({ type: "who", id: "w" });
    const entries = (await bob.next("who")).content as { name: string; session_id: string }[];
    assertEquals(
      entries.filter((entry) => entry.name === "alice").map((entry) => entry.session_id),
      [again.sessionId],
    );
  },
);
