/**
 * The users file's format (`--users FILE`, kept by `chat user`): one JSON
 * object with a version and the accounts, sorted by name, each with its
 * scrypt parameters, salt and hash (base64); never a password.
 *
 * ```json
 * {
 *   "version": 1,
 *   "accounts": [
 *     {
 *       "name": "alice",
 *       "scrypt": { "N": 16384, "r": 8, "p": 5 },
 *       "salt": "3q2+7wAAAAAAAAAAAAAAAA==",
 *       "hash": "CwC8qWbGz3zM2wZ9yPZ0yQ1ChW8b7Tq0Yk0o0aKc2E8="
 *     }
 *   ]
 * }
 * ```
 *
 * A name is a name of PROTOCOL.md section 2 that does not start with
 * `guest-`, no two comparing equal; the parameters are at least OWASP's
 * minimum (`N`·`r`·`p` of N=2^14, r=8, p=5); salt and hash are 16 to 64
 * bytes. A file that breaks any of this is refused whole.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { isGuestName, isValidName, normalizeName } from "../../protocol/names.ts";
import { Accounts } from "./accounts.ts";
import { paramsFault, type PasswordHash } from "./scrypt_hash.ts";

/** The version of the format this code reads and writes. */
export const USERS_FORMAT_VERSION = 1;

/** A users file that cannot be read as one: why, with no secret in the message. */
export class UsersFormatError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "UsersFormatError";
  }
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decodes a base64 field of 16 to 64 bytes. */
function bytes(value: unknown, what: string): Uint8Array {
  if (typeof value !== "string" || !BASE64.test(value)) {
    throw new UsersFormatError(`${what} is not base64`);
  }
  const decoded = new Uint8Array(Buffer.from(value, "base64"));
  if (decoded.length < 16 || decoded.length > 64) {
    throw new UsersFormatError(`${what} is not 16 to 64 bytes`);
  }
  return decoded;
}

/** A whole number field of the scrypt parameters. */
function integer(value: unknown, what: string): number {
  if (!Number.isSafeInteger(value)) throw new UsersFormatError(`${what} is not a whole number`);
  return value as number;
}

/** One entry of `accounts`. */
function readAccount(entry: unknown, index: number) {
  const at = `account ${index + 1}`;
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
    throw new UsersFormatError(`${at} is not an object`);
  }
  const { name, scrypt, salt, hash } = entry as Record<string, unknown>;
  if (!isValidName(name)) throw new UsersFormatError(`${at}: not a valid name`);
  const normalized = normalizeName(name);
  if (isGuestName(normalized)) throw new UsersFormatError(`${at}: a name starting with guest-`);
  if (typeof scrypt !== "object" || scrypt === null) {
    throw new UsersFormatError(`${at} (${normalized}): no scrypt parameters`);
  }
  const { N, r, p } = scrypt as Record<string, unknown>;
  const params = {
    N: integer(N, `${at} (${normalized}): N`),
    r: integer(r, `${at} (${normalized}): r`),
    p: integer(p, `${at} (${normalized}): p`),
  };
  const fault = paramsFault(params);
  if (fault !== undefined) throw new UsersFormatError(`${at} (${normalized}): ${fault}`);
  const password: PasswordHash = {
    params,
    salt: bytes(salt, `${at} (${normalized}): salt`),
    hash: bytes(hash, `${at} (${normalized}): hash`),
  };
  return { name: normalized, password };
}

/**
 * The accounts of a users file's text; throws {@linkcode UsersFormatError}
 * when it is not one (bad JSON, another version, a bad entry, two names
 * that compare equal).
 */
export function parseUsers(text: string): Accounts {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new UsersFormatError("not JSON");
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new UsersFormatError("not a JSON object");
  }
  const { version, accounts } = data as Record<string, unknown>;
  if (version !== USERS_FORMAT_VERSION) {
    throw new UsersFormatError(`version ${JSON.stringify(version)}, not ${USERS_FORMAT_VERSION}`);
  }
  if (!Array.isArray(accounts)) throw new UsersFormatError("accounts is not an array");
  let result = Accounts.EMPTY;
  accounts.forEach((entry, index) => {
    const account = readAccount(entry, index);
    if (result.has(account.name)) {
      throw new UsersFormatError(`account ${index + 1}: ${account.name} is there twice`);
    }
    result = result.with(account);
  });
  return result;
}

/** The text of a users file holding `accounts`, sorted by name, ending with a line feed. */
export function formatUsers(accounts: Accounts): string {
  const base64 = (data: Uint8Array) => Buffer.from(data).toString("base64");
  const entries = accounts.list().map(({ name, password: { params, salt, hash } }) => ({
    name,
    scrypt: { N: params.N, r: params.r, p: params.p },
    salt: base64(salt),
    hash: base64(hash),
  }));
  return `${JSON.stringify({ version: USERS_FORMAT_VERSION, accounts: entries }, null, 2)}\n`;
}
