/**
 * The floor of the benchmark over WebSocket: the runtime's own WebSocket
 * server (`Deno.serve` and `Deno.upgradeWebSocket`) echoing or relaying
 * each message as it comes. No protocol, no validation, no batching. (Over
 * TCP and Unix sockets the floor is Node's `net`: `node_floor.mjs`.)
 *
 *   deno run --allow-net bench/floor_server.ts echo|relay
 *
 * It prints `listening on http://127.0.0.1:PORT` on stderr; `/ws` (any
 * path) takes the upgrades.
 *
 * @module
 */

const [mode] = Deno.args;
if (mode !== "echo" && mode !== "relay") {
  console.error("usage: floor_server.ts echo|relay");
  Deno.exit(2);
}

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
