/**
 * `chat server --users FILE --jwt-key FILE` processes for tests: a users
 * file of accounts, an RSA key whose public half is the `--jwt-key`, and a
 * server on TCP and a Unix socket in a temp dir, removed with it.
 *
 * @module
 */

import { writeUsersFile } from "../../src/server/identity/users_file.ts";
import { accountsOf } from "./identity.ts";
import { rsaKey, type TestKey } from "./jwt_keys.ts";
import { type Addresses, ChatProcess, localFlags, type SpawnOptions, tempDir } from "./spawn.ts";

/** The accounts of every identity process: name and password. */
export const PASSWORDS: Readonly<Record<string, string>> = {
  alice: "alice's pw",
  bob: "bob's pw",
};

/** The audience of every identity process's tokens. */
export const AUDIENCE = "chat-tests";

/** The files of an identity server, in a temp dir removed by `await using`. */
export interface IdentityFiles extends AsyncDisposable {
  /** The temp dir. */
  dir: string;
  /** The users file. */
  users: string;
  /** The `--jwt-key` file: the RSA key's public half. */
  key: string;
  /** The RSA key, to sign tokens with. */
  rsa: TestKey & { privatePem: string };
}

/** Writes a users file of {@linkcode PASSWORDS} and a fresh RSA key's public half. */
export async function identityFiles(): Promise<IdentityFiles> {
  const dir = await tempDir();
  const users = `${dir.path}/users.json`;
  const key = `${dir.path}/jwt.pem`;
  const rsa = await rsaKey();
  await writeUsersFile(users, await accountsOf(PASSWORDS));
  await Deno.writeFile(key, rsa.file);
  return {
    dir: dir.path,
    users,
    key,
    rsa,
    [Symbol.asyncDispose]: () => dir[Symbol.asyncDispose](),
  };
}

/** A running identity server and where it listens. */
export interface IdentityProcess extends AsyncDisposable {
  /** The process. */
  process: ChatProcess;
  /** Its TCP listener on 127.0.0.1. */
  tcp: NonNullable<Addresses["tcp"]>;
  /** Its Unix socket. */
  unix: NonNullable<Addresses["unix"]>;
}

/**
 * Starts `chat server` on 127.0.0.1 port 0 and a Unix socket, with the
 * users file and key of `files` (audience {@linkcode AUDIENCE}) and `extra`
 * flags; waits until it listens.
 */
export async function startIdentityProcess(
  files: IdentityFiles,
  extra: string[] = [],
  options: SpawnOptions = {},
): Promise<IdentityProcess> {
  const socket = `${files.dir}/${crypto.randomUUID().slice(0, 8)}.sock`;
  const identity = ["--users", files.users, "--jwt-key", files.key, "--jwt-audience", AUDIENCE];
  const process = ChatProcess.spawn(
    ["server", ...localFlags(socket), ...identity, ...extra],
    options,
  );
  try {
    const { tcp, unix } = await process.listening(2);
    return {
      process,
      tcp: tcp!,
      unix: unix!,
      [Symbol.asyncDispose]: () => process[Symbol.asyncDispose](),
    };
  } catch (error) {
    await process[Symbol.asyncDispose]();
    throw error;
  }
}
