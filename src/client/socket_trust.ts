/**
 * A client never hands its secrets (a token, a password, a login token) to
 * a Unix socket that someone else put at the path (CLI.md, "Client
 * options"): the socket file must be owned by this process's user, root,
 * or a user given with `--unix-owner`.
 *
 * @module
 */

import { describeUser, processUid, type SocketFile, socketFile } from "../transport/unix_owner.ts";

/** A Unix socket whose file is owned by a user not trusted with the client's secrets. */
export class UntrustedSocketError extends Error {
  /** The owner's user id. */
  readonly uid: number;

  /**
   * Creates the error for the socket at `path`, owned by `uid`, that
   * `secrets` (such as `the token`, `the password`) are not sent to.
   */
  constructor(path: string, uid: number, secrets = "the token") {
    const owner = describeUser(uid);
    super(
      `refusing unix://${path}: the socket file is owned by ${owner}, not by you or root, ` +
        `so ${secrets} ${secrets.includes(" and ") ? "are" : "is"} not sent to it ` +
        `(--unix-owner ${owner.split(" ")[0]} would trust it)`,
    );
    this.name = "UntrustedSocketError";
    this.uid = uid;
  }
}

/**
 * The socket file at `path`, checked: throws an {@linkcode UntrustedSocketError}
 * (naming `secrets`, what is withheld) when its owner is not this process's
 * user, root or one of `owners`. `undefined` when there is no file
 * (connecting will say so) or the system has no owners.
 */
export async function trustedSocket(
  path: string,
  owners: readonly number[],
  secrets?: string,
): Promise<SocketFile | undefined> {
  let file: SocketFile;
  try {
    file = await socketFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  if (file.uid === null) return undefined;
  if (file.uid !== 0 && file.uid !== processUid() && !owners.includes(file.uid)) {
    throw new UntrustedSocketError(path, file.uid, secrets);
  }
  return file;
}

/**
 * Checks the socket file again once connected: still trusted, and the same
 * file as `before` (when there was one), so that a socket swapped in
 * between the two looks is refused too.
 */
export async function stillTrusted(
  path: string,
  owners: readonly number[],
  before: SocketFile | undefined,
  secrets?: string,
): Promise<void> {
  const after = await trustedSocket(path, owners, secrets);
  if (before && after && (after.dev !== before.dev || after.ino !== before.ino)) {
    throw new Error(`refusing unix://${path}: the socket file changed while connecting`);
  }
}
