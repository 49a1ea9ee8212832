/**
 * `chat server --store FILE` across restarts, as real processes (PROTOCOL.md
 * sections 7 and 9): after a SIGKILL every acknowledged message is in
 * history, and a session resumes within the window with `recovered: true`;
 * after a clean stop too.
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import type { Frame } from "../../src/protocol/messages.ts";
import { resumeOn } from "../helpers/resume.ts";
import { ready } from "../helpers/session.ts";
import { ChatProcess, tcpFlags, tempDir } from "../helpers/spawn.ts";

/** Starts `chat server --store FILE` on a free port; resolves once it listens. */
async function storeServer(file: string) {
  const server = ChatProcess.spawn(["server", ...tcpFlags(0), "--store", file]);
  const { tcp } = await server.listening();
  return { server, tcp: tcp! };
}

Deno.test("chat server --store: after a SIGKILL every acknowledged message is kept, and sessions resume with recovered true", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/history.db`;
  const first = await storeServer(file);
  const acked: Frame[] = [];
  let annToken: string;
  let bobToken: string;
  let annId: string;
  let seen = 0;
  {
    await using _server = first.server;
    await using ann = await ready(first.tcp, { name: "ann" });
    await using bob = await ready(first.tcp, { name: "bob" });
    [annToken, bobToken, annId] = [
      ann.init!.resume_token as string,
      bob.init!.resume_token as string,
      ann.sessionId,
    ];
    await ann.say({ type: "join", content: "lobby", id: "j" });
    await ann.ackOf("j");
    await bob.say({ type: "join", content: "lobby", id: "j" });
    await bob.ackOf("j");
    // Pipelined: 50 messages written at once, each acked once in the file.
    const frames = Array.from({ length: 50 }, (_, i) =>
      JSON.stringify({
        type: "message",
        content: `m${i}`,
        id: i,
        session_id: bob.sessionId,
        ...(i % 3 === 0 ? { room: "lobby" } : i % 3 === 1 ? { to: "ann" } : {}),
      }) + "\n");
    await bob.write(frames.join(""));
    for (let i = 0; i < 50; i++) acked.push(await bob.ackOf(i));
    deepStrictEqual(acked.map((a) => a.seq), acked.map((_, i) => i + 1), "seqs in order");
    seen = (await ann.next("message")).seq as number; // ann read one, then the server dies
    first.server.kill("SIGKILL");
    await first.server.status();
  }
  const second = await storeServer(file);
  await using _second = second.server;
  // Every acknowledged message is in history.
  await using carl = await ready(second.tcp, { name: "carl" });
  await carl.say({ type: "history", limit: 100, id: "h" });
  const kept: Frame[] = [];
  for (;;) {
    const frame = await carl.next((f) => f.type === "message" || f.type === "history");
    if (frame.type === "history") break;
    kept.push(frame);
  }
  // carl sees the messages to everyone; the direct ones and the room's are not his.
  deepStrictEqual(
    kept.map((m) => m.content),
    acked.map((_, i) => `m${i}`).filter((_, i) => i % 3 === 2),
  );
  // ann and bob resume, away since the restart: recovered, ann gets the rest.
  await using annBack = await resumeOn(second.tcp, annToken, seen);
  deepStrictEqual(annBack.resumed.content, { recovered: true, replayed: 49, seq: 50 });
  deepStrictEqual([annBack.resumed.session_id, annBack.resumed.name, annBack.resumed.rooms], [
    annId,
    "ann",
    ["lobby"],
  ]);
  deepStrictEqual(annBack.replayed.map((m) => m.seq), acked.slice(1).map((a) => a.seq));
  await using bobBack = await resumeOn(second.tcp, bobToken, 50);
  strictEqual((bobBack.resumed.content as { recovered: boolean }).recovered, true);
  // bob sends again an id it sent before the kill: the same seq, not relayed again.
  await bobBack.client.say({ type: "message", content: "m49", id: 49 });
  strictEqual((await bobBack.client.ackOf(49)).seq, 50);
  // A clean stop keeps them resumable too.
  const token = annBack.resumed.resume_token as string;
  second.server.kill("SIGTERM");
  strictEqual((await second.server.status()).code, 0);
  const third = await storeServer(file);
  await using _third = third.server;
  await using again = await resumeOn(third.tcp, token, 50);
  deepStrictEqual(again.resumed.content, { recovered: true, replayed: 0, seq: 50 });
  ok(again.resumed.resume_token !== token);
});
