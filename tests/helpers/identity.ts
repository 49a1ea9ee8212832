/**
 * Servers that know who is who, for tests: accounts with passwords (each
 * hashed once: scrypt takes about a quarter of a second), a login token
 * key, and a server in this process with the authenticator they make.
 *
 * @module
 */

import type { Frame } from "../../src/protocol/messages.ts";
import { Accounts } from "../../src/server/identity/accounts.ts";
import { standardAuthenticator } from "../../src/server/identity/compose.ts";
import type { JwtKey } from "../../src/server/identity/jwt_key.ts";
import { parseJwtKey } from "../../src/server/identity/jwt_key.ts";
import type { AccountSource } from "../../src/server/identity/password_authenticator.ts";
import { hashPassword } from "../../src/server/identity/scrypt_hash.ts";
import { hmacKey, type TestKey } from "./jwt_keys.ts";
import { type PeerTarget, RawClient } from "./raw_client.ts";
import { startServer, type TestServer, type TestServerOptions } from "./server.ts";

/** How long a login may take in a test: a hash or two, on a busy machine. */
export const LOGIN_MS = 15_000;

/** The accounts `passwords` (name to password), each hashed. */
export async function accountsOf(passwords: Record<string, string>): Promise<Accounts> {
  const hashed = await Promise.all(
    Object.entries(passwords).map(async ([name, password]) => ({
      name,
      password: await hashPassword(password),
    })),
  );
  return hashed.reduce((accounts, account) => accounts.with(account), Accounts.EMPTY);
}

/** A test server that knows identities: its users (replaceable) and its token key. */
export interface IdentityServer extends TestServer {
  /** The accounts it reads at each login: set `users.accounts` to change them. */
  users: { accounts: Accounts };
  /** The HMAC key its login tokens are signed with. */
  hmac: TestKey;
}

/**
 * Starts a server with password logins against `accounts` and token logins
 * signed by a fresh HMAC key (`jwt` options: the audience), with `options`.
 */
export async function startIdentityServer(
  accounts: Accounts,
  options: TestServerOptions = {},
  jwt: { audience?: string } = {},
): Promise<IdentityServer> {
  const hmac = hmacKey();
  const key: JwtKey = await parseJwtKey(hmac.file);
  const users: AccountSource & { accounts: Accounts } = { accounts };
  const authenticator = standardAuthenticator({ users, jwt: { key, ...jwt } });
  const server = await startServer({ authenticator, ...options });
  return Object.assign(server, { users, hmac });
}

/**
 * Connects, answers `session_init` with `ack` (its `auth`, say) and waits
 * for the answer to the `session_ack` (`hs`): its `ack` or its `error`.
 * Returns the client and that answer.
 */
export async function login(
  to: PeerTarget,
  ack: Partial<Frame>,
): Promise<{ client: RawClient; answer: Frame }> {
  const client = await RawClient.session(to, ack);
  try {
    return { client, answer: await client.answerOf("hs", LOGIN_MS) };
  } catch (error) {
    await client.close();
    throw error;
  }
}

/** {@linkcode login}, which must succeed: the client, its handshake acknowledged. */
export async function loggedIn(to: PeerTarget, ack: Partial<Frame>): Promise<RawClient> {
  const { client, answer } = await login(to, ack);
  if (answer.type !== "ack") {
    await client.close();
    throw new Error(`login refused: ${JSON.stringify(answer)}`);
  }
  return client;
}
