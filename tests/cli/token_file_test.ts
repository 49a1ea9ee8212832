/**
 * `--token-file FILE` on both sides, as real processes: the token read
 * without its trailing newline, a file that cannot be read (exit 1, a
 * runtime failure, naming it), and the token never written to any output.
 *
 * @module
 */

import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
} from "node:assert/strict";
import { echoHandler } from "../../src/server/handlers/echo.ts";
import { assertUnreadable, linesOf, runMain } from "../helpers/run_main.ts";
import { startServer } from "../helpers/server.ts";
import { ChatProcess, tempDir } from "../helpers/spawn.ts";

const TOKEN = "F1le-Tok3n-qwerty";

/** Asserts a usage error: exit 2, nothing on stdout, one stderr line matching `what`. */
function assertUsage(run: { code: number; stdout: string; stderr: string }, what: RegExp) {
  assertEquals(run.code, 2, `status ${run.code}, stderr: ${run.stderr}`);
  assertEquals(run.stdout, "");
  const lines = linesOf(run.stderr);
  assertEquals(lines.length, 1, run.stderr);
  assertMatch(lines[0], what);
  assertMatch(lines[0], /--help/);
}

Deno.test("chat client --token-file: the file's token (its newline ignored) gets in; another does not", async () => {
  await using dir = await tempDir();
  await using s = await startServer({ handler: echoHandler, token: TOKEN });
  const files = { right: `${TOKEN}\n`, crlf: `${TOKEN}\r\n`, wrong: "not-it\n" };
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${dir.path}/${name}`, text);
  }
  for (const name of ["right", "crlf"]) {
    const run = await runMain(
      ["client", "file", "-", "--port", String(s.tcp.port), "--host", "127.0.0.1"].concat(
        ["--token-file", `${dir.path}/${name}`],
      ),
      { stdin: "knock knock\n" },
    );
    assertEquals(run.code, 0, `${name}: ${run.stderr}`);
    assertEquals(linesOf(run.stdout), ["Server received: knock knock"]);
    assert(!run.stderr.includes(TOKEN) && !run.stdout.includes(TOKEN), "the token was written");
  }
  const refused = await runMain(
    ["client", "file", "-", "--unix", s.unix.path, "--token-file", `${dir.path}/wrong`],
    { stdin: "knock knock\n" },
  );
  assertEquals(refused.code, 1, refused.stderr);
  assertEquals(linesOf(refused.stderr).length, 1, refused.stderr);
  assertMatch(refused.stderr, /unauthorized/);
  assert(!refused.stderr.includes("not-it"), "the wrong token was written");
});

Deno.test("--token-file that cannot be read: exit 1, one line naming it", async (t) => {
  await using dir = await tempDir();
  const missing = `${dir.path}/no-token-here`;
  const cases: [string[], RegExp][] = [
    [
      ["server", "--port", "0", "--token-file", missing],
      /--token-file: cannot read .*no-token-here: no such file$/,
    ],
    [
      ["server", "--port", "0", "--token-file", dir.path],
      /--token-file: cannot read .*: is a directory$/,
    ],
    [
      ["client", "file", "-", "--token-file", missing],
      /--token-file: cannot read .*no-token-here: no such file$/,
    ],
    [
      ["client", "interactive", "--token-file", dir.path],
      /--token-file: cannot read .*: is a directory$/,
    ],
  ];
  for (const [args, what] of cases) {
    await t.step(args.join(" ").replaceAll(dir.path, "DIR"), async () => {
      assertUnreadable(await runMain(args, { stdin: "" }), what);
    });
  }
  await t.step("server --token-file (no value): a usage error", async () => {
    assertUsage(await runMain(["server", "--token-file"]), /--token-file.*needs a value/);
  });
});

Deno.test("the token from --token-file is never logged, in text or JSON, at debug level", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/token`;
  await Deno.writeTextFile(file, `${TOKEN}\n`);
  for (const format of ["text", "json"]) {
    await using server = ChatProcess.spawn(
      [
        "server",
        "--port",
        "0",
        "--token-file",
        file,
        "--log-level",
        "debug",
        "--log-format",
        format,
      ],
    );
    const { tcp } = await server.listening();
    const port = String(tcp!.port);
    const ok = await runMain(["client", "file", "-", "--port", port, "--token-file", file], {
      stdin: "hi\n",
    });
    assertEquals(ok.code, 0, ok.stderr);
    // A wrong token is not logged either (it might be a mistyped real one).
    const bad = await runMain(["client", "file", "-", "--port", port, "--token", `${TOKEN}x`], {
      stdin: "hi\n",
    });
    assertEquals(bad.code, 1, bad.stderr);
    await server.waitForLine(/unauthorized/);
    server.kill("SIGTERM");
    const result = await server.finished();
    assertEquals(result.code, 0, result.stderr);
    assert(result.lines.length > 4, `debug logs were written:\n${result.stderr}`);
    for (const output of [result.stderr, result.stdout, ok.stderr, ok.stdout, bad.stderr]) {
      assert(!output.includes(TOKEN), `the token was written:\n${output}`);
    }
  }
});
