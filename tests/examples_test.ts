import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { ChatClient } from "../mod.ts";
import { directoryAuthenticator } from "../examples/directory_authenticator.ts";
import { GreeterBot } from "../examples/greeter_bot.ts";
import { resume } from "../examples/resuming_client.ts";
import { shoutHandler } from "../examples/shout_handler.ts";
import { RawClient } from "./helpers/raw_client.ts";
import { startServer } from "./helpers/server.ts";

Deno.test("examples/shout_handler.ts relays messages in capitals", async () => {
  await using s = await startServer({ handler: shoutHandler });
  await using alice = await RawClient.session(s.tcp, { name: "alice" });
  await using bob = await RawClient.session(s.unix, { name: "bob" });
  await alice.ackOf("hs");
  await bob.ackOf("hs");
  await alice.say({ type: "message", content: "quiet please", id: 1 });
  const got = await bob.next("message");
  deepStrictEqual([got.from, got.content], ["alice", "QUIET PLEASE"]);
  deepStrictEqual((await alice.ackOf(1)).recipients, 1);
});

Deno.test("examples/greeter_bot.ts answers a message directly to its sender", async () => {
  await using s = await startServer();
  await using bot = new GreeterBot({ to: s.unix, name: "greeter" });
  await bot.connect();
  await using ada = await RawClient.session(s.tcp, { name: "ada" });
  await ada.ackOf("hs");
  await ada.say({ type: "message", content: "hi bot", to: "greeter", id: 1 });
  const reply = await ada.next("message");
  deepStrictEqual([reply.from, reply.content], ["greeter", "hello, ada!"]);
});

Deno.test("examples/directory_authenticator.ts lets the directory's people in by their account names, verified", async () => {
  const people = new Map([["grace", { account: "Grace", password: "cobol" }]]);
  await using s = await startServer({
    authenticator: directoryAuthenticator({
      bind(user, password) {
        const person = people.get(user.toLowerCase());
        return Promise.resolve(person?.password === password ? person.account : undefined);
      },
    }),
  });
  await using grace = new ChatClient({ to: s.unix, login: { user: "GRACE", password: "cobol" } });
  await grace.connect();
  deepStrictEqual(grace.loginMethods, ["password"]);
  deepStrictEqual(grace.name, "Grace");
  deepStrictEqual((await grace.who()).map((entry) => [entry.name, entry.verified]), [
    ["Grace", true],
  ]);
  await using intruder = new ChatClient({
    to: s.tcp,
    login: { user: "grace", password: "fortran" },
  });
  await rejects(intruder.connect(), { code: "unauthorized", message: "invalid credentials" });
});

Deno.test("README shows the examples exactly as they are in examples/", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  for (
    const name of [
      "shout_handler.ts",
      "greeter_bot.ts",
      "resuming_client.ts",
      "directory_authenticator.ts",
    ]
  ) {
    const code = await Deno.readTextFile(new URL(`../examples/${name}`, import.meta.url));
    ok(
      readme.includes(code.replaceAll('"../mod.ts"', '"./mod.ts"')),
      `README lacks examples/${name}`,
    );
  }
});

Deno.test("examples/resuming_client.ts takes a lost session back with what it missed, and reads history", async () => {
  await using s = await startServer();
  await using bob = await RawClient.session(s.tcp, { name: "bob" });
  await bob.ackOf("hs");
  const lost = new ChatClient({ to: s.unix, name: "ann" });
  await lost.connect();
  await bob.say({ type: "message", content: "one", id: 1 });
  await bob.ackOf(1);
  for await (const frame of lost) if (frame.content === "one") break;
  await lost.close();
  // The server sees ann away once it noticed her connection ended.
  await bob.say({ type: "who", id: "w" });
  while (!((await bob.next("who")).content as { away?: boolean }[]).some((e) => e.away)) {
    await bob.say({ type: "who", id: "w" });
  }
  for (const [id, content] of [[2, "two"], [3, "three"]] as const) {
    await bob.say({ type: "message", content, id });
    await bob.ackOf(id);
  }
  await using back = await resume(lost);
  deepStrictEqual(back.resumed, { recovered: true, replayed: 2, seq: 3, resumed: true });
  strictEqual(back.sessionId, lost.sessionId);
  const missed = [];
  for await (const frame of back) {
    missed.push([frame.content, frame.replay]);
    if (missed.length === 2) break;
  }
  deepStrictEqual(missed, [["two", true], ["three", true]]);
  const page = await back.history(undefined, { limit: 2 });
  deepStrictEqual([page.messages.map((m) => m.content), page.more], [["two", "three"], true]);
});
