/**
 * The interactive session as the user sees it: one connection at a time,
 * replaced by a new one (same name, same rooms) when the server is lost,
 * what arrives shown on the screen, and a clean goodbye on the way out.
 *
 * @module
 */

import { settleWithin } from "../async/deadline.ts";
import type { ChatClient, ClientOptions, ResumePoint } from "./client.ts";
import type { CloseInfo } from "./close_info.ts";
import { failureLine } from "./file_mode.ts";
import { loginEnding, loginRefusedLine } from "./login_outcome.ts";
import {
  describeClose,
  describeFailure,
  givesUp,
  lostLine,
  reconnectDelay,
  type Remembered,
  restore,
  resumedLine,
  retryLine,
} from "./reconnect.ts";
import type { Screen } from "./screen.ts";
import { ScreenClient } from "./screen_client.ts";

/** Settings of a {@linkcode ReconnectingSession}. */
export interface ReconnectingSessionOptions {
  /** The client's settings. */
  client: ClientOptions;
  /** Reconnect with backoff when the server is lost (else exit 1). */
  reconnect: boolean;
  /** Where to write. */
  screen: Screen;
}

/** One connection at a time, kept up until the user leaves; `done` gives the exit status. */
export class ReconnectingSession {
  /** Where the session writes. */
  readonly screen: Screen;
  /** The name and the rooms to restore after a reconnection. */
  readonly remembered: Remembered = { rooms: new Set() };
  readonly #options: ReconnectingSessionOptions;
  /** The current connection (closed while reconnecting). */
  #client?: ChatClient;
  /** Resolves with a connected client; replaced while there is none. */
  #ready = Promise.withResolvers<ChatClient>();
  /** Resolves once the session is ending, to stop waits. */
  readonly #stop = Promise.withResolvers<undefined>();
  #stopping = false;
  readonly #done = Promise.withResolvers<number>();
  /** Typed lines not yet handed to a connection. */
  #unsent = 0;
  /** While the server is away: what the status line says of it. */
  #away?: string;

  /** Creates the session; {@linkcode ReconnectingSession.connect} connects it. */
  constructor(options: ReconnectingSessionOptions) {
    this.#options = options;
    this.screen = options.screen;
  }

  /** Resolves to the exit status. */
  get done(): Promise<number> {
    return this.#done.promise;
  }

  /** Whether the session is ending. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** Whether the current connection is open. */
  get connected(): boolean {
    return this.#client?.connected ?? false;
  }

  /** The current connection while it is open. */
  get current(): ChatClient | undefined {
    return this.#client?.connected ? this.#client : undefined;
  }

  /** The first connection: a failure is a one-line reason and the exit status 1. */
  async connect(): Promise<void> {
    const client = this.#newClient(this.#options.client.name);
    try {
      await client.connect();
    } catch (error) {
      if (this.#stopping) return;
      this.screen.fatal(failureLine(client, error));
      return this.#finish(1);
    }
    if (this.#stopping) return await client.disconnect(); // Ctrl+C while connecting.
    if (client.nameError) {
      const e = client.nameError;
      this.screen.info(`error (${e.code}): ${e.message}; you are ${client.name}`);
    } else if (this.#options.client.name !== undefined) {
      this.remembered.name = client.name || this.#options.client.name;
    }
    if (this.screen.tty) {
      this.screen.info(`connected to ${client.url} as ${client.name}; /help lists the commands`);
    }
    this.#adopt(client);
  }

  /** A connected client, waiting through a reconnection; undefined once leaving. */
  async live(): Promise<ChatClient | undefined> {
    for (;;) {
      const client = await Promise.race([this.#ready.promise, this.#stop.promise]);
      if (client === undefined || this.#stopping) return undefined;
      if (client.connected) return client;
      // #lost (which runs first) has replaced #ready: wait for the next one.
      await Promise.race([client.closed, this.#stop.promise]);
    }
  }

  /** A typed line waits for a connection (the status line counts it while the server is away). */
  typed(): void {
    this.#unsent++;
    this.#showStatus();
  }

  /** A typed line no longer waits: a connection took it, or it was not for the server. */
  handed(): void {
    this.#unsent--;
    this.#showStatus();
  }

  /**
   * Leaves: says `disconnect` to the server (when connected); the exit
   * status is 0. Typed lines that no connection took are counted in a
   * warning: they are lost.
   */
  async quit(): Promise<void> {
    if (this.#stopping) return;
    if (this.#unsent > 0) {
      const n = this.#unsent;
      const why = this.connected ? "" : ": the server was away";
      this.screen.info(`${n} typed line${n === 1 ? " was" : "s were"} not sent${why}`);
    }
    this.#stopping = true;
    this.#stop.resolve(undefined);
    const client = this.#client;
    try {
      if (client?.connected) await client.disconnect();
      else await client?.close();
    } finally {
      this.#done.resolve(0);
    }
  }

  /** Ends with a status at once (the connection is already gone). */
  #finish(code: number): void {
    this.#stopping = true;
    this.#stop.resolve(undefined);
    this.#done.resolve(code);
  }

  #newClient(name: string | undefined, resume?: ResumePoint): ChatClient {
    const options: ClientOptions = { ...this.#options.client, resume };
    if (name === undefined) delete options.name;
    else options.name = name;
    return new ScreenClient(options, this.screen);
  }

  /** Makes `client` the current connection, and watches for its end. */
  #adopt(client: ChatClient): void {
    this.#client = client;
    this.#ready.resolve(client);
    client.closed.then((info) => this.#lost(client, info));
  }

  #lost(client: ChatClient, info: CloseInfo): void {
    if (this.#stopping || client !== this.#client) return;
    this.#ready = Promise.withResolvers<ChatClient>();
    // An account's session ended for good (logged in elsewhere, removed, changed): no reconnecting.
    const ending = loginEnding(info);
    if (ending !== undefined) {
      this.screen.fatal(loginRefusedLine(ending));
      this.#finish(1);
      return;
    }
    const reason = describeClose(info);
    if (!this.#options.reconnect) {
      this.screen.fatal(`chat: lost the server at ${client.url}: ${reason}`);
      this.#finish(1);
      return;
    }
    this.#reconnect(reason, client).catch((error) => {
      this.screen.fatal(`chat: ${(error as Error).message}`);
      this.#finish(1);
    });
  }

  /** Shows (or, with the server back, removes) the status line: the outage and the lines waiting. */
  #showStatus(): void {
    if (this.#away === undefined) return this.screen.status(undefined);
    const n = this.#unsent;
    // First, as the line may be cut to the terminal's width.
    const waiting = n > 0 ? `${n} typed line${n === 1 ? "" : "s"} waiting; ` : "";
    this.screen.status(waiting + this.#away);
  }

  #setAway(text: string | undefined): void {
    this.#away = text;
    this.#showStatus();
  }

  /**
   * Tries again and again, waiting longer each time, until connected or
   * leaving; resumes the session of `lost` where the server keeps history
   * (what was missed is shown first), else restores the name and rooms.
   */
  async #reconnect(reason: string, lost: ChatClient): Promise<void> {
    let attempt = 1;
    this.#setAway(lostLine(reason));
    const resume = lost.resumePoint;
    for (;;) {
      if (!await this.#sleep(reconnectDelay(attempt))) return;
      const client = this.#newClient(this.remembered.name, resume);
      let failure: string;
      try {
        await client.connect();
        if (this.#stopping) return await client.disconnect();
        const restored = client.resumed?.resumed
          ? resumedLine(client)
          : await restore(client, this.remembered);
        if (this.#stopping) return await client.disconnect();
        if (client.connected) {
          this.#setAway(undefined);
          this.screen.info(restored);
          this.#adopt(client);
          return;
        }
        failure = describeClose(await client.closed);
      } catch (error) {
        await client.close();
        if (this.#stopping) return;
        if (givesUp(error)) {
          this.screen.fatal(failureLine(client, error));
          this.#finish(1);
          return;
        }
        failure = describeFailure(error);
      }
      attempt++;
      this.#setAway(retryLine(failure, attempt));
    }
  }

  /** Waits `ms`; false when the session ends first. */
  async #sleep(ms: number): Promise<boolean> {
    await settleWithin(this.#stop.promise, ms);
    return !this.#stopping;
  }
}
