import { deepStrictEqual, ok, rejects } from "node:assert/strict";
import { directoryAuthenticator } from "../examples/directory_authenticator.ts";
import { GreeterBot } from "../examples/greeter_bot.ts";
import { ChatClient } from "../mod.ts";
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
  for (const name of ["shout_handler.ts", "greeter_bot.ts", "directory_authenticator.ts"]) {
    const code = await Deno.readTextFile(new URL(`../examples/${name}`, import.meta.url));
    ok(
      readme.includes(code.replaceAll('"../mod.ts"', '"./mod.ts"')),
      `README lacks examples/${name}`,
    );
  }
});
