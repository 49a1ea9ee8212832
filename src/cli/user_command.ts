/**
 * `chat user add|passwd|remove NAME --users FILE` and `chat user list
 * --users FILE` (CLI.md): keeps the users file of `chat server --users`.
 *
 * @module
 */

import { firstLine } from "../errors/first_line.ts";
import { ChatError } from "../protocol/errors.ts";
import { isGuestName, normalizeName } from "../protocol/names.ts";
import { Accounts } from "../server/identity/accounts.ts";
import { hashPassword } from "../server/identity/scrypt_hash.ts";
import { readUsersFile, writeUsersFile } from "../server/identity/users_file.ts";
import { UsersFormatError } from "../server/identity/users_format.ts";
import { parse } from "./parse.ts";
import { type PasswordSources, processPasswordSources, readNewPassword } from "./password_input.ts";
import { nonEmpty, RuntimeError, UsageError } from "./usage.ts";
import { USER_HELP } from "./user_help.ts";

const HELP = "chat user --help";

/** The actions of `chat user`, and whether each takes a NAME. */
const ACTIONS = { add: true, passwd: true, remove: true, list: false } as const;

/** What `chat user` reads and writes besides the file: the password's sources, and its output. */
export interface UserCommandIo {
  /** Where the password of `add` and `passwd` comes from. */
  password: PasswordSources;
  /** Writes a line to standard output (`list`). */
  out: (line: string) => void;
  /** Writes a line to standard error (what was done). */
  err: (line: string) => void;
}

/** The process's own environment, standard input, output and error. */
function processIo(): UserCommandIo {
  return {
    password: processPasswordSources(),
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  };
}

/** NAME as an account's name (NFKC); a usage error when it breaks the rules or is a guest's. */
function accountName(name: string): string {
  let normalized: string;
  try {
    normalized = normalizeName(name);
  } catch (error) {
    if (error instanceof ChatError) throw new UsageError(error.message, HELP);
    throw error;
  }
  if (isGuestName(normalized)) {
    throw new UsageError(
      `invalid name '${normalized}': names starting with guest- are guests'`,
      HELP,
    );
  }
  return normalized;
}

/** The accounts in `path`; none when it does not exist and `missingIsEmpty`. */
async function load(path: string, missingIsEmpty: boolean): Promise<Accounts> {
  try {
    return await readUsersFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      if (missingIsEmpty) return Accounts.EMPTY;
      throw new RuntimeError(`${path}: no such users file`);
    }
    if (error instanceof UsersFormatError) {
      throw new RuntimeError(`${path} is not a users file: ${error.message}`);
    }
    if (error instanceof Deno.errors.NotCapable) throw error;
    throw new RuntimeError(`cannot read ${path}: ${firstLine(error)}`);
  }
}

/** Writes `accounts` to `path`; a failure is a runtime error naming it. */
async function save(path: string, accounts: Accounts): Promise<void> {
  try {
    await writeUsersFile(path, accounts);
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error;
    throw new RuntimeError(`cannot write ${path}: ${firstLine(error)}`);
  }
}

/** Runs `chat user ARGS...`; resolves to the exit status (usage errors and failures are thrown). */
export async function runUser(args: string[], io: UserCommandIo = processIo()): Promise<number> {
  const { values, positionals } = parse(args, { users: { type: "string" } }, HELP);
  if (values.help) {
    io.out(USER_HELP);
    return 0;
  }
  const [action, ...names] = positionals;
  if (action === undefined) {
    throw new UsageError("missing action: add, passwd, remove or list", HELP);
  }
  if (!Object.hasOwn(ACTIONS, action)) {
    throw new UsageError(`unknown action '${action}': add, passwd, remove or list`, HELP);
  }
  const takesName = ACTIONS[action as keyof typeof ACTIONS];
  if (names.length !== (takesName ? 1 : 0)) {
    throw new UsageError(
      takesName ? `'chat user ${action}' takes one NAME` : `'chat user ${action}' takes no NAME`,
      HELP,
    );
  }
  if (values.users === undefined) throw new UsageError("--users FILE is needed", HELP);
  const path = nonEmpty("users", values.users as string);

  if (action === "list") {
    for (const name of (await load(path, false)).names()) io.out(name);
    return 0;
  }
  const name = accountName(names[0]);
  const before = await load(path, action === "add");
  const existing = expect(before, action, name, path);
  if (action === "remove") {
    await save(path, before.without(name));
    io.err(`account '${existing!.name}' removed from ${path}`);
    return 0;
  }
  const password = await hashPassword(await readNewPassword(io.password, HELP));
  // Read again: another `chat user` may have written while the password was typed.
  const accounts = await load(path, action === "add");
  // passwd keeps the name as it was created; add stores it as given (NFKC).
  const account = { name: expect(accounts, action, name, path)?.name ?? name, password };
  await save(path, accounts.with(account));
  io.err(
    `account '${account.name}' ${
      action === "add" ? "added to" : "given a new password in"
    } ${path}`,
  );
  return 0;
}

/**
 * The account `name` that `action` works on (none for `add`); a runtime
 * error when `add` finds one whose name compares equal, or another action
 * finds none.
 */
function expect(
  accounts: Accounts,
  action: string,
  name: string,
  path: string,
): { name: string } | undefined {
  const existing = accounts.get(name);
  if (action === "add" && existing) {
    throw new RuntimeError(`account '${existing.name}' already exists in ${path}`);
  }
  if (action !== "add" && !existing) throw new RuntimeError(`no account '${name}' in ${path}`);
  return existing;
}
