/**
 * The client's protocol core, driven byte by byte with no socket and no
 * timer: every handshake path, request/answer matching, the version 0 mode,
 * frames split at every byte, and the ways a connection ends.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok as assert, throws } from "node:assert/strict";
import { PROTOCOL_DEFAULTS } from "../../src/protocol/defaults.ts";
import { ChatError } from "../../src/protocol/errors.ts";
import type { Frame } from "../../src/protocol/messages.ts";
import {
  ClientCore,
  type ClientCoreOptions,
  ClientState,
  confirmedName,
  HANDSHAKE_ID,
} from "../../src/client/client_core.ts";
import { ConnectionClosedError } from "../../src/client/close_info.ts";
import { oversize, TooLongError } from "../../src/client/frame_limit.ts";

const encoder = new TextEncoder();
const SID = "0b6c3d9e-8f4a-4c1e-9d2b-7a5e6f8c1d3b";
const INIT: Frame = {
  type: "session_init",
  content: "Session established",
  session_id: SID,
  protocol: 1,
  heartbeat: { interval: 2, timeout: 4, retries: 5 },
  max_frame: 1048576,
};
const HS_ACK: Frame = {
  type: "ack",
  content: "Session acknowledged",
  name: "ada",
  id: HANDSHAKE_ID,
  session_id: SID,
};

/** An event of the core, or of a request's answer, as the tests compare them. */
type Event = unknown[];

/** A ClientCore whose events (and answers) are recorded in order. */
class Driver {
  readonly core: ClientCore;
  #events: Event[] = [];

  /** Creates the core; `onReady` runs when it reports the handshake complete. */
  constructor(options: ClientCoreOptions = {}, onReady?: (driver: Driver) => void) {
    this.core = new ClientCore(options, {
      write: (frame) => this.#events.push(["write", structuredClone(frame)]),
      frame: (frame) => this.#events.push(["frame", frame]),
      ready: () => {
        this.#events.push(["ready"]);
        onReady?.(this);
      },
      failed: (error) => this.#events.push(["failed", describe(error)]),
      closed: (info) => this.#events.push(["closed", info]),
    });
  }

  /** Feeds server text in one chunk; returns the frames it completed. */
  feed(...frames: (Frame | string)[]): number {
    return this.core.receive(encoder.encode(frames.map(wire).join("")));
  }

  /** Sends a request whose answer is recorded as `["resolved", label, frame]` or `["rejected", ...]`. */
  request(label: string, frame: Frame): void {
    this.core.request(frame, {
      resolve: (reply) => this.#events.push(["resolved", label, reply]),
      reject: (error) => this.#events.push(["rejected", label, describe(error)]),
    });
  }

  /** The events since the last call. */
  take(): Event[] {
    return this.#events.splice(0);
  }
}

/** A frame as a server writes it (a string is written as it is). */
function wire(frame: Frame | string): string {
  return typeof frame === "string" ? frame : JSON.stringify(frame) + "\n";
}

/** What a test compares of an error: its kind and what it carries. */
function describe(error: Error): unknown[] {
  if (error instanceof ChatError) return ["ChatError", error.code, error.message, error.frameId];
  if (error instanceof ConnectionClosedError) return ["ConnectionClosedError", error.info];
  return [error.name, error.message];
}

/** A driver past a version 1 handshake as `name` (its events taken). */
function ready(options: ClientCoreOptions = { name: "ada" }): Driver {
  const driver = new Driver(options);
  driver.feed(INIT, { ...HS_ACK, name: options.name ?? "guest-0b6c3d9e" });
  assertEquals(driver.core.state, ClientState.Ready);
  driver.take();
  return driver;
}

/** The events of a handshake refused with an error frame: the failure, then the end. */
function refused(code: string, message: string, id?: string | number): Event[] {
  return [
    ["failed", ["ChatError", code, message, id]],
    ["closed", { reason: `the session was refused: ${message}`, code, byServer: false }],
  ];
}

function error(code: string, content: string, id?: string | number): Frame {
  const frame: Frame = { type: "error", code, content, session_id: SID };
  if (id !== undefined) frame.id = id;
  return frame;
}

Deno.test("handshake: session_init fed byte by byte is answered only at its last byte", () => {
  const driver = new Driver({ name: "ada", token: "sesame" });
  const bytes = encoder.encode(wire(INIT));
  for (let i = 0; i < bytes.length - 1; i++) {
    assertEquals(driver.core.receive(bytes.subarray(i, i + 1)), i === bytes.length - 2 ? 1 : 0);
    if (i < bytes.length - 2) {
      assertEquals(driver.core.state, ClientState.AwaitingInit, `after byte ${i}`);
      assertEquals(driver.take(), [], `after byte ${i}`);
    }
  }
  assertEquals(driver.core.state, ClientState.AwaitingAck);
  assertEquals(driver.take(), [["write", {
    type: "session_ack",
    content: "Session acknowledged",
    name: "ada",
    token: "sesame",
    id: HANDSHAKE_ID,
    session_id: SID,
  }]]);
  assertEquals([driver.core.sessionId, driver.core.protocol], [SID, 1]);
  assertEquals(driver.core.heartbeat, { interval: 2, timeout: 4, retries: 5 });
  assert(driver.core.handshaking);
});

Deno.test("handshake: the ack completes it with the name the server confirmed", () => {
  const driver = new Driver({ name: "Ada" });
  driver.feed(INIT);
  driver.take();
  assertEquals(driver.feed({ ...HS_ACK, name: "ada" }), 1);
  assertEquals(driver.take(), [["ready"]]);
  assertEquals(driver.core.state, ClientState.Ready);
  assertEquals(driver.core.name, "ada");
  assertEquals(driver.core.nameError, undefined);
  assertEquals(driver.core.handshaking, false);
  assertEquals(driver.core.inFlight, 0);
});

Deno.test("handshake: no name asked, no token, an ack without a name and a bad heartbeat", () => {
  const driver = new Driver();
  driver.feed({ ...INIT, heartbeat: { interval: 0, timeout: 4, retries: 5 } }, {
    ...HS_ACK,
    name: undefined,
  });
  assertEquals(driver.take(), [
    ["write", {
      type: "session_ack",
      content: "Session acknowledged",
      id: HANDSHAKE_ID,
      session_id: SID,
    }],
    ["ready"],
  ]);
  assertEquals(driver.core.name, "");
  assertEquals(driver.core.heartbeat, PROTOCOL_DEFAULTS.heartbeat);
});

for (const code of ["name_taken", "invalid_name", "not_permitted"]) {
  Deno.test(`handshake: ${code} on the ack's id sets nameError and the handshake completes`, () => {
    const driver = new Driver({ name: "ada" });
    driver.feed(INIT);
    driver.take();
    // The error is the session_ack's one answer: the session is open, under its guest name.
    driver.feed(error(code, "not that name", HANDSHAKE_ID));
    assertEquals(driver.take(), [["ready"]]);
    assertEquals(driver.core.state, ClientState.Ready);
    assertEquals(driver.core.name, `guest-${SID.slice(0, 8)}`);
    // An ack after it (a server of before the 1.1 additions sent both) changes nothing.
    driver.feed({ ...HS_ACK, name: `guest-${SID.slice(0, 8)}` });
    assertEquals(driver.take(), []);
    assertEquals(driver.core.name, `guest-${SID.slice(0, 8)}`);
    assert(driver.core.nameError instanceof ChatError);
    assertEquals([driver.core.nameError.code, driver.core.nameError.message], [
      code,
      "not that name",
    ]);
  });
}

for (const code of ["unauthorized", "bad_session"]) {
  for (const id of [HANDSHAKE_ID, undefined]) {
    Deno.test(`handshake: ${code} ${id ? "with" : "without"} the ack's id refuses it and ends the connection`, () => {
      const driver = new Driver({ token: "wrong" });
      driver.feed(INIT);
      driver.take();
      driver.feed(error(code, "go away", id), { type: "message", content: "never seen" });
      assertEquals(driver.take(), refused(code, "go away", id));
      assertEquals(driver.core.state, ClientState.Closed);
      // What follows is not read, and the end stays the refusal's.
      assertEquals(driver.feed(HS_ACK), 0);
      assertEquals(driver.core.close({ reason: "eof", byServer: true }).code, code);
      assertEquals(driver.take(), []);
    });
  }
}

Deno.test("handshake: an error that does not close, without the ack's id, is a frame; the handshake goes on", () => {
  const driver = new Driver();
  driver.feed(INIT);
  driver.take();
  const odd = error("invalid_message", "hm");
  driver.feed(odd, { type: "heartbeat", content: "pong", session_id: SID });
  assertEquals(driver.take(), [["frame", odd]]);
  assertEquals(driver.core.state, ClientState.AwaitingAck);
  driver.feed(HS_ACK);
  assertEquals(driver.take(), [["ready"]]);
});

Deno.test("handshake: another type on the ack's id is a frame; the handshake goes on", () => {
  const driver = new Driver();
  driver.feed(INIT);
  driver.take();
  const odd: Frame = { type: "who", content: [], id: HANDSHAKE_ID, session_id: SID };
  driver.feed(odd);
  assertEquals(driver.take(), [["frame", odd]]);
  assertEquals(driver.core.state, ClientState.AwaitingAck);
});

Deno.test("handshake: another error on the ack's id refuses it", () => {
  const driver = new Driver();
  driver.feed(INIT);
  driver.take();
  driver.feed(error("invalid_message", "bad ack", HANDSHAKE_ID));
  assertEquals(driver.take(), refused("invalid_message", "bad ack", HANDSHAKE_ID));
});

Deno.test("handshake: a login goes as the session_ack's auth; the server's login kinds are read", () => {
  const password = new Driver({ name: "ignored", login: { user: "ada", password: "pw 1" } });
  password.feed({ ...INIT, login: ["password", "jwt", 7], guests: false });
  assertEquals(password.take(), [["write", {
    type: "session_ack",
    content: "Session acknowledged",
    name: "ignored",
    auth: { user: "ada", password: "pw 1" },
    id: HANDSHAKE_ID,
    session_id: SID,
  }]]);
  assertEquals(password.core.loginMethods, ["password", "jwt"]);
  password.feed(error("unauthorized", "invalid credentials", HANDSHAKE_ID));
  assertEquals(password.take(), refused("unauthorized", "invalid credentials", HANDSHAKE_ID));

  const token = new Driver({ login: { jwt: "a.b.c" } });
  token.feed(INIT);
  assertEquals((token.take()[0][1] as Frame).auth, { jwt: "a.b.c" });
  assertEquals(token.core.loginMethods, undefined, "a server without identities says nothing");
});

Deno.test("handshake: server_full instead of session_init refuses the session", () => {
  const driver = new Driver({ name: "ada" });
  driver.feed({ type: "error", code: "server_full", content: "too many sessions" });
  assertEquals(driver.take(), refused("server_full", "too many sessions"));
  assertEquals(driver.core.sessionId, "");
});

Deno.test("handshake: an unknown error code or another first frame refuses the session", () => {
  const unknown = new Driver();
  unknown.feed({ type: "error", code: "no_such_code" });
  assertEquals(unknown.take()[0], ["failed", [
    "ChatError",
    "invalid_message",
    "invalid_message",
    undefined,
  ]]);
  const other = new Driver();
  other.feed({ type: "message", content: "hi" });
  assertEquals(other.take(), [
    ["failed", ["Error", "expected session_init, got message"]],
    ["closed", {
      reason: "the session was refused: expected session_init, got message",
      byServer: false,
    }],
  ]);
});

Deno.test("handshake: the end of the connection before it completes fails it", () => {
  for (const fed of [[], [INIT]]) {
    const driver = new Driver();
    driver.feed(...fed);
    driver.take();
    const info = { reason: "the server closed the connection", byServer: true };
    assertEquals(driver.core.close(info), info);
    assertEquals(driver.take(), [
      ["failed", ["ConnectionClosedError", info]],
      ["closed", info],
    ]);
  }
});

Deno.test("requests: ids count from 1; acks and errors answer theirs, in any order", () => {
  const driver = ready();
  driver.request("a", { type: "message", content: "one" });
  driver.request("b", { type: "message", content: "two", to: "bob" });
  driver.request("c", { type: "who" });
  assertEquals(driver.take(), [
    ["write", { type: "message", content: "one", id: 1, session_id: SID }],
    ["write", { type: "message", content: "two", to: "bob", id: 2, session_id: SID }],
    ["write", { type: "who", id: 3, session_id: SID }],
  ]);
  assertEquals(driver.core.inFlight, 3);
  const who: Frame = { type: "who", content: [], id: 3, session_id: SID };
  const ack: Frame = { type: "ack", content: "delivered", recipients: 2, id: 1, session_id: SID };
  driver.feed(who, error("no_such_recipient", "nobody is called bob", 2), ack);
  assertEquals(driver.take(), [
    ["resolved", "c", who],
    ["rejected", "b", ["ChatError", "no_such_recipient", "nobody is called bob", 2]],
    ["resolved", "a", ack],
  ]);
  assertEquals(driver.core.inFlight, 0);
  assertEquals(driver.core.state, ClientState.Ready);
});

Deno.test("requests: what answers nothing is a frame; a stray ack and a pong are dropped", () => {
  const driver = ready();
  driver.request("a", { type: "message", content: "one" });
  driver.take();
  const relayed: Frame = { type: "message", content: "hi", from: "bob", session_id: SID };
  const sameId: Frame = { type: "message", content: "echo", id: 1, session_id: SID };
  const stray = error("invalid_json", "frame is not valid JSON", 99);
  driver.feed(
    relayed,
    { type: "ack", content: "ok", id: 42, session_id: SID },
    { type: "heartbeat", content: "pong", session_id: SID },
    sameId,
    stray,
  );
  assertEquals(driver.take(), [["frame", relayed], ["frame", sameId], ["frame", stray]]);
  assertEquals(driver.core.inFlight, 1);
});

Deno.test("requests: a frame over the server's max_frame is refused unwritten with a TooLongError", () => {
  const driver = new Driver();
  driver.feed({ ...INIT, max_frame: 200 }, HS_ACK);
  driver.take();
  assertEquals(driver.core.frameLimit, 200);
  // {"type":"message","content":"","id":1,"session_id":"<36>"} is 90 bytes: 110 are left for the text.
  driver.request("fits", { type: "message", content: "x".repeat(110) });
  driver.request("over", { type: "message", content: "é".repeat(56) }); // 112 bytes
  driver.request("after", { type: "message", content: "short" });
  const events = driver.take();
  assertEquals(events.map((e) => e[0] === "write" ? ["write", (e[1] as Frame).id] : e), [
    ["write", 1],
    ["rejected", "over", ["TooLongError", "line too long: 112 bytes, the server takes 110"]],
    ["write", 3],
  ]);
  assertEquals(driver.core.inFlight, 2);
  throws(
    () => driver.core.send({ type: "message", content: "y".repeat(300) }),
    (error) => error instanceof TooLongError && error.bytes === 300,
  );
  assertEquals(driver.take(), []);
  assertEquals(driver.core.state, ClientState.Ready);
});

Deno.test("requests: without max_frame in session_init (an older server) nothing is refused locally", () => {
  const driver = new Driver();
  const { max_frame: _, ...init } = INIT;
  driver.feed(init, HS_ACK);
  driver.take();
  assertEquals(driver.core.frameLimit, undefined);
  driver.request("big", { type: "message", content: "x".repeat(2 * 1024 * 1024) });
  assertEquals(driver.take().map((e) => e[0]), ["write"]);
});

Deno.test("oversize: the line's bytes and the room its frame leaves, escapes counted against it", () => {
  const frame = (content: string): Frame => ({ type: "message", content, id: 7, session_id: SID });
  // 90 bytes without text; a quote takes 2 bytes in JSON, so 100 quotes need 200 of the 110 left.
  const quotes = oversize(frame('"'.repeat(100)), 200)!;
  assertEquals([quotes.bytes, quotes.limit], [100, 10]);
  assertEquals(oversize(frame('"'.repeat(55)), 200), undefined);
  assertEquals(oversize(frame("🎉".repeat(27)), 200), undefined); // 108 bytes
  assertEquals(
    oversize(frame("🎉".repeat(28)), 200)?.message,
    "line too long: 112 bytes, the server takes 110",
  );
  assertEquals(
    oversize({ type: "who", id: 1 }, 5)?.message,
    "line too long: 0 bytes, the server takes 0",
  );
});

Deno.test("requests: a who answer split over frames with more:true answers once, with every entry", () => {
  const driver = ready();
  driver.request("who", { type: "who", room: "lobby" });
  driver.request("msg", { type: "message", content: "meanwhile" });
  driver.take();
  const entry = (name: string) => ({ session_id: name, name, transport: "tcp", rooms: ["lobby"] });
  const part = (names: string[], more: boolean): Frame => ({
    type: "who",
    content: names.map(entry),
    room: "lobby",
    id: 1,
    session_id: SID,
    ...more && { more: true },
  });
  driver.feed(part(["a", "b"], true), part(["c"], true));
  assertEquals(driver.take(), []);
  assertEquals(driver.core.inFlight, 2);
  const ack: Frame = { type: "ack", content: "delivered", id: 2, session_id: SID };
  driver.feed(ack, part(["d"], false));
  assertEquals(driver.take(), [
    ["resolved", "msg", ack],
    ["resolved", "who", part(["a", "b", "c", "d"], false)],
  ]);
  // A server of the first version acked a who after its answer: that ack is dropped.
  driver.feed({ type: "ack", content: "ok", id: 1, session_id: SID });
  assertEquals(driver.take(), []);
  assertEquals(driver.core.inFlight, 0);
});

Deno.test("requests: nick takes the confirmed name, join and leave keep the rooms", () => {
  const driver = ready();
  driver.request("nick", { type: "nick", content: "Bob" });
  driver.request("join", { type: "join", content: "lobby" });
  driver.request("join2", { type: "join", content: "attic" });
  driver.request("refused", { type: "join", content: "bad room" });
  driver.take();
  driver.feed(
    { type: "ack", content: "bob", id: 1, session_id: SID },
    { type: "ack", content: "lobby", id: 2, session_id: SID },
    { type: "ack", content: "attic", id: 3, session_id: SID },
    error("invalid_name", "no spaces", 4),
  );
  assertEquals(driver.core.name, "bob");
  assertEquals([...driver.core.rooms], ["lobby", "attic"]);
  driver.request("leave", { type: "leave", content: "lobby" });
  driver.feed({ type: "ack", content: "lobby", id: 5, session_id: SID });
  assertEquals([...driver.core.rooms], ["attic"]);
  assertEquals(driver.take().map((e) => e.slice(0, 2)), [
    ["resolved", "nick"],
    ["resolved", "join"],
    ["resolved", "join2"],
    ["rejected", "refused"],
    ["write", { type: "leave", content: "lobby", id: 5, session_id: SID }],
    ["resolved", "leave"],
  ]);
});

Deno.test("confirmedName: an ack's content, else the name asked for", () => {
  assertEquals(confirmedName({ type: "ack", content: "ada" }, "Ada"), "ada");
  assertEquals(confirmedName({ type: "ack", content: 5 }, "Ada"), "Ada");
  assertEquals(confirmedName({ type: "message", content: "Server received: x" }, "Ada"), "Ada");
});

Deno.test("heartbeat and goodbye: ping and disconnect once ready, never during the handshake", () => {
  const driver = new Driver();
  driver.core.beat();
  assertEquals(driver.core.disconnect("bye"), false);
  driver.feed(INIT);
  driver.take();
  driver.core.beat();
  assertEquals(driver.core.disconnect("bye"), false);
  assertEquals(driver.take(), []);
  driver.feed(HS_ACK);
  driver.take();
  driver.core.beat();
  assertEquals(driver.core.disconnect("see you"), true);
  assertEquals(driver.take(), [
    ["write", { type: "heartbeat", content: "ping", session_id: SID }],
    ["write", { type: "disconnect", content: "see you", session_id: SID }],
  ]);
});

Deno.test("send: the frame as it is, with the session id; refused once closed", () => {
  const driver = ready();
  driver.core.send({ type: "custom", content: { x: 1 } });
  assertEquals(driver.take(), [["write", {
    type: "custom",
    content: { x: 1 },
    session_id: SID,
  }]]);
  driver.core.close({ reason: "closed", byServer: false });
  throws(() => driver.core.send({ type: "custom" }), ConnectionClosedError);
});

Deno.test("version 0: no protocol in session_init; the ack is written without an id and the session is ready", () => {
  const driver = new Driver({ name: "ada" });
  driver.feed({ type: "session_init", content: "Session established", session_id: SID });
  assertEquals(driver.take(), [
    ["write", {
      type: "session_ack",
      content: "Session acknowledged",
      name: "ada",
      session_id: SID,
    }],
    ["ready"],
  ]);
  assertEquals([driver.core.protocol, driver.core.name, driver.core.state], [
    0,
    "ada",
    ClientState.Ready,
  ]);
  assertEquals(driver.core.heartbeat, PROTOCOL_DEFAULTS.heartbeat);
  // It knows neither heartbeats nor goodbyes.
  driver.core.beat();
  assertEquals(driver.core.disconnect("bye"), false);
  assertEquals(driver.take(), []);
});

Deno.test("version 0: one frame in flight; each reply answers the oldest and lets the next go", () => {
  const driver = new Driver();
  driver.feed({ type: "session_init", content: "Session established", session_id: SID });
  driver.take();
  for (const label of ["a", "b", "c", "d"]) {
    driver.request(label, { type: "message", content: label });
  }
  assertEquals(driver.take(), [["write", { type: "message", content: "a", session_id: SID }]]);
  assertEquals(driver.core.inFlight, 4);
  const reply = (content: string): Frame => ({ type: "message", content, session_id: SID });
  driver.feed(reply("Server received: a"));
  assertEquals(driver.take(), [
    ["frame", reply("Server received: a")],
    ["resolved", "a", reply("Server received: a")],
    ["write", { type: "message", content: "b", session_id: SID }],
  ]);
  // A pong answers without being shown; an error rejects; the last reply leaves nothing to send.
  const pong: Frame = { type: "heartbeat", content: "pong", session_id: SID };
  driver.feed(pong, error("invalid_message", "what?"), reply("Server received: d"));
  assertEquals(driver.take(), [
    ["resolved", "b", pong],
    ["write", { type: "message", content: "c", session_id: SID }],
    ["frame", error("invalid_message", "what?")],
    ["rejected", "c", ["ChatError", "invalid_message", "what?", undefined]],
    ["write", { type: "message", content: "d", session_id: SID }],
    ["frame", reply("Server received: d")],
    ["resolved", "d", reply("Server received: d")],
  ]);
  // With nothing in flight, a reply is only a frame.
  driver.feed(reply("unasked"));
  assertEquals(driver.take(), [["frame", reply("unasked")]]);
  assertEquals(driver.core.inFlight, 0);
});

Deno.test("version 0: the end rejects the request in flight and those queued behind it", () => {
  const driver = new Driver();
  driver.feed({ type: "session_init", content: "Session established", session_id: SID });
  driver.request("a", { type: "message", content: "a" });
  driver.request("b", { type: "message", content: "b" });
  driver.take();
  const info = { reason: "the server closed the connection", byServer: true };
  driver.core.close(info);
  assertEquals(driver.take(), [
    ["rejected", "a", ["ConnectionClosedError", info]],
    ["rejected", "b", ["ConnectionClosedError", info]],
    ["closed", info],
  ]);
});

Deno.test("close: a disconnect is a frame, then the end, by the server, with its reason", () => {
  const driver = ready();
  driver.request("a", { type: "message", content: "one" });
  driver.take();
  const bye: Frame = { type: "disconnect", content: "server shutting down", session_id: SID };
  driver.feed(bye, { type: "message", content: "after the end", session_id: SID });
  const info = { reason: "server shutting down", byServer: true };
  assertEquals(driver.take(), [
    ["frame", bye],
    ["rejected", "a", ["ConnectionClosedError", info]],
    ["closed", info],
  ]);
  assertEquals(driver.core.closeInfo, info);
  // Later requests fail at once; a second end changes nothing.
  driver.request("late", { type: "message", content: "late" });
  assertEquals(driver.core.close({ reason: "closed", byServer: false }), info);
  assertEquals(driver.take(), [["rejected", "late", ["ConnectionClosedError", info]]]);
});

Deno.test("close: a disconnect without content says disconnect", () => {
  const driver = ready();
  driver.feed({ type: "disconnect" });
  assertEquals(driver.take().at(-1), ["closed", { reason: "disconnect", byServer: true }]);
});

Deno.test("close: an error that closes becomes the reason when the server then ends the connection", () => {
  const driver = ready();
  const timeout = error("heartbeat_timeout", "no frame for 30 s");
  driver.feed(timeout);
  assertEquals(driver.take(), [["frame", timeout]]);
  assertEquals(driver.core.state, ClientState.Ready);
  assertEquals(driver.core.close({ reason: "the server closed the connection", byServer: true }), {
    reason: "no frame for 30 s",
    code: "heartbeat_timeout",
    byServer: true,
  });
});

Deno.test("close: an error that closes, on a request's id, rejects it and is the reason of the end", () => {
  const driver = ready();
  driver.request("big", { type: "message", content: "x" });
  driver.take();
  driver.feed(error("slow_consumer", "too much unsent", 1));
  assertEquals(driver.take(), [
    ["rejected", "big", ["ChatError", "slow_consumer", "too much unsent", 1]],
  ]);
  assertEquals(driver.core.close({ reason: "reset", byServer: true }).code, "slow_consumer");
});

Deno.test("close: the client's own end keeps its reason even after an error that closes", () => {
  const driver = ready();
  driver.feed(error("slow_consumer", "too much unsent"));
  const own = { reason: "closed", byServer: false };
  assertEquals(driver.core.close(own), own);
});

Deno.test("close: a frame over maxFrame ends the connection; the frames before it count", () => {
  const driver = ready({ name: "ada", maxFrame: 200 });
  const small: Frame = { type: "message", content: "hi", session_id: SID };
  assertEquals(driver.feed(small, `{"type":"message","content":"${"x".repeat(200)}"}\n`), 1);
  assertEquals(driver.take(), [
    ["frame", small],
    ["closed", { reason: "the server sent a frame that is too large", byServer: false }],
  ]);
  assertEquals(driver.feed(small), 0);
});

Deno.test("receive: what is not a frame is skipped and not counted; whitespace and \\r\\n are fine", () => {
  const driver = ready();
  const a: Frame = { type: "message", content: "a", session_id: SID };
  const b: Frame = { type: "message", content: "b", session_id: SID };
  assertEquals(
    driver.feed("not json\n", "[1,2]\n", '{"type":5}\n', "\r\n  \n", JSON.stringify(a), wire(b)),
    2,
  );
  assertEquals(driver.take(), [["frame", a], ["frame", b]]);
});

Deno.test("receiveFrame: a frame from a message transport goes the same way as bytes", () => {
  const driver = new Driver({ name: "ada" });
  driver.core.receiveFrame(INIT);
  driver.core.receiveFrame(HS_ACK);
  const relayed: Frame = { type: "message", content: "hi", from: "bob" };
  driver.core.receiveFrame(relayed);
  assertEquals(driver.take().map((e) => e[0]), ["write", "ready", "frame"]);
  // After the end, nothing is taken.
  driver.core.close({ reason: "closed", byServer: false });
  driver.take();
  driver.core.receiveFrame(relayed);
  assertEquals(driver.take(), []);
});

/** A whole version 1 session as the server writes it, with multi-byte characters to split. */
const SESSION: (Frame | string)[] = [
  INIT,
  error("name_taken", "ada is taken", HANDSHAKE_ID),
  { ...HS_ACK, name: "guest-0b6c3d9e" },
  { type: "message", content: 'héllo 😀 {"}[', from: "bøb", session_id: SID },
  '{"type":"ack","content":"delivered","recipients":1,"id":1}{"type":"who","content":[],"id":2}',
  "\r\n",
  error("no_such_room", "not in #äö", 3),
  { type: "disconnect", content: "server shutting down", session_id: SID },
];

/** The events of {@linkcode SESSION} fed in the given chunks, with four requests sent once ready. */
function play(chunks: Uint8Array[]): Event[] {
  const driver = new Driver({ name: "ada" }, (driver) => {
    driver.request("message", { type: "message", content: "hi" });
    driver.request("who", { type: "who" });
    driver.request("leave", { type: "leave", content: "äö" });
    driver.request("join", { type: "join", content: "lobby" });
  });
  for (const chunk of chunks) driver.core.receive(chunk);
  assertEquals(driver.core.nameError?.code, "name_taken");
  return driver.take();
}

Deno.test("a session split at every byte, or fed byte by byte, gives the same events as in one chunk", () => {
  const bytes = encoder.encode(SESSION.map(wire).join(""));
  const whole = play([bytes]);
  assertEquals(whole.map((e) => e.slice(0, 2)), [
    ["write", {
      type: "session_ack",
      content: "Session acknowledged",
      name: "ada",
      id: "hs",
      session_id: SID,
    }],
    ["ready"],
    ["write", { type: "message", content: "hi", id: 1, session_id: SID }],
    ["write", { type: "who", id: 2, session_id: SID }],
    ["write", { type: "leave", content: "äö", id: 3, session_id: SID }],
    ["write", { type: "join", content: "lobby", id: 4, session_id: SID }],
    ["frame", SESSION[3]],
    ["resolved", "message"],
    ["resolved", "who"],
    ["rejected", "leave"],
    ["frame", SESSION[7]],
    ["rejected", "join"],
    ["closed", { reason: "server shutting down", byServer: true }],
  ]);
  for (let cut = 1; cut < bytes.length; cut++) {
    assertEquals(play([bytes.subarray(0, cut), bytes.subarray(cut)]), whole, `cut at ${cut}`);
  }
  const single = Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
  assertEquals(play(single), whole);
});

Deno.test("resume: a failed one starts the new session's seqs at the chat's newest, a taken-over one keeps the largest", () => {
  const OLD = "5d1c0a8e-2b3f-4e6a-8c9d-0e1f2a3b4c5d";
  const resumedFrame = (sessionId: string, recovered: boolean, seq: number): Frame => ({
    type: "resumed",
    content: { recovered, replayed: 0, seq },
    name: "ada",
    rooms: [],
    resume_token: "next",
    session_id: sessionId,
  });
  // Restarted without its history, the server numbers from 1 again: 42 means nothing there.
  const fresh = new Driver({ name: "ada", resume: { token: "old", seq: 42 } });
  fresh.feed({ ...INIT, resume_token: "t" }, resumedFrame(SID, false, 3), HS_ACK);
  assertEquals([fresh.core.state, fresh.core.lastSeq], [ClientState.Ready, 3]);
  assertEquals(fresh.core.resumePoint?.seq, 3);
  // Its own session back: the largest of what it saw and the newest.
  for (const [newest, expected] of [[50, 50], [10, 42]]) {
    const back = new Driver({ name: "ada", resume: { token: "old", seq: 42 } });
    back.feed({ ...INIT, resume_token: "t" }, resumedFrame(OLD, true, newest), {
      ...HS_ACK,
      session_id: OLD,
    });
    assertEquals([back.core.state, back.core.lastSeq], [ClientState.Ready, expected]);
  }
});
