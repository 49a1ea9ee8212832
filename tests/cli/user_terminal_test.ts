/**
 * `chat user add` on a real terminal (a pseudo-terminal from Python's
 * `pty`): the password is asked twice and never echoed, and the terminal
 * is left in its usual mode. Python types each password as soon as its
 * prompt shows, and reports everything the terminal showed.
 *
 * @module
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { PERMISSIONS } from "../../src/cli/permissions.ts";
import { verifyPassword } from "../../src/server/identity/scrypt_hash.ts";
import { readUsersFile } from "../../src/server/identity/users_file.ts";
import { MAIN_TS, ROOT } from "../helpers/run_main.ts";
import { tempDir } from "../helpers/spawn.ts";

/**
 * Runs argv[1:] on a new pseudo-terminal; after each prompt in PROMPTS
 * shows, types the next of KEYS; at the end prints, as JSON, what the
 * terminal showed, the exit status, and whether the terminal echoes again.
 */
const TYPIST = `
import json, os, pty, select, sys, termios, time
prompts, keys, argv = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
shown = b""
def read_until(pattern, deadline):
    global shown
    while pattern.encode() not in shown and time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                data = os.read(fd, 4096)
            except OSError:
                return
            if not data:
                return
            shown += data
deadline = time.time() + 20
for prompt, typed in zip(prompts, keys):
    read_until(prompt, deadline)
    os.write(fd, typed.encode())
read_until("\\u0000", deadline)  # to the end of output
echo = bool(termios.tcgetattr(fd)[3] & termios.ECHO)
_, status = os.waitpid(pid, 0)
print(json.dumps({"shown": shown.decode(errors="replace"), "status": os.WEXITSTATUS(status), "echo": echo}))
`;

Deno.test("chat user add on a terminal: asked twice, never echoed, echo on again at the end", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/users.json`;
  const password = "pty-s3cret";
  const output = await new Deno.Command("python3", {
    args: [
      "-c",
      TYPIST,
      JSON.stringify(["Password: ", "Password again: "]),
      JSON.stringify([`${password}\r`, `${password}\r`]),
      Deno.execPath(),
      "run",
      ...PERMISSIONS,
      MAIN_TS,
      "user",
      "add",
      "ttyuser",
      "--users",
      path,
    ],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const report = JSON.parse(new TextDecoder().decode(output.stdout));
  strictEqual(report.status, 0, report.shown);
  ok(!report.shown.includes(password), `the password was echoed: ${report.shown}`);
  ok(/Password: [\s\S]*Password again: /.test(report.shown), report.shown);
  strictEqual(report.echo, true, "echo is on again");
  const account = (await readUsersFile(path)).get("ttyuser")!;
  strictEqual(await verifyPassword(password, account.password), true);
  deepStrictEqual((await readUsersFile(path)).names(), ["ttyuser"]);
});
