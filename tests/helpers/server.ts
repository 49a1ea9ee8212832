/**
 * Starts a real server for a test, on TCP port 0 and a temp Unix socket,
 * and with {@linkcode startWebServer} on HTTP (`--http`) too.
 *
 * @module
 */

import { ChatServer } from "../../src/server/server.ts";
import type { ServerOptions } from "../../src/server/options.ts";
import type { ConnectOptions } from "../../src/transport/types.ts";
import { WebServer, type WebServerOptions } from "../../src/web/web_server.ts";
import type { WebSocketTarget } from "./websocket_wire.ts";

/** A running test server and where to reach it. */
export interface TestServer extends AsyncDisposable {
  server: ChatServer;
  tcp: ConnectOptions & { transport: "tcp"; port: number };
  unix: ConnectOptions & { transport: "unix"; path: string };
  dir: string;
}

/** A running test server with its web side. */
export interface TestWebServer extends TestServer {
  /** The web server. */
  web: WebServer;
  /** Its URL: `http://127.0.0.1:PORT` (or `https://`). */
  http: string;
  /** Its WebSocket sessions, as a raw peer reaches them (no `Origin`). */
  ws: WebSocketTarget;
}

/** Server options of a test server (where it listens is the helper's). */
export type TestServerOptions = Omit<ServerOptions, "listen" | "listeners">;

/** Starts a server on both transports; `await using` stops it and removes its temp dir. */
export async function startServer(options: TestServerOptions = {}): Promise<TestServer> {
  return await start(options, undefined);
}

/**
 * Starts a server on TCP, a Unix socket and HTTP at 127.0.0.1 port 0
 * (`web`: TLS, origins); `await using` stops the chat server, then the web
 * server, and removes the temp dir.
 */
export async function startWebServer(
  options: TestServerOptions = {},
  web: Omit<WebServerOptions, "hostname" | "port"> = {},
): Promise<TestWebServer> {
  const bound = await WebServer.bind({ ...web, hostname: "127.0.0.1", port: 0 });
  const started = await start(options, bound);
  bound.serve(started.server);
  return {
    ...started,
    web: bound,
    http: bound.url,
    ws: { transport: "ws", url: `${bound.url.replace(/^http/, "ws")}/ws` },
  };
}

async function start(options: TestServerOptions, web: WebServer | undefined): Promise<TestServer> {
  const dir = await Deno.makeTempDir({ prefix: "chat-test-" });
  const path = `${dir}/chat.sock`;
  const server = new ChatServer({
    ...options,
    listen: [{ transport: "tcp", hostname: "127.0.0.1", port: 0 }, { transport: "unix", path }],
    listeners: web ? [web.websockets] : undefined,
  });
  try {
    await server.start();
  } catch (error) {
    await web?.close();
    await Deno.remove(dir, { recursive: true });
    throw error;
  }
  const port = Number(new URL(server.addresses[0].replace("tcp:", "http:")).port);
  return {
    server,
    tcp: { transport: "tcp", hostname: "127.0.0.1", port },
    unix: { transport: "unix", path },
    dir,
    async [Symbol.asyncDispose]() {
      await server.stop();
      await web?.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}
