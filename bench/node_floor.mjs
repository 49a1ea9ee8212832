/**
 * The floor of the benchmark over TCP and Unix sockets: a naive relay and
 * echo written for Node's `net`, the strongest plain runtime floor. It
 * writes the whole lines of each chunk it reads with one `socket.write`
 * (echo: back to its sender; relay: to every other socket), keeping a line
 * cut by the chunk's end for the next. No protocol, no validation.
 *
 *   node bench/node_floor.mjs echo|relay tcp|unix [PATH]
 *
 * It prints `listening on tcp://127.0.0.1:PORT` or `listening on unix://PATH`
 * on stderr once it accepts connections.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import net from "node:net";
import process from "node:process";

const [mode, transport, path] = process.argv.slice(2);
if ((mode !== "echo" && mode !== "relay") || (transport !== "tcp" && transport !== "unix")) {
  process.stderr.write("usage: node_floor.mjs echo|relay tcp|unix [PATH]\n");
  process.exit(2);
}

const sockets = new Set();

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  sockets.add(socket);
  /** The start of a line not yet ended, carried to the next chunk. */
  let pending;
  socket.on("data", (chunk) => {
    const data = pending ? Buffer.concat([pending, chunk]) : chunk;
    const end = data.lastIndexOf(10) + 1;
    pending = end < data.length ? Buffer.from(data.subarray(end)) : undefined;
    if (end === 0) return;
    const lines = data.subarray(0, end);
    if (mode === "echo") {
      socket.write(lines);
    } else {
      for (const other of sockets) if (other !== socket) other.write(lines);
    }
  });
  socket.on("error", () => {});
  socket.on("close", () => sockets.delete(socket));
});

server.listen(transport === "unix" ? { path } : { host: "127.0.0.1", port: 0 }, () => {
  const address = server.address();
  process.stderr.write(
    transport === "unix"
      ? `listening on unix://${path}\n`
      : `listening on tcp://127.0.0.1:${address.port}\n`,
  );
});
process.on("SIGTERM", () => process.exit(0));
