import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { RawClient } from "../helpers/raw_client.ts";
import { startServer } from "../helpers/server.ts";

Deno.test("ChatServer relays a message from a TCP session to a Unix session", async () => {
  await using s = await startServer();
  await using alice = await RawClient.session(s.tcp, { name: "alice" });
  await using bob = await RawClient.session(s.unix, { name: "bob" });
  await alice.ackOf("hs");
  await bob.ackOf("hs");
  await alice.say({ type: "message", content: "hi bob", id: 1 });
  const got = await bob.next("message");
  assertEquals([got.content, got.from, got.session_id], ["hi bob", "alice", bob.sessionId]);
  assertEquals((await alice.ackOf(1)).recipients, 1);
});
