/**
 * The interactive client's reconnection policy and its restore step (no
 * server: a stand-in client takes the joins).
 *
 * @module
 */

import { deepStrictEqual as assertEquals, rejects as assertRejects } from "node:assert/strict";
import { type ChatClient, ConnectionClosedError } from "../../src/client/client.ts";
import {
  describeClose,
  describeFailure,
  givesUp,
  lostLine,
  RECONNECT_FIRST_MS,
  RECONNECT_MAX_MS,
  reconnectDelay,
  type Remembered,
  restore,
  retryLine,
} from "../../src/client/reconnect.ts";
import { ChatError } from "../../src/protocol/errors.ts";

/** A stand-in for a new connection: the rooms it refuses, and the rooms it was asked to join. */
function fakeClient(
  refuse: Record<string, ChatError | Error> = {},
  nameError?: ChatError,
): Pick<ChatClient, "url" | "name" | "nameError" | "join"> & { joined: string[] } {
  const joined: string[] = [];
  return {
    url: "tcp://127.0.0.1:9999",
    name: "alice",
    nameError,
    joined,
    join(room: string): Promise<void> {
      joined.push(room);
      return room in refuse ? Promise.reject(refuse[room]) : Promise.resolve();
    },
  };
}

function remember(name: string | undefined, ...rooms: string[]): Remembered {
  return { name, rooms: new Set(rooms) };
}

Deno.test("reconnectDelay: 0.5 s, doubling after each failed try, at most 8 s", () => {
  assertEquals(
    [1, 2, 3, 4, 5, 6, 7, 100].map(reconnectDelay),
    [500, 1000, 2000, 4000, 8000, 8000, 8000, 8000],
  );
  assertEquals(reconnectDelay(1), RECONNECT_FIRST_MS);
  assertEquals(reconnectDelay(5000), RECONNECT_MAX_MS);
});

Deno.test("givesUp: only on handshake refusals that retrying cannot cure", () => {
  assertEquals(givesUp(new ChatError("unauthorized", "bad token")), true);
  assertEquals(givesUp(new ChatError("bad_session", "no")), true);
  assertEquals(givesUp(new ChatError("server_full", "full")), false);
  assertEquals(givesUp(new ChatError("name_taken", "taken")), false);
  assertEquals(givesUp(new ConnectionClosedError({ reason: "reset", byServer: true })), false);
  assertEquals(givesUp(new Error("connection refused")), false);
});

Deno.test("describeClose: the reason, with its code unless the reason already says it", () => {
  assertEquals(
    describeClose({ reason: "server shutting down", byServer: true }),
    "server shutting down",
  );
  assertEquals(
    describeClose({ reason: "too slow", code: "heartbeat_timeout", byServer: true }),
    "too slow (heartbeat_timeout)",
  );
  assertEquals(
    describeClose({
      reason: "heartbeat_timeout: too slow",
      code: "heartbeat_timeout",
      byServer: true,
    }),
    "heartbeat_timeout: too slow",
  );
});

Deno.test("describeFailure: a close, a refusal with its code, or the error's message", () => {
  const closed = new ConnectionClosedError({ reason: "bye", code: "server_full", byServer: true });
  assertEquals(describeFailure(closed), "bye (server_full)");
  assertEquals(describeFailure(new ChatError("server_full", "too many")), "server_full: too many");
  assertEquals(describeFailure(new Error("connection refused")), "connection refused");
});

Deno.test("lostLine and retryLine tell the reason, the wait and the try", () => {
  assertEquals(
    lostLine("server shutting down"),
    "connection lost: server shutting down; reconnecting in 0.5 s (try 1)",
  );
  assertEquals(
    retryLine("connection refused", 2),
    "retrying in 1 s (try 2): connection refused",
  );
  assertEquals(retryLine("x", 9), "retrying in 8 s (try 9): x");
});

Deno.test("restore rejoins the remembered rooms, in order, and says so", async () => {
  const client = fakeClient();
  const remembered = remember("alice", "lobby", "kitchen");
  assertEquals(
    await restore(client, remembered),
    "reconnected to tcp://127.0.0.1:9999 as alice, rejoined #lobby #kitchen",
  );
  assertEquals(client.joined, ["lobby", "kitchen"]);
  assertEquals([...remembered.rooms], ["lobby", "kitchen"]);
});

Deno.test("restore with no rooms only says where it is connected", async () => {
  assertEquals(
    await restore(fakeClient(), remember(undefined)),
    "reconnected to tcp://127.0.0.1:9999 as alice",
  );
});

Deno.test("restore forgets a room the server refuses, and tells why", async () => {
  const client = fakeClient({ kitchen: new ChatError("no_such_room", "gone") });
  const remembered = remember("alice", "lobby", "kitchen", "attic");
  assertEquals(
    await restore(client, remembered),
    "reconnected to tcp://127.0.0.1:9999 as alice, rejoined #lobby #attic; " +
      "could not rejoin #kitchen (no_such_room: gone)",
  );
  assertEquals([...remembered.rooms], ["lobby", "attic"]);
});

Deno.test("restore tells when the remembered name could not be taken back", async () => {
  const client = fakeClient({}, new ChatError("name_taken", "someone has it"));
  assertEquals(
    await restore(client, remember("ada", "lobby")),
    "reconnected to tcp://127.0.0.1:9999 as alice, rejoined #lobby; " +
      "could not take back the name ada (name_taken: someone has it)",
  );
  // With no name asked for, the server's choice is no news.
  assertEquals(
    await restore(client, remember(undefined)),
    "reconnected to tcp://127.0.0.1:9999 as alice",
  );
});

Deno.test("restore passes on a failure that is not a refusal (the connection was lost)", async () => {
  const lost = new ConnectionClosedError({ reason: "reset", byServer: true });
  const remembered = remember("alice", "lobby", "kitchen");
  await assertRejects(restore(fakeClient({ lobby: lost }), remembered), lost);
  assertEquals([...remembered.rooms], ["lobby", "kitchen"]);
});
