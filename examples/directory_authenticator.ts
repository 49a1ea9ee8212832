import { type Authenticator, type Identity, LoginRefused, readCredentials } from "../mod.ts";

/** What the authenticator needs of a directory server (LDAP, say): a bind with a password. */
export interface PeopleDirectory {
  /** The account's name when `password` is `user`'s, else `undefined`. */
  bind(user: string, password: string): Promise<string | undefined>;
}

/** Password logins checked by a directory server instead of the users file. */
export function directoryAuthenticator(directory: PeopleDirectory): Authenticator {
  return {
    methods: ["password"],
    async authenticate({ auth }): Promise<Identity> {
      const credentials = readCredentials(auth); // {user, password} or {jwt}, checked
      if (credentials?.method !== "password") throw new LoginRefused("not a password login");
      const account = await directory.bind(credentials.user, credentials.password);
      // The reason is for the server's log; the client reads "invalid credentials" whatever it is.
      if (account === undefined) throw new LoginRefused("the directory refused the bind");
      return { account, verified: true, method: "password" };
    },
  };
}
