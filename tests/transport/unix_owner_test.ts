/**
 * Who owns a Unix socket file and who this process is, read without
 * `--allow-sys`.
 *
 * @module
 */

import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { describeUser, processUid, socketFile, userId } from "../../src/transport/unix_owner.ts";

Deno.test("userId and describeUser: numbers as they are, names from /etc/passwd", () => {
  assertEquals(userId("1234"), 1234);
  assertEquals(userId("root"), Deno.build.os === "windows" ? undefined : 0);
  assertEquals(userId("no-such-user-here"), undefined);
  assertEquals(describeUser(0), Deno.build.os === "windows" ? "uid 0" : "root (uid 0)");
  assertEquals(describeUser(4_000_000_000), "uid 4000000000");
});

Deno.test({
  name: "processUid and socketFile: a socket this process binds is its own",
  ignore: Deno.build.os === "windows",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "chat-owner-" });
    try {
      using _listener = Deno.listen({ transport: "unix", path: `${dir}/s.sock` });
      const file = await socketFile(`${dir}/s.sock`);
      assertEquals(file.uid, processUid());
      assertEquals(file, await socketFile(`${dir}/s.sock`));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
