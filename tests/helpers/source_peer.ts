/**
 * A bare TCP peer that connects from a chosen source address (such as
 * 127.0.0.2: all of 127/8 is loopback on Linux), which `Deno.connect`
 * cannot choose: `node:net` with `localAddress`. Enough to hold a handshake
 * slot and read the server's first frame.
 *
 * @module
 */

import net from "node:net";
import type { Frame } from "../../src/protocol/messages.ts";
import { WAIT_MS } from "./raw_client.ts";
import { Wakeup } from "./wakeup.ts";

/** A socket from a chosen source address, with the lines the server wrote. */
export class SourcePeer {
  /** The frames read so far. */
  readonly frames: Frame[] = [];
  /** Whether the server closed (or reset) the connection. */
  ended = false;
  readonly #socket: net.Socket;
  readonly #wakeup = new Wakeup();
  #partial = "";

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.setEncoding("utf8");
    socket.on("data", (text: string) => {
      const lines = (this.#partial + text).split("\n");
      this.#partial = lines.pop()!;
      for (const line of lines) if (line.trim() !== "") this.frames.push(JSON.parse(line));
      this.#wakeup.wake();
    });
    const end = () => {
      this.ended = true;
      this.#wakeup.wake();
    };
    socket.on("end", end);
    socket.on("close", end);
    socket.on("error", end);
  }

  /** Connects to 127.0.0.1:`port` from `localAddress`. */
  static connect(port: number, localAddress: string): Promise<SourcePeer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: "127.0.0.1", port, localAddress });
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new SourcePeer(socket));
      });
    });
  }

  /** The first frame the server wrote (`session_init`, or the `error` of a refusal). */
  first(ms = WAIT_MS): Promise<Frame> {
    return this.#wakeup.until(
      () => this.frames[0] ?? (this.ended ? null : undefined),
      ms,
      () => `no frame within ${ms} ms`,
    ).then((frame) => {
      if (frame === null) throw new Error("the connection ended before any frame");
      return frame;
    });
  }

  /** The first frame read that `match` accepts (waiting for it). */
  frame(match: (frame: Frame) => boolean, ms = WAIT_MS): Promise<Frame> {
    return this.#wakeup.until(
      () => this.frames.find(match),
      ms,
      () => `no such frame within ${ms} ms: ${JSON.stringify(this.frames).slice(0, 300)}`,
    );
  }

  /** Resolves once the server has closed the connection. */
  closed(ms = WAIT_MS): Promise<void> {
    return this.#wakeup.until(() => this.ended || undefined, ms, () => "the connection stayed open")
      .then(() => {});
  }

  /** Writes a line. */
  send(frame: Frame): void {
    this.#socket.write(JSON.stringify(frame) + "\n");
  }

  /** Closes the socket and waits until it is closed. */
  close(): Promise<void> {
    if (this.#socket.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.#socket.once("close", () => resolve());
      this.#socket.destroy();
    });
  }
}
