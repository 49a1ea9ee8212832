/**
 * The identity check of a handshake (PROTOCOL.md section 11): what
 * `session_init` announces, and the fate of a `session_ack`'s `auth`: an
 * identity, a guest, or `unauthorized`, through the guessing throttle, with
 * the fields of the refusal's log line.
 *
 * @module
 */

import { type Clock, systemClock } from "../../async/clock.ts";
import { isGuestName, isValidName, normalizeName } from "../../protocol/names.ts";
import { claimedAccount } from "./credentials.ts";
import {
  type Authenticator,
  type Identity,
  LOGIN_REQUIRED,
  type LoginMethod,
  LoginRefused,
} from "./identity.ts";
import { authenticatorFailure, refusalLog } from "./refusal_log.ts";
import { LoginThrottle } from "./throttle.ts";

/** What `session_init` carries when the server knows identities. */
export interface LoginAnnouncement {
  /** The kinds of login accepted. */
  login: LoginMethod[];
  /** Whether a session without a login is let in as a guest. */
  guests: boolean;
}

/** Options of {@linkcode LoginGate}. */
export interface LoginGateOptions {
  /** Checks the logins (`standardAuthenticator`, or one of your own). */
  authenticator: Authenticator;
  /** `--allow-guests`: a `session_ack` without `auth` is a guest instead of `unauthorized`. */
  allowGuests?: boolean;
  /** The clock of the guessing throttle (default: the wall clock). */
  clock?: Clock;
  /** The guessing throttle (default: one with PROTOCOL.md's limits on `clock`). */
  throttle?: LoginThrottle;
}

/** An identity whose names keep section 2's rules, as the gate hands it on; throws when they break them. */
function checked(identity: Identity): Identity {
  if (!isValidName(identity.account) || isGuestName(identity.account)) {
    throw new LoginRefused("the authenticator gave an account name that breaks the name rules");
  }
  const rooms = identity.rooms;
  if (rooms !== undefined && !(Array.isArray(rooms) && rooms.every(isValidName))) {
    throw new LoginRefused("the authenticator gave rooms that are not room names");
  }
  return {
    ...identity,
    verified: true,
    account: normalizeName(identity.account),
    ...(rooms === undefined ? {} : { rooms: rooms.map((room) => normalizeName(room)) }),
  };
}

/**
 * Decides the login of each handshake.
 *
 * @example
 * ```ts
 * import { deepStrictEqual, rejects, strictEqual } from "node:assert/strict";
 * import { LoginGate } from "./gate.ts";
 * import type { Authenticator } from "./identity.ts";
 * import { LoginRefused } from "./identity.ts";
 * const one: Authenticator = {
 *   methods: ["password"],
 *   authenticate: ({ auth }) =>
 *     (auth as { password?: string }).password === "open sesame"
 *       ? Promise.resolve({ account: "ali", verified: true, method: "password" })
 *       : Promise.reject(new LoginRefused("wrong password")),
 * };
 * const gate = new LoginGate({ authenticator: one, allowGuests: true });
 * deepStrictEqual(gate.announcement, { login: ["password"], guests: true });
 * strictEqual(await gate.admit(undefined, "unix"), undefined); // a guest
 * const identity = await gate.admit({ user: "ali", password: "open sesame" }, "unix");
 * strictEqual(identity?.account, "ali");
 * await rejects(gate.admit({ user: "ali", password: "x" }, "unix"), {
 *   code: "unauthorized",
 *   log: { peer: "unix", user: "ali", reason: "wrong password", throttled: false },
 * });
 * ```
 */
export class LoginGate {
  /** `session_init`'s `login` and `guests`. */
  readonly announcement: LoginAnnouncement;
  readonly #authenticator: Authenticator;
  readonly #allowGuests: boolean;
  readonly #throttle: LoginThrottle;

  /** A gate of `options.authenticator`. */
  constructor(options: LoginGateOptions) {
    this.#authenticator = options.authenticator;
    this.#allowGuests = options.allowGuests ?? false;
    this.#throttle = options.throttle ?? new LoginThrottle(options.clock ?? systemClock);
    this.announcement = {
      login: [...options.authenticator.methods],
      guests: this.#allowGuests,
    };
  }

  /**
   * The identity that `auth` (a `session_ack`'s, `undefined` when it has
   * none) proves for a session from `peer`; `undefined` for a guest.
   * Rejects with a {@linkcode LoginRefused} (`unauthorized`) that carries
   * its log line's fields in `log`.
   */
  async admit(auth: unknown, peer: string): Promise<Identity | undefined> {
    if (auth === undefined) {
      if (this.#allowGuests) return undefined;
      throw new LoginRefused("no login, and guests are not let in", {
        message: LOGIN_REQUIRED,
        log: refusalLog(peer, auth, "no login, and guests are not let in"),
      });
    }
    const attempt = this.#throttle.begin(peer, claimedAccount(auth));
    if (attempt === undefined) {
      const reason = "too many refused logins from this address";
      throw new LoginRefused(reason, { log: refusalLog(peer, auth, reason, true) });
    }
    try {
      const identity = checked(await this.#authenticator.authenticate({ auth, peer }));
      attempt.accepted();
      return identity;
    } catch (error) {
      attempt.refused();
      const log = refusalLog(
        peer,
        auth,
        error instanceof LoginRefused ? error.reason : authenticatorFailure(auth, error),
      );
      throw new LoginRefused(log.reason, { log });
    }
  }

  /** Whether a session of `identity` may still go on as it (its account unchanged). */
  admits(identity: Identity): boolean {
    return this.#authenticator.admits?.(identity) ?? true;
  }
}
