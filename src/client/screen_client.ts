/**
 * The interactive mode's client: it shows on a {@linkcode Screen} what it
 * receives, as it arrives.
 *
 * @module
 */

import { closesConnection, isErrorCode } from "../protocol/errors.ts";
import type { Frame } from "../protocol/messages.ts";
import { ChatClient, type ClientOptions } from "./client.ts";
import type { Screen } from "./screen.ts";
import { formatIncoming } from "./screen_format.ts";

/** A client that shows every frame it is not waiting for on a screen, as it arrives. */
export class ScreenClient extends ChatClient {
  readonly #screen: Screen;

  /** Creates a client that writes on `screen`. */
  constructor(options: ClientOptions, screen: Screen) {
    super(options);
    this.#screen = screen;
  }

  /** Shows a received message or error; not the end of the connection, which the session tells. */
  protected override onFrame(frame: Frame): void {
    // The end of a connection is told once, by the session: not its disconnect or error frame.
    if (frame.type === "disconnect") return;
    if (frame.type === "error" && isErrorCode(frame.code) && closesConnection(frame.code)) return;
    const text = formatIncoming(frame);
    if (text === null) return;
    if (frame.type === "error") this.#screen.info(text);
    else this.#screen.message(text);
  }
}
