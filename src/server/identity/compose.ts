/**
 * One authenticator made of several: each login goes to the first part that
 * checks its kind (`password` or `jwt`); a kind that no part checks is
 * refused. {@linkcode standardAuthenticator} is the one `--users` and
 * `--jwt-key` make.
 *
 * @module
 */

import type { Clock } from "../../async/clock.ts";
import { loginMethod } from "./credentials.ts";
import {
  type Authenticator,
  type Identity,
  LOGIN_METHODS,
  type LoginMethod,
  LoginRefused,
  type LoginRequest,
} from "./identity.ts";
import { jwtAuthenticator } from "./jwt_authenticator.ts";
import type { JwtKey } from "./jwt_key.ts";
import { type AccountSource, passwordAuthenticator } from "./password_authenticator.ts";

/**
 * An authenticator that hands each login to the first of `parts` whose
 * `methods` include the login's kind, and asks the same part whether an
 * identity it made is still admitted.
 */
export function composeAuthenticators(parts: readonly Authenticator[]): Authenticator {
  const owner = (method: LoginMethod | undefined) =>
    method === undefined ? undefined : parts.find((part) => part.methods.includes(method));
  return {
    methods: LOGIN_METHODS.filter((method) => owner(method) !== undefined),
    authenticate(request: LoginRequest): Promise<Identity> {
      const method = loginMethod(request.auth);
      const part = owner(method);
      if (part === undefined) {
        return Promise.reject(
          new LoginRefused(
            method ? `no ${method} logins on this server` : "an auth of no known kind",
          ),
        );
      }
      return part.authenticate(request);
    },
    admits(identity: Identity): boolean {
      const part = owner(identity.method);
      return part !== undefined && (part.admits?.(identity) ?? true);
    },
  };
}

/** What `--users`, `--jwt-key` and `--jwt-audience` give. */
export interface StandardIdentityOptions {
  /** The accounts of `--users`. */
  users?: AccountSource;
  /** The key of `--jwt-key`, with `--jwt-audience`. */
  jwt?: { key: JwtKey; audience?: string };
  /** The clock tokens are checked against (default: the wall clock). */
  clock?: Clock;
}

/**
 * The authenticator of the server's options: password logins against the
 * users file and token logins with the key, where given (a token's `sub`
 * that names a users-file account is refused); `undefined` with neither
 * (then the server knows no identities).
 */
export function standardAuthenticator(options: StandardIdentityOptions): Authenticator | undefined {
  const { users, jwt, clock } = options;
  const parts: Authenticator[] = [];
  if (users) parts.push(passwordAuthenticator({ users }));
  if (jwt) {
    const reserved = users ? (name: string) => users.accounts.has(name) : undefined;
    parts.push(jwtAuthenticator({ ...jwt, clock, reserved }));
  }
  return parts.length === 0 ? undefined : composeAuthenticators(parts);
}
