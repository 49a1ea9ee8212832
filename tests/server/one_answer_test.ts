/**
 * One answer per id (PROTOCOL.md section 4): every client frame that carries
 * an `id` gets exactly one frame back carrying it: its `ack`, its `error`,
 * or its own reply (a `pong`, the `who` reply, the closing `history` frame).
 * Never two: `resumed` carries no id.
 *
 * @module
 */

import { deepStrictEqual } from "node:assert/strict";
import type { Frame } from "../../src/protocol/messages.ts";
import { echoHandler } from "../../src/server/handlers/echo.ts";
import { RawClient } from "../helpers/raw_client.ts";
import { startServer } from "../helpers/server.ts";
import { pending, ready, sync } from "../helpers/session.ts";

/** Sends `frame` with id `id`, then a round trip; returns the types of the frames carrying `id`. */
async function answersTo(client: RawClient, frame: Frame, id: string): Promise<string[]> {
  await client.say({ ...frame, id });
  await client.say({ type: "heartbeat", content: "ping", id: `sync-${id}` });
  await client.next((f) => f.type === "heartbeat" && f.id === `sync-${id}`);
  const answers = pending(client).filter((f) => f.id === id);
  // Take them out of the backlog, and anything else before the round trip.
  while (client.backlog.length > 0) await client.next();
  return answers.map((f) => f.type === "error" ? `error ${f.code}` : f.type);
}

Deno.test("chat: each client frame with an id gets exactly one answer carrying it", async () => {
  await using s = await startServer();
  await using alice = await ready(s.tcp, { name: "alice" });
  await using bob = await ready(s.unix, { name: "bob" });
  const cases: [Frame, string][] = [
    [{ type: "heartbeat", content: "ping" }, "heartbeat"],
    [{ type: "message", content: "hi" }, "ack"],
    [{ type: "message", content: "hi", to: "nobody" }, "error no_such_recipient"],
    [{ type: "message", content: "hi", room: "nowhere" }, "error no_such_room"],
    [{ type: "message", content: 7 }, "error invalid_message"],
    [{ type: "nick", content: "Bob" }, "error name_taken"],
    [{ type: "nick", content: "b\u200bob" }, "error invalid_name"],
    [{ type: "nick", content: "alicia" }, "ack"],
    [{ type: "join", content: "lobby" }, "ack"],
    [{ type: "join", content: "two words" }, "error invalid_name"],
    [{ type: "message", content: "hi room", room: "Lobby" }, "ack"],
    [{ type: "who" }, "who"],
    [{ type: "who", room: "lobby" }, "who"],
    [{ type: "who", room: "nowhere" }, "who"],
    [{ type: "leave", content: "lobby" }, "ack"],
    [{ type: "leave", content: "lobby" }, "error no_such_room"],
    [{ type: "fly" }, "error unknown_type"],
    [{ type: "session_ack", content: "again" }, "error unknown_type"],
  ];
  for (const [i, [frame, answer]] of cases.entries()) {
    deepStrictEqual(await answersTo(alice, frame, `q${i}`), [answer], JSON.stringify(frame));
  }
  // A disconnect's answer is its ack; then the connection closes.
  await alice.say({ type: "disconnect", content: "bye", id: "bye" });
  await alice.closed();
  deepStrictEqual(alice.backlog.filter((f) => f.id === "bye").map((f) => f.type), ["ack"]);
  await sync(bob);
});

Deno.test("session_ack: its ack, or the error of a refused name alone (the session opens under its guest name)", async () => {
  await using s = await startServer();
  await using _bob = await ready(s.tcp, { name: "bob" });
  for (const [name, answer] of [["carol", "ack"], ["BOB", "error"], ["guest-x", "error"]]) {
    await using client = await RawClient.session(s.unix, { name });
    await sync(client);
    deepStrictEqual(pending(client).filter((f) => f.id === "hs").map((f) => f.type), [answer]);
  }
});

Deno.test("echo: a message with an id gets its echo and one ack", async () => {
  await using s = await startServer({ handler: echoHandler });
  await using client = await ready(s.tcp);
  deepStrictEqual(await answersTo(client, { type: "message", content: "x" }, "m"), ["ack"]);
  deepStrictEqual(await answersTo(client, { type: "who" }, "w"), ["error unknown_type"]);
});

Deno.test("history: its closing frame is its one answer; resume: its ack, resumed carrying no id, or a refused name's error alone", async () => {
  await using s = await startServer();
  await using alice = await ready(s.tcp, { name: "alice" });
  await alice.say({ type: "join", content: "Lobby", id: "j" });
  await alice.ackOf("j");
  await alice.say({ type: "message", content: "kept", room: "lobby", id: "m" });
  await alice.ackOf("m");
  const cases: [Frame, string][] = [
    [{ type: "history" }, "history"],
    [{ type: "history", room: "LOBBY", limit: 1 }, "history"],
    [{ type: "history", room: "nowhere" }, "error no_such_room"],
    [{ type: "history", limit: -1 }, "error invalid_message"],
  ];
  for (const [i, [frame, answer]] of cases.entries()) {
    deepStrictEqual(await answersTo(alice, frame, `h${i}`), [answer], JSON.stringify(frame));
  }
  // A resume that recovers nothing: resumed (no id), then the ack; with a refused name, its error alone.
  for (const [name, answer] of [["carol", "ack"], ["alice", "error"]]) {
    await using client = await RawClient.connect(s.unix);
    await client.handshake({ resume: { token: "no-such-token-at-all-00000", seq: 0 }, name });
    await client.next("resumed");
    await sync(client);
    deepStrictEqual(
      client.backlog.filter((f) => f.id !== undefined).map((f) => f.type),
      [answer],
      name,
    );
  }
});
