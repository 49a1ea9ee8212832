/**
 * Where Tab's candidates come from in the interactive client: the commands,
 * and the names and rooms of the sessions connected now, as a `who` (at
 * most {@linkcode WHO_FRESH_MS} old, or asked anew when nothing it lists
 * fits) lists them.
 *
 * @module
 */

import type { WhoEntry } from "../protocol/messages.ts";
import type { ChatClient } from "./client.ts";
import { COMMAND_NAMES } from "./commands.ts";
import { complete, type Completed, type CompletionKind, completionTarget } from "./completion.ts";

/** How long a `who` answer serves completions before the next Tab asks again, in milliseconds. */
export const WHO_FRESH_MS = 2000;

/** What the completer needs of the session. */
export interface CompletionSource {
  /** The connected client, if any (while the server is away, the last answer serves). */
  readonly current: ChatClient | undefined;
  /** The rooms the user joined. */
  readonly remembered: { readonly rooms: ReadonlySet<string> };
}

/** Completes a line from the session's commands, names and rooms. */
export class Completer {
  readonly #source: CompletionSource;
  readonly #now: () => number;
  #entries: WhoEntry[] = [];
  #fetched = -Infinity;
  #asking?: Promise<void>;

  /** Creates a completer for `source`; `now` is the clock of {@linkcode WHO_FRESH_MS}. */
  constructor(source: CompletionSource, now: () => number = () => performance.now()) {
    this.#source = source;
    this.#now = now;
  }

  /**
   * The line once Tab completed the word before `cursor` (unchanged when
   * nothing fits). A name or room that the last answer does not know is
   * asked for again at once: someone may have just arrived.
   */
  async complete(text: string, cursor: number): Promise<Completed> {
    const target = completionTarget(text, cursor);
    if (!target) return { text, cursor };
    const asked = this.#fetched;
    let done = complete(text, cursor, target, await this.#candidates(target.kind, false));
    const none = done.text === text && !done.choices;
    if (none && target.kind !== "command" && this.#fetched === asked) {
      done = complete(text, cursor, target, await this.#candidates(target.kind, true));
    }
    return done;
  }

  async #candidates(kind: CompletionKind, anew: boolean): Promise<string[]> {
    if (kind === "command") return [...COMMAND_NAMES];
    await this.#refresh(anew);
    if (kind === "room") {
      return [...this.#entries.flatMap((e) => e.rooms), ...this.#source.remembered.rooms];
    }
    const self = this.#source.current?.sessionId;
    return this.#entries.filter((e) => e.session_id !== self).map((e) => e.name);
  }

  /** Asks the server who is there, unless a recent answer serves (one question at a time). */
  async #refresh(anew: boolean): Promise<void> {
    const client = this.#source.current;
    if (!client || (!anew && this.#now() - this.#fetched < WHO_FRESH_MS)) return;
    this.#asking ??= client.who().then(
      (entries) => {
        this.#entries = entries;
        this.#fetched = this.#now();
      },
      () => {}, // Not now (the connection was lost): the last answer serves.
    ).finally(() => this.#asking = undefined);
    await this.#asking;
  }
}
