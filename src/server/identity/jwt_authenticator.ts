/**
 * Token logins (PROTOCOL.md section 11): `"auth":{"jwt":"<compact JWS>"}`
 * signed by another application, checked with `jose` (Web Crypto).
 *
 * - The token's `alg` must be the key's: `none` never is, nor an HMAC
 *   algorithm with a public key (the algorithm-confusion attack).
 * - The header's `jwk`, `jku`, `x5u` and `kid` are ignored (the key is the
 *   one of `--jwt-key`, whatever the token says); a `crit` header is refused.
 * - `exp` is required; `exp` and `nbf` are checked with at most
 *   {@linkcode JWT_LEEWAY_SECONDS} of leeway on the injected clock.
 * - With an audience, `aud` must contain it; without, a token that has an
 *   `aud` is refused.
 * - `sub` is the account: a name of section 2, unchanged by NFKC, not in
 *   the guest space, and not a name that another kind of login owns
 *   (`reserved`: the users file's accounts).
 * - `rooms`, when present, is an array of room names (`[]`: none).
 *
 * @module
 */

import { decodeProtectedHeader, errors, type JWTPayload, jwtVerify } from "jose";
import { type Clock, systemClock } from "../../async/clock.ts";
import { firstLine } from "../../errors/first_line.ts";
import { isGuestName, isValidName, nameKey, normalizeName } from "../../protocol/names.ts";
import { readCredentials } from "./credentials.ts";
import { type Authenticator, type Identity, LoginRefused } from "./identity.ts";
import type { JwtKey } from "./jwt_key.ts";

/** The clock leeway for `exp` and `nbf`, in seconds. */
export const JWT_LEEWAY_SECONDS = 30;

/** Options of {@linkcode jwtAuthenticator}. */
export interface JwtAuthenticatorOptions {
  /** The key of `--jwt-key`, and with it the one algorithm accepted. */
  key: JwtKey;
  /** `--jwt-audience`: a token's `aud` must contain it; absent, a token must have no `aud`. */
  audience?: string;
  /** The clock `exp` and `nbf` are checked against (default: the wall clock). */
  clock?: Clock;
  /**
   * Whether another kind of login owns the account `name` (with `--users`:
   * the users file has it); a token for such an account is refused. Asked
   * at each login.
   */
  reserved?: (name: string) => boolean;
}

/** Why a `sub` claim is not an account name, or `undefined` when it is one. */
function subFault(sub: unknown): string | undefined {
  if (typeof sub !== "string") return "no sub claim";
  if (!isValidName(sub)) return "a sub that is not a valid name";
  if (normalizeName(sub) !== sub) return "a sub that NFKC changes";
  if (isGuestName(sub)) return "a sub in the guest space";
  return undefined;
}

/** The `rooms` claim as normalized room names (duplicates dropped); throws when it is not one. */
function roomsClaim(rooms: unknown): string[] | undefined {
  if (rooms === undefined) return undefined;
  if (!Array.isArray(rooms) || !rooms.every(isValidName)) {
    throw new LoginRefused("a rooms claim that is not an array of room names");
  }
  const byKey = new Map<string, string>();
  for (const room of rooms) {
    if (!byKey.has(nameKey(room))) byKey.set(nameKey(room), normalizeName(room, "room name"));
  }
  return [...byKey.values()];
}

/** Checks the signature, algorithm and times; the payload when they hold. */
async function verified(jwt: string, options: JwtAuthenticatorOptions): Promise<JWTPayload> {
  let crit: boolean;
  try {
    crit = "crit" in decodeProtectedHeader(jwt);
  } catch {
    throw new LoginRefused("a malformed token");
  }
  if (crit) throw new LoginRefused("a token with a crit header");
  try {
    const { payload } = await jwtVerify(jwt, options.key.key, {
      algorithms: [options.key.alg],
      audience: options.audience,
      clockTolerance: JWT_LEEWAY_SECONDS,
      currentDate: new Date((options.clock ?? systemClock).now()),
      requiredClaims: ["exp"],
    });
    return payload;
  } catch (error) {
    // jose's messages name the failed check, never the token itself.
    const code = error instanceof errors.JOSEError ? `${error.code}: ` : "";
    throw new LoginRefused(`token refused: ${code}${firstLine(error)}`);
  }
}

/**
 * An authenticator of token logins, checked with `options.key`.
 *
 * @example
 * ```ts
 * import { rejects, strictEqual } from "node:assert/strict";
 * import { SignJWT } from "jose";
 * import { jwtAuthenticator } from "./jwt_authenticator.ts";
 * import { parseJwtKey } from "./jwt_key.ts";
 * const secret = new TextEncoder().encode("a shared secret of 32 bytes or more");
 * const auth = jwtAuthenticator({ key: await parseJwtKey(secret) });
 * const peer = "unix";
 * const jwt = await new SignJWT({ rooms: ["lobby"] })
 *   .setProtectedHeader({ alg: "HS256" }).setSubject("ada").setExpirationTime("1h").sign(secret);
 * const identity = await auth.authenticate({ auth: { jwt }, peer });
 * strictEqual(identity.account, "ada");
 * strictEqual(identity.rooms?.join(), "lobby");
 * const forever = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("ada")
 *   .sign(secret); // no exp
 * await rejects(auth.authenticate({ auth: { jwt: forever }, peer }), { code: "unauthorized" });
 * ```
 */
export function jwtAuthenticator(options: JwtAuthenticatorOptions): Authenticator {
  return {
    methods: ["jwt"],
    async authenticate({ auth }): Promise<Identity> {
      const credentials = readCredentials(auth);
      if (credentials?.method !== "jwt") throw new LoginRefused("not a token login");
      const payload = await verified(credentials.jwt, options);
      if (options.audience === undefined && payload.aud !== undefined) {
        throw new LoginRefused("a token with an aud, and no audience is expected");
      }
      const fault = subFault(payload.sub);
      if (fault !== undefined) throw new LoginRefused(fault);
      const account = payload.sub!;
      if (options.reserved?.(account)) {
        throw new LoginRefused("a sub that names an account of the users file");
      }
      const rooms = roomsClaim(payload.rooms);
      return {
        account,
        verified: true,
        method: "jwt",
        ...(rooms === undefined ? {} : { rooms }),
        validUntil: (payload.exp! + JWT_LEEWAY_SECONDS) * 1000,
      };
    },
    admits(identity: Identity): boolean {
      return identity.method !== "jwt" || !options.reserved?.(identity.account);
    },
  };
}
