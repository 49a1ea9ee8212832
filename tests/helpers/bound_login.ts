/**
 * A login from a chosen local address, for tests of what a server counts
 * per peer address (the guessing throttle, a storm of logins from many
 * addresses): every address of 127.0.0.0/8 is this machine's, and
 * `node:net` (unlike `Deno.connect`) binds the local end to one of them.
 *
 * @module
 */

import net from "node:net";
import { FrameDecoder } from "../../src/protocol/frame_decoder.ts";
import type { Frame } from "../../src/protocol/messages.ts";

/** The answer to a login's `session_ack`, and how long it took from the `session_ack` written. */
export interface LoginAnswer {
  /** The `ack` or `error` with the `session_ack`'s id (`hs`). */
  answer: Frame;
  /** Milliseconds from the `session_ack` written to its answer read. */
  ms: number;
}

const decoder = new TextDecoder();

/**
 * Connects from `localAddress` to the server at `port` on 127.0.0.1,
 * answers `session_init` with a `session_ack` (id `hs`) carrying `ack`'s
 * fields, waits (at most `ms`) for its answer, then closes.
 */
export function loginFrom(
  localAddress: string,
  port: number,
  ack: Partial<Frame>,
  ms = 60_000,
): Promise<LoginAnswer> {
  const frames = new FrameDecoder(1024 * 1024);
  const done = Promise.withResolvers<LoginAnswer>();
  const socket = net.connect({ host: "127.0.0.1", port, localAddress });
  let sentAt = 0;
  const timer = setTimeout(() => done.reject(new Error(`no answer within ${ms} ms`)), ms);
  socket.on("error", (error) => done.reject(error));
  socket.on("close", () => done.reject(new Error("closed before the answer")));
  socket.on("data", (chunk: Uint8Array) => {
    for (const bytes of frames.push(chunk)) {
      const frame: Frame = JSON.parse(decoder.decode(bytes));
      if (frame.type === "session_init") {
        sentAt = performance.now();
        const reply = {
          type: "session_ack",
          content: "Session acknowledged",
          session_id: frame.session_id,
          id: "hs",
          ...ack,
        };
        socket.write(JSON.stringify(reply) + "\n");
      } else if (frame.id === "hs") {
        done.resolve({ answer: frame, ms: performance.now() - sentAt });
      }
    }
  });
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  return done.promise.finally(async () => {
    clearTimeout(timer);
    socket.destroy();
    await closed; // nothing of the socket is left running
  });
}
