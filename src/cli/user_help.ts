/**
 * The help text of `chat user` (CLI.md), beside the others of help.ts.
 *
 * @module
 */

/** `chat user --help`. */
export const USER_HELP = `Usage:
  chat user add NAME --users FILE       create an account
  chat user passwd NAME --users FILE    set an account's password anew
  chat user remove NAME --users FILE    delete an account
  chat user list --users FILE           print the account names, one per line

Keeps the users file of 'chat server --users FILE': per account, a salted
scrypt hash of its password (N=2^14, r=8, p=5), never the password itself.
The file is created with mode 600 and replaced atomically, so a server
reading it never sees half of it; a running server reads it again within
2 s, and ends the sessions of an account removed or given a new password.

NAME follows the name rules of display names and must not start with
guest-; names that differ only in case (or by NFKC) are one account.

The password of add and passwd comes from the environment variable
CHAT_PASSWORD when it is set, else from the first line of standard input
when it is not a terminal, else it is asked twice without echo.

Exit status: 0 done; 1 the account exists (add), does not exist (passwd,
remove), or the file cannot be read or written; 2 bad usage (a NAME that
breaks the rules, an empty password).`;
