/**
 * A client never sends its token over a Unix socket whose file another
 * user owns (CLI.md, "Client options"): real servers, socket files given
 * to another user (root is needed to do that), and the real program.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { echoHandler } from "../../src/server/handlers/echo.ts";
import { describeUser, processUid } from "../../src/transport/unix_owner.ts";
import { linesOf, runMain } from "../helpers/run_main.ts";
import { startServer } from "../helpers/server.ts";
import { ChatTerminal } from "../helpers/terminal.ts";

/** Another user's id: the conventional `nobody`. */
const NOBODY = 65534;
const asRoot = Deno.build.os !== "windows" && processUid() === 0;

Deno.test({
  name: "a client with a token refuses a Unix socket owned by another user, naming the owner",
  ignore: !asRoot,
  async fn() {
    const opened: string[] = [];
    await using s = await startServer({
      handler: echoHandler,
      onSessionOpen: (session) => opened.push(session.name),
    });
    await Deno.chown(s.unix.path, NOBODY, NOBODY);
    const owner = describeUser(NOBODY);

    const file = await runMain(["client", "file", "-", s.unix.path, "--token", "sesame"], {
      stdin: "a secret line\n",
    });
    assertEquals(file.code, 1, file.stderr);
    assertEquals(linesOf(file.stderr), [
      `chat: refusing unix://${s.unix.path}: the socket file is owned by ${owner}, not by you ` +
      `or root, so the token is not sent to it (--unix-owner ${
        owner.split(" ")[0]
      } would trust it)`,
    ]);
    assertEquals(file.stdout, "");

    await using chat = ChatTerminal.spawn(["--unix", s.unix.path, "--token", "sesame"], {
      pty: false,
    });
    assertEquals((await chat.exited()).code, 1);
    assert(chat.stderr.includes(`owned by ${owner}`), chat.stderr);
    assertEquals(opened, [], "no session was opened with the untrusted socket");
  },
});

Deno.test({
  name:
    "--unix-owner trusts another user's socket by name or uid; without a token there is nothing to refuse",
  ignore: !asRoot,
  async fn() {
    await using s = await startServer({ handler: echoHandler });
    await Deno.chown(s.unix.path, NOBODY, NOBODY);
    const name = describeUser(NOBODY).split(" ")[0];
    const ways = [
      ["--token", "sesame", "--unix-owner", name],
      ["--token", "sesame", "--unix-owner", String(NOBODY)],
      [],
    ];
    for (const extra of ways) {
      const run = await runMain(["client", "file", "-", "--unix", s.unix.path, ...extra], {
        stdin: "hello\n",
      });
      assertEquals(run.code, 0, `${extra.join(" ")}: ${run.stderr}`);
      assertEquals(linesOf(run.stdout), ["Server received: hello"]);
    }
    // A socket of its own user (root here) is trusted with the token.
    await Deno.chown(s.unix.path, 0, 0);
    const own = await runMain(["client", "file", "-", s.unix.path, "--token", "sesame"], {
      stdin: "mine\n",
    });
    assertEquals(own.code, 0, own.stderr);
  },
});

Deno.test("--unix-owner: an unknown user, or no Unix socket, is a usage error", async () => {
  const unknown = await runMain(
    ["client", "file", "-", "/tmp/chat.sock", "--unix-owner", "no-such-user-here"],
  );
  assertEquals(unknown.code, 2, unknown.stderr);
  assert(/--unix-owner: no user called 'no-such-user-here'/.test(unknown.stderr), unknown.stderr);
  const tcp = await runMain(["client", "file", "-", "--unix-owner", "0"]);
  assertEquals(tcp.code, 2, tcp.stderr);
  assert(/--unix-owner needs --unix/.test(tcp.stderr), tcp.stderr);
});
