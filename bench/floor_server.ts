/**
 * The naive floor of the benchmark, written with the same runtime: a line
 * echo server, or a relay that writes each line to every other socket, one
 * write per line. No protocol, no validation, no batching. Over `ws`, the
 * runtime's own WebSocket server (`Deno.serve` and `Deno.upgradeWebSocket`)
 * echoes or relays each message as it comes.
 *
 *   deno run --allow-net --allow-read --allow-write bench/floor_server.ts echo|relay tcp|unix|ws [PATH]
 *
 * @module
 */

import { writeAll } from "../src/io/write_all.ts";

const [mode, transport, path] = Deno.args;
if ((mode !== "echo" && mode !== "relay") || !["tcp", "unix", "ws"].includes(transport)) {
  console.error("usage: floor_server.ts echo|relay tcp|unix|ws [PATH]");
  Deno.exit(2);
}

if (transport === "ws") {
  const sockets = new Set<WebSocket>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.onopen = () => sockets.add(socket);
    socket.onclose = () => sockets.delete(socket);
    socket.onmessage = (event) => {
      if (mode === "echo") return socket.send(event.data);
      for (const other of sockets) if (other !== socket) other.send(event.data);
    };
    return response;
  });
  console.error(`listening on http://127.0.0.1:${server.addr.port}`);
  Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
  await server.finished;
}

const listener = transport === "unix"
  ? Deno.listen({ transport: "unix", path: path! })
  : Deno.listen({ transport: "tcp", hostname: "127.0.0.1", port: 0 });
const conns = new Set<Deno.Conn>();

async function serve(conn: Deno.Conn): Promise<void> {
  conns.add(conn);
  const buffer = new Uint8Array(64 * 1024);
  let pending = new Uint8Array(0);
  try {
    for (;;) {
      const n = await conn.read(buffer);
      if (n === null) break;
      let data = buffer.subarray(0, n);
      if (pending.length > 0) {
        const joined = new Uint8Array(pending.length + n);
        joined.set(pending);
        joined.set(data, pending.length);
        data = joined;
      }
      let start = 0;
      for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, start)) {
        const line = data.slice(start, i + 1);
        start = i + 1;
        if (mode === "echo") {
          await writeAll(conn, line);
        } else {
          for (const other of conns) if (other !== conn) writeAll(other, line).catch(() => {});
        }
      }
      pending = data.slice(start);
    }
  } catch {
    // Reset by the peer.
  } finally {
    conns.delete(conn);
    conn.close();
  }
}

const addr = listener.addr as Deno.NetAddr | Deno.UnixAddr;
console.error(
  addr.transport === "unix"
    ? `listening on unix://${(addr as Deno.UnixAddr).path}`
    : `listening on tcp://${(addr as Deno.NetAddr).hostname}:${(addr as Deno.NetAddr).port}`,
);
Deno.addSignalListener("SIGTERM", () => {
  listener.close();
  for (const conn of conns) conn.close();
  if (transport === "unix") Deno.removeSync(path!);
  Deno.exit(0);
});
for await (const conn of listener) {
  if (transport === "tcp") (conn as Deno.TcpConn).setNoDelay(true);
  serve(conn);
}
