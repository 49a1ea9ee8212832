/**
 * The login of each handshake as a server runs it (PROTOCOL.md section 11):
 * what `session_init` announces, and the {@linkcode LoginGate}'s decision
 * on a `session_ack`'s `auth` (an account, a guest, or `unauthorized` with
 * the fields of its log line: the peer address and the user name tried,
 * never a password or a token). A server without an authenticator knows no
 * identities: nothing is announced, and names are chosen freely.
 *
 * @module
 */

import type { Clock } from "../async/clock.ts";
import { type LoginAnnouncement, LoginGate } from "./identity/gate.ts";
import { type Identity, resumable } from "./identity/identity.ts";
import type { ServerOptions } from "./options.ts";

/** The logins of one server. */
export class Logins {
  readonly #gate: LoginGate | undefined;
  readonly #clock: Clock;

  /** The logins of `options.authenticator` (none: no identities), throttled on `clock`. */
  constructor(options: Pick<ServerOptions, "authenticator" | "allowGuests">, clock: Clock) {
    const { authenticator, allowGuests } = options;
    this.#gate = authenticator && new LoginGate({ authenticator, allowGuests, clock });
    this.#clock = clock;
  }

  /** Whether the server knows identities (it has an authenticator). */
  get known(): boolean {
    return this.#gate !== undefined;
  }

  /** What `session_init` adds: `login` and `guests`, or nothing where identities are unknown. */
  get announcement(): Partial<LoginAnnouncement> {
    return this.#gate?.announcement ?? {};
  }

  /**
   * The identity that `auth` proves for a session from `peer`, or
   * `undefined` for a guest; rejects with a {@linkcode LoginRefused}
   * (`unauthorized`) that carries its log line's fields in `log`. Only where
   * identities are known.
   */
  admit(auth: unknown, peer: string): Promise<Identity | undefined> {
    return this.#gate!.admit(auth, peer);
  }

  /** Whether a session without a login is let in, as a guest (`--allow-guests`). */
  get guests(): boolean {
    return this.#gate?.announcement.guests ?? false;
  }

  /** Whether a session of `identity` may still go on as it (its account unchanged). */
  admits(identity: Identity): boolean {
    return this.#gate?.admits(identity) ?? false;
  }

  /**
   * Whether a session of `identity` may be resumed now (PROTOCOL.md section
   * 11): on a server that knows identities, while its account is unchanged
   * and its login token's `exp` (plus the leeway) has not passed.
   */
  resumes(identity: Identity): boolean {
    return this.admits(identity) && resumable(identity, this.#clock.now());
  }
}
