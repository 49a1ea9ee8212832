/**
 * Who owns a Unix socket file, and who this process is: what a client
 * needs to refuse a socket that another user put at the path it was given
 * (CLI.md, "Client options"). Needs `--allow-read` (the socket file,
 * `/etc/passwd`) and `--allow-write` (a temporary file); never `--allow-sys`.
 *
 * @module
 */

/** The file at a Unix socket path: its owner and its identity (device and inode). */
export interface SocketFile {
  /** The owner's user id (`null` where the system has none: Windows). */
  uid: number | null;
  /** The device it is on. */
  dev: number;
  /** Its inode: with `dev`, the same file across two looks. */
  ino: number | null;
}

/** The file at `path` (following links: the socket a connection would reach). */
export async function socketFile(path: string): Promise<SocketFile> {
  const info = await Deno.stat(path);
  return { uid: info.uid, dev: info.dev, ino: info.ino };
}

let ownUid: number | null | undefined;

/**
 * This process's (effective) user id: from `Deno.uid()` when `--allow-sys`
 * is granted, else as the owner of a temporary file it creates and removes.
 * `null` where the system has no user ids.
 */
export function processUid(): number | null {
  if (ownUid !== undefined) return ownUid;
  if (Deno.permissions.querySync({ name: "sys", kind: "uid" }).state === "granted") {
    ownUid = Deno.uid();
    return ownUid;
  }
  const probe = Deno.makeTempFileSync({ prefix: "chat-uid-" });
  try {
    ownUid = Deno.statSync(probe).uid;
  } finally {
    Deno.removeSync(probe);
  }
  return ownUid;
}

/** The accounts of `/etc/passwd` (none where it cannot be read). */
function accounts(): { name: string; uid: number }[] {
  let text: string;
  try {
    text = Deno.readTextFileSync("/etc/passwd");
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error;
    return [];
  }
  return text.split("\n").flatMap((line) => {
    const [name, , uid] = line.split(":");
    return name && /^\d+$/.test(uid ?? "") ? [{ name, uid: Number(uid) }] : [];
  });
}

/** The user id that `user` names: a number as it is, else a name of `/etc/passwd`. */
export function userId(user: string): number | undefined {
  if (/^\d+$/.test(user)) return Number(user);
  return accounts().find((account) => account.name === user)?.uid;
}

/** A user as people read it: `nobody (uid 65534)`, or `uid 1234` when it has no name. */
export function describeUser(uid: number): string {
  const name = accounts().find((account) => account.uid === uid)?.name;
  return name === undefined ? `uid ${uid}` : `${name} (uid ${uid})`;
}
