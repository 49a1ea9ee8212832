/**
 * Starts a real server for a test, on TCP port 0 and a temp Unix socket.
 *
 * @module
 */

import { ChatServer } from "../../src/server/server.ts";
import type { ServerOptions } from "../../src/server/options.ts";
import type { ConnectOptions } from "../../src/transport/types.ts";

/** A running test server and where to reach it. */
export interface TestServer extends AsyncDisposable {
  server: ChatServer;
  tcp: ConnectOptions & { transport: "tcp"; port: number };
  unix: ConnectOptions & { transport: "unix"; path: string };
  dir: string;
}

/** Starts a server on both transports; `await using` stops it and removes its temp dir. */
export async function startServer(
  options: Omit<ServerOptions, "listen"> = {},
): Promise<TestServer> {
  const dir = await Deno.makeTempDir({ prefix: "chat-test-" });
  const path = `${dir}/chat.sock`;
  const server = new ChatServer({
    ...options,
    listen: [{ transport: "tcp", hostname: "127.0.0.1", port: 0 }, { transport: "unix", path }],
  });
  const [tcpUrl] = await server.start();
  const port = Number(new URL(tcpUrl.replace("tcp:", "http:")).port);
  return {
    server,
    tcp: { transport: "tcp", hostname: "127.0.0.1", port },
    unix: { transport: "unix", path },
    dir,
    async [Symbol.asyncDispose]() {
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}
