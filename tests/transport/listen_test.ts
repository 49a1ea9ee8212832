/**
 * `listen()`: TCP URLs, the Unix socket file (stale, live, not a socket),
 * its mode, and its removal on close.
 */

import {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
  rejects as assertRejects,
} from "node:assert/strict";
import { tcpUrl } from "../../src/transport/address.ts";
import { listen } from "../../src/transport/listen.ts";
import { type Listener, TransportError } from "../../src/transport/types.ts";
import { tempDir } from "../helpers/spawn.ts";

/** A listener closed by `await using`. */
async function listening(options: Parameters<typeof listen>[0]) {
  const listener = await listen(options);
  return Object.assign(listener, {
    [Symbol.asyncDispose]: () => listener.close(),
  }) as Listener & AsyncDisposable;
}

/** Accepts one connection from `connect()` and checks bytes flow both ways. */
async function roundTrip(listener: Listener, connect: () => Promise<Deno.Conn>): Promise<void> {
  const [server, client] = await Promise.all([listener.accept(), connect()]);
  assert(server !== null);
  try {
    await client.write(new TextEncoder().encode("ping"));
    const buffer = new Uint8Array(4);
    let got = 0;
    while (got < 4) {
      const n = await server.read(buffer.subarray(got));
      assert(n !== null, "the connection ended early");
      got += n;
    }
    assertEquals(new TextDecoder().decode(buffer), "ping");
  } finally {
    server.close();
    client.close();
  }
}

/** A dead socket file at `path`, as a crashed server leaves it (closing a Deno listener removes its file). */
async function makeStaleSocket(path: string): Promise<void> {
  const spare = `${path}.spare`;
  const listener = Deno.listen({ transport: "unix", path });
  await Deno.link(path, spare);
  listener.close();
  await Deno.rename(spare, path);
  assert((await Deno.lstat(path)).isSocket);
  await assertRejects(
    () => Deno.connect({ transport: "unix", path }),
    Deno.errors.ConnectionRefused,
  );
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

Deno.test("tcpUrl brackets IPv6 hosts", () => {
  assertEquals(tcpUrl("127.0.0.1", 9999), "tcp://127.0.0.1:9999");
  assertEquals(tcpUrl("localhost", 1), "tcp://localhost:1");
  assertEquals(tcpUrl("::1", 8080), "tcp://[::1]:8080");
});

Deno.test("listen tcp on port 0: the URL carries the real port, and connections arrive", async () => {
  await using listener = await listening({ transport: "tcp", hostname: "127.0.0.1", port: 0 });
  assertEquals(listener.transport, "tcp");
  const [, port] = listener.url.match(/^tcp:\/\/127\.0\.0\.1:(\d+)$/) ?? [];
  assert(Number(port) > 0, listener.url);
  await roundTrip(listener, () => Deno.connect({ hostname: "127.0.0.1", port: Number(port) }));
});

Deno.test("listen tcp on localhost prints the bound address, not the name", async () => {
  await using listener = await listening({ transport: "tcp", hostname: "localhost", port: 0 });
  assertMatch(listener.url, /^tcp:\/\/(127\.0\.0\.1|\[::1\]):\d+$/);
});

Deno.test("listen tcp on a port in use: a TransportError saying 'address in use'", async () => {
  using holder = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = holder.addr.port;
  await assertRejects(
    () => listen({ transport: "tcp", hostname: "127.0.0.1", port }),
    (error: unknown) => {
      assert(error instanceof TransportError);
      assertEquals(error.message, `cannot listen on tcp://127.0.0.1:${port}: address in use`);
      return true;
    },
  );
});

Deno.test("accept resolves null once the listener is closed", async () => {
  const listener = await listen({ transport: "tcp", hostname: "127.0.0.1", port: 0 });
  const pending = listener.accept();
  await listener.close();
  assertEquals(await pending, null);
  assertEquals(await listener.accept(), null);
  await listener.close(); // twice is fine
});

Deno.test("listen unix: URL, a socket file with mode 600, removed on close", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/chat.sock`;
  const listener = await listen({ transport: "unix", path });
  try {
    assertEquals([listener.transport, listener.url], ["unix", `unix://${path}`]);
    const info = await Deno.lstat(path);
    assert(info.isSocket);
    assertEquals((info.mode! & 0o777).toString(8), "600");
    // Only the socket is left: the private staging directory is gone.
    assertEquals((await Array.fromAsync(Deno.readDir(dir.path))).map((e) => e.name), [
      "chat.sock",
    ]);
    await roundTrip(listener, () => Deno.connect({ transport: "unix", path }));
  } finally {
    await listener.close();
  }
  assert(!(await exists(path)), "the socket file is removed on close");
});

Deno.test("listen unix with a mode: the file has those bits", async () => {
  await using dir = await tempDir();
  for (const mode of [0o660, 0o666, 0o700]) {
    const path = `${dir.path}/m${mode.toString(8)}.sock`;
    await using _listener = await listening({ transport: "unix", path, mode });
    assertEquals(((await Deno.lstat(path)).mode! & 0o777).toString(8), mode.toString(8));
  }
});

Deno.test("listen unix over a stale socket: removes it and binds", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/chat.sock`;
  await makeStaleSocket(path);
  await using listener = await listening({ transport: "unix", path });
  assertEquals(((await Deno.lstat(path)).mode! & 0o777).toString(8), "600");
  await roundTrip(listener, () => Deno.connect({ transport: "unix", path }));
});

Deno.test("listen unix over a live socket: 'address in use', the live one untouched", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/chat.sock`;
  await using live = await listening({ transport: "unix", path });
  const accepting = live.accept(); // answers the probe
  await assertRejects(
    () => listen({ transport: "unix", path }),
    (error: unknown) => {
      assert(error instanceof TransportError);
      assertEquals(error.message, `cannot listen on unix://${path}: address in use`);
      return true;
    },
  );
  (await accepting)?.close();
  assert((await Deno.lstat(path)).isSocket);
  await roundTrip(live, () => Deno.connect({ transport: "unix", path }));
  assertEquals((await Array.fromAsync(Deno.readDir(dir.path))).length, 1, "no staging dir left");
});

Deno.test("listen unix over a regular file or a directory: refuses, names it, keeps it", async () => {
  await using dir = await tempDir();
  const file = `${dir.path}/file`;
  await Deno.writeTextFile(file, "data");
  const folder = `${dir.path}/folder`;
  await Deno.mkdir(folder);
  for (const [path, what] of [[file, "a regular file"], [folder, "a directory"]]) {
    await assertRejects(
      () => listen({ transport: "unix", path }),
      (error: unknown) => {
        assert(error instanceof TransportError);
        assert(error.message.includes(`${path} is ${what}`), error.message);
        return true;
      },
    );
  }
  assertEquals(await Deno.readTextFile(file), "data");
  assert((await Deno.lstat(folder)).isDirectory);
  assertEquals((await Array.fromAsync(Deno.readDir(dir.path))).length, 2, "nothing added");
});

Deno.test("listen unix in a missing directory: a TransportError naming the path", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/missing/chat.sock`;
  await assertRejects(
    () => listen({ transport: "unix", path }),
    (error: unknown) => {
      assert(error instanceof TransportError);
      assert(error.message.startsWith(`cannot listen on unix://${path}: `), error.message);
      return true;
    },
  );
});

Deno.test("close leaves a socket file that another listener put in its place", async () => {
  await using dir = await tempDir();
  const path = `${dir.path}/chat.sock`;
  const first = await listen({ transport: "unix", path });
  await Deno.remove(path);
  await using second = await listening({ transport: "unix", path });
  await first.close();
  assert((await Deno.lstat(path)).isSocket, "the second listener's file is still there");
  await roundTrip(second, () => Deno.connect({ transport: "unix", path }));
});

Deno.test("listen unix on a long path whose staging path would not fit a socket address", async () => {
  await using dir = await tempDir();
  const limit = Deno.build.os === "linux" ? 107 : 103; // longest socket path, in bytes
  for (const length of [limit - 12, limit]) {
    const parent = `${dir.path}/${"d".repeat(length - dir.path.length - "//s.sock".length)}`;
    const path = `${parent}/s.sock`;
    await Deno.mkdir(parent);
    assertEquals(path.length, length);
    const listener = await listen({ transport: "unix", path, mode: 0o660 });
    try {
      assertEquals(((await Deno.lstat(path)).mode! & 0o777).toString(8), "660");
      await roundTrip(listener, () => Deno.connect({ transport: "unix", path }));
      assertEquals((await Array.fromAsync(Deno.readDir(parent))).map((e) => e.name), ["s.sock"]);
    } finally {
      await listener.close();
    }
    assert(!(await exists(path)), "removed on close");
    await Deno.remove(parent);
  }
});
