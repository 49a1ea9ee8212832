/**
 * Who is who (PROTOCOL.md section 11), as parts for the handshake and for
 * a library user's own authenticator: the {@linkcode Authenticator}
 * interface, the users file (password logins), login tokens (JWT), the
 * guessing throttle, and the {@linkcode LoginGate} that puts them together
 * for a handshake.
 *
 * @module
 */

export {
  type Authenticator,
  type Identity,
  LOGIN_METHODS,
  LOGIN_REFUSED,
  LOGIN_REQUIRED,
  type LoginMethod,
  LoginRefused,
  type LoginRefusedOptions,
  type LoginRequest,
  type RefusalLog,
  resumable,
} from "./identity.ts";
export { claimedAccount, type Credentials, loginMethod, readCredentials } from "./credentials.ts";
export {
  composeAuthenticators,
  standardAuthenticator,
  type StandardIdentityOptions,
} from "./compose.ts";
export { type LoginAnnouncement, LoginGate, type LoginGateOptions } from "./gate.ts";
export {
  type AccountSource,
  PASSWORD_CONCURRENCY,
  passwordAuthenticator,
  type PasswordAuthenticatorOptions,
} from "./password_authenticator.ts";
export {
  JWT_LEEWAY_SECONDS,
  jwtAuthenticator,
  type JwtAuthenticatorOptions,
} from "./jwt_authenticator.ts";
export { type JwtAlgorithm, type JwtKey, JwtKeyError, parseJwtKey } from "./jwt_key.ts";
export { type Account, type AccountChanges, Accounts } from "./accounts.ts";
export { readUsersFile, USERS_FILE_MODE, writeUsersFile } from "./users_file.ts";
export { parseUsers, UsersFormatError } from "./users_format.ts";
export { USERS_POLL_MS, type UsersWatchOptions, WatchedUsers } from "./users_watch.ts";
export {
  type LoginAttempt,
  LoginThrottle,
  THROTTLE_LIMITS,
  type ThrottleLimits,
} from "./throttle.ts";
export { refusalLog } from "./refusal_log.ts";
export { hashPassword, SCRYPT_DEFAULTS, type ScryptParams } from "./scrypt_hash.ts";
