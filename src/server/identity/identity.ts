/**
 * Who a session is (PROTOCOL.md section 11): the {@linkcode Identity} a
 * login proves, the {@linkcode Authenticator} interface that checks a
 * `session_ack`'s `auth`, and {@linkcode LoginRefused}, the one answer to
 * every failed login.
 *
 * An authenticator is one narrow, pluggable part: the users file
 * (`password`), login tokens (`jwt`), or one of your own (say, a directory
 * server that checks passwords), composed with `composeAuthenticators`
 * (`compose.ts`).
 *
 * @module
 */

import { ChatError } from "../../protocol/errors.ts";

/** The kinds of login of PROTOCOL.md section 11, as `session_init`'s `login` lists them. */
export type LoginMethod = "password" | "jwt";

/** Every login method, in the order `session_init` lists them. */
export const LOGIN_METHODS: readonly LoginMethod[] = ["password", "jwt"];

/** What a successful login proves. */
export interface Identity {
  /** The account's name, NFKC-normalized as section 2 stores names (`Alice` logs in to `alice`). */
  readonly account: string;
  /** Always `true`: the session logged in to `account`. */
  readonly verified: true;
  /**
   * The only rooms the session may join or ask `who` about (a token's
   * `rooms` claim, names normalized); absent: any room.
   */
  readonly rooms?: readonly string[];
  /** The kind of login that proved it. */
  readonly method: LoginMethod;
  /**
   * Milliseconds since the epoch after which the credentials no longer let
   * the session be resumed (a token's `exp` plus the clock leeway); absent:
   * no end.
   */
  readonly validUntil?: number;
  /**
   * An opaque mark of the account's credentials that changes whenever they
   * do (a password set anew, the account removed and added again); absent
   * where nothing can change them.
   */
  readonly revision?: string;
}

/** One login to decide: the `session_ack`'s `auth` and where it came from. */
export interface LoginRequest {
  /** The `auth` value of the `session_ack`, unchecked (any JSON value). */
  readonly auth: unknown;
  /** The peer address as the logs write it: `tcp://IP:PORT`, `ws://IP:PORT` or `unix`. */
  readonly peer: string;
}

/**
 * Checks logins. `authenticate` resolves to the identity that the request's
 * `auth` proves, or rejects with a {@linkcode LoginRefused}, whose reason
 * is logged as it is and so must never quote the password or token (any
 * other rejection is taken as one, its message kept for the log only,
 * left out when it quotes the secret).
 */
export interface Authenticator {
  /** The kinds of login it checks, for `session_init`'s `login`. */
  readonly methods: readonly LoginMethod[];
  /** The identity `request.auth` proves; rejects with {@linkcode LoginRefused}. */
  authenticate(request: LoginRequest): Promise<Identity>;
  /**
   * Whether a session that logged in as `identity` may still go on as it:
   * for a session kept across a restart (`--store`) or resumed. Absent:
   * always.
   */
  admits?(identity: Identity): boolean;
}

/** The `content` of the `unauthorized` error of every refused login: it never says which check failed. */
export const LOGIN_REFUSED = "invalid credentials";

/** The `content` of the `unauthorized` error for a `session_ack` without `auth` where guests are refused. */
export const LOGIN_REQUIRED = "login required";

/** The fields of a refused login's log line: never a password or a token. */
export interface RefusalLog {
  /** The peer address, as the logs write it. */
  readonly peer: string;
  /** The account the login named, if that is a valid name (a token's `sub` as it reads), else `-`. */
  readonly user: string;
  /** Why it was refused. */
  readonly reason: string;
  /** Whether the guessing throttle refused it, without a check. */
  readonly throttled: boolean;
}

/** Options of {@linkcode LoginRefused}. */
export interface LoginRefusedOptions {
  /** What the client reads (default {@linkcode LOGIN_REFUSED}). */
  message?: string;
  /** The fields of its log line, once known. */
  log?: RefusalLog;
}

/**
 * A refused login: `unauthorized` with a message that says nothing of why
 * ({@linkcode LOGIN_REFUSED}), and the real reason in {@linkcode LoginRefused.reason}
 * for the server's log alone. Neither ever holds a password or a token.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { LoginRefused } from "./identity.ts";
 * const refused = new LoginRefused("wrong password");
 * strictEqual(refused.code, "unauthorized");
 * strictEqual(refused.message, "invalid credentials"); // what the client reads
 * strictEqual(refused.reason, "wrong password"); // what the log says
 * ```
 */
export class LoginRefused extends ChatError {
  /** Why, for the log only. */
  readonly reason: string;
  /** The fields of the log line (set by the gate that refused it). */
  readonly log?: RefusalLog;

  /** A refusal for `reason`. */
  constructor(reason: string, options: LoginRefusedOptions = {}) {
    super("unauthorized", options.message ?? LOGIN_REFUSED);
    this.name = "LoginRefused";
    this.reason = reason;
    this.log = options.log;
  }
}

/**
 * Whether a session of `identity` may still be resumed at `now` (ms since
 * the epoch): not once its token's `exp`, plus the leeway, has passed.
 */
export function resumable(identity: Identity, now: number): boolean {
  return identity.validUntil === undefined || now <= identity.validUntil;
}
