/**
 * `chat`: a framework for asynchronous chat over TCP and Unix domain
 * sockets and WebSocket. This module is the library: the server and its
 * pluggable message handlers, its web side (a chat page, WebSocket
 * sessions, health and metrics), the client base class, the framing codec
 * and the protocol's message types and error codes.
 *
 * @example A server with a custom handler, and a client talking to it
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { ChatClient, ChatServer, type MessageHandler } from "./mod.ts";
 *
 * const shout: MessageHandler = {
 *   name: "shout",
 *   types: ["message"],
 *   handle(frame, ctx) {
 *     ctx.send({ type: "message", content: String(frame.content).toUpperCase() });
 *   },
 * };
 * const server = new ChatServer({
 *   handler: shout,
 *   listen: [{ transport: "tcp", hostname: "127.0.0.1", port: 0 }],
 * });
 * const [url] = await server.start(); // tcp://127.0.0.1:PORT, a free port
 * const port = Number(new URL(url).port);
 * const client = new ChatClient({ to: { transport: "tcp", hostname: "127.0.0.1", port } });
 * await client.connect();
 * await client.message("hello");
 * for await (const frame of client) {
 *   if (frame.type !== "message") continue;
 *   strictEqual(frame.content, "HELLO");
 *   break;
 * }
 * await client.close();
 * await server.stop();
 * ```
 *
 * @module
 */

export { ChatServer } from "./src/server/server.ts";
export type { CloseReason, ServerOptions } from "./src/server/options.ts";
export type {
  Audience,
  Directory,
  HandlerContext,
  MessageHandler,
  MessageReceipt,
  OutgoingMessage,
  SessionInfo,
} from "./src/server/handler.ts";
export type {
  Awaitable,
  HistoryPage,
  HistoryRequest,
  StoredMessage,
} from "./src/server/history/mod.ts";
export { BUILTIN_HANDLERS, chatHandler, echoHandler } from "./src/server/handlers/mod.ts";
export { type PerTransport, ServerMetrics } from "./src/server/metrics.ts";
export {
  type AccountSource,
  type Authenticator,
  composeAuthenticators,
  type Credentials,
  type Identity,
  type JwtAlgorithm,
  jwtAuthenticator,
  type JwtAuthenticatorOptions,
  type JwtKey,
  JwtKeyError,
  LOGIN_REFUSED,
  LOGIN_REQUIRED,
  type LoginMethod,
  LoginRefused,
  type LoginRefusedOptions,
  type LoginRequest,
  parseJwtKey,
  passwordAuthenticator,
  type PasswordAuthenticatorOptions,
  readCredentials,
  type RefusalLog,
  standardAuthenticator,
  type StandardIdentityOptions,
  type UsersWatchOptions,
  WatchedUsers,
} from "./src/server/identity/mod.ts";
export { type Account, type AccountChanges, Accounts } from "./src/server/identity/accounts.ts";
export {
  hashPassword,
  type PasswordHash,
  type ScryptParams,
} from "./src/server/identity/scrypt_hash.ts";
export { WebServer, type WebServerOptions } from "./src/web/web_server.ts";
export type { ChatStatus } from "./src/web/routes.ts";
export { type Clock, ManualClock, systemClock } from "./src/async/clock.ts";

export {
  ChatClient,
  type ClientOptions,
  type CloseInfo,
  ConnectionClosedError,
  type HistoryAnswer,
  type HistoryOptions,
  type MessageOptions,
  type ResumeOutcome,
  type ResumePoint,
} from "./src/client/client.ts";
export { formatFrame } from "./src/client/format.ts";
export { formatIncoming, formatWho } from "./src/client/screen_format.ts";

export { FrameDecoder } from "./src/protocol/frame_decoder.ts";
export {
  ACCOUNT_CHANGED,
  ACCOUNT_REMOVED,
  isLoginEnding,
  LOGGED_IN_ELSEWHERE,
  type Login,
  LOGIN_ENDINGS,
  type LoginEnding,
  type PasswordLogin,
  type TokenLogin,
} from "./src/protocol/login.ts";
export { PROTOCOL_DEFAULTS } from "./src/protocol/defaults.ts";
export { encodeFrame, encodeSessionId, SplicedFrame } from "./src/protocol/encode.ts";
export {
  type ClientMessage,
  type ErrorFrame,
  type Frame,
  type FrameId,
  guestName,
  type HeartbeatSettings,
  isValidName,
  parseFrame,
  parseServerFrame,
  PROTOCOL_VERSION,
  type RelayedMessage,
  type SessionAck,
  type SessionInit,
  type WhoEntry,
} from "./src/protocol/messages.ts";
export {
  ChatError,
  type ChatErrorOptions,
  closesConnection,
  ERROR_CODES,
  type ErrorCode,
  isErrorCode,
} from "./src/protocol/errors.ts";

export { listen } from "./src/transport/listen.ts";
export { connect } from "./src/transport/connect.ts";
export {
  type Connection,
  type ConnectOptions,
  type Framer,
  type Incoming,
  type Listener,
  type ListenOptions,
  type PeerAddress,
  type TlsClientOptions,
  type TlsServerOptions,
  TransportError,
  type TransportKind,
} from "./src/transport/types.ts";
