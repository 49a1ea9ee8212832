/**
 * What `chat server --http` answers (CLI.md, HTTP endpoints): the web chat
 * page at `/`, WebSocket sessions at `/ws`, `/healthz`, `/readyz` and
 * `/metrics`.
 *
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { ServerMetrics } from "../server/metrics.ts";
import { websocketAccept } from "../transport/websocket_codec.ts";
import type { WebSocketListener } from "../transport/websocket_listener.ts";
import { chatMetricFamilies } from "./chat_metrics.ts";
import type { HttpRequest } from "./http_request.ts";
import type { HttpHandler, HttpResponse } from "./http_server.ts";
import { originAllowed } from "./origin.ts";
import { PAGE_ASSETS } from "./page_assets.ts";
import { exposition, PROMETHEUS_CONTENT_TYPE } from "./prometheus.ts";

const log = getLogger(["chat", "http"]);

/** What the endpoints read of the chat server (a `ChatServer` is one). */
export interface ChatStatus {
  /** Whether it serves: every listener bound, not shutting down, NATS reachable in a cluster. */
  readonly ready: boolean;
  /** Its counters (`undefined` before it started). */
  readonly metrics: ServerMetrics | undefined;
}

/** Settings of {@linkcode webRoutes}. */
export interface WebRoutesOptions {
  /** The chat server behind the endpoints. */
  chat: ChatStatus;
  /** Where `/ws` upgrades go. */
  websockets: WebSocketListener;
  /** Origins allowed besides the page's own (normalized, as `normalizeOrigin` gives them). */
  origins: ReadonlySet<string>;
  /** Whether the server speaks TLS (its own origin is then `https:`). */
  secure: boolean;
}

/**
 * The page is served with a policy that lets it run only its own script
 * and style, talk only to its own origin (`/ws`), and be framed by nobody.
 */
const PAGE_HEADERS: Record<string, string> = {
  "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; " +
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; " +
    "frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-cache",
};

const KEY = /^[A-Za-z0-9+/]{22}==$/;

function text(status: number, body: string, headers?: Record<string, string>): HttpResponse {
  return { status, body, headers: { "Cache-Control": "no-store", ...headers } };
}

/** The handler of every path the web server answers. */
export function webRoutes(options: WebRoutesOptions): HttpHandler {
  const { chat, websockets, origins, secure } = options;
  const scheme = secure ? "https:" : "http:";

  const upgrade = (request: HttpRequest): HttpResponse => {
    const { headers } = request;
    const tokens = (name: string) =>
      (headers.get(name) ?? "").toLowerCase().split(",").map((token) => token.trim());
    if (!tokens("upgrade").includes("websocket") || !tokens("connection").includes("upgrade")) {
      return text(426, "/ws takes WebSocket upgrades\n", { Upgrade: "websocket" });
    }
    if (headers.get("sec-websocket-version") !== "13") {
      return text(426, "WebSocket version 13 only\n", { "Sec-WebSocket-Version": "13" });
    }
    const key = headers.get("sec-websocket-key") ?? "";
    if (!KEY.test(key)) return text(400, "a Sec-WebSocket-Key of 16 bytes is needed\n");
    const origin = headers.get("origin");
    if (
      (request.counts.get("origin") ?? 0) > 1 ||
      !originAllowed(origin, headers.get("host"), scheme, origins)
    ) {
      log.debug("refused a WebSocket from origin {origin}", { origin });
      return text(403, "this origin may not open a chat session\n");
    }
    if (!websockets.accepting) return text(503, "the server is shutting down\n");
    return {
      status: 101,
      headers: {
        Upgrade: "websocket",
        Connection: "Upgrade",
        "Sec-WebSocket-Accept": websocketAccept(key),
      },
      upgrade: (socket, head) => websockets.offer(socket, head),
    };
  };

  return (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return text(405, "GET or HEAD only\n", { Allow: "GET, HEAD" });
    }
    const asset = PAGE_ASSETS.get(request.path);
    if (asset) {
      return {
        status: 200,
        body: asset.body,
        headers: { ...PAGE_HEADERS, "Content-Type": asset.type },
      };
    }
    switch (request.path) {
      case "/ws":
        return upgrade(request);
      case "/healthz":
        return text(200, "ok\n");
      case "/readyz":
        return chat.ready ? text(200, "ready\n") : text(503, "not ready\n");
      case "/metrics":
        return text(200, exposition(chatMetricFamilies(chat.metrics ?? new ServerMetrics())), {
          "Content-Type": PROMETHEUS_CONTENT_TYPE,
        });
    }
    return text(404, "not found\n");
  };
}
