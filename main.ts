/**
 * The `chat` command line: `chat server`, `chat client interactive`,
 * `chat client file FILE`, `chat user`, `chat help`.
 *
 * @module
 */

import { firstLine } from "./src/errors/first_line.ts";
import { helpFor, MAIN_HELP, VERSION } from "./src/cli/help.ts";
import { runClient } from "./src/cli/client_command.ts";
import { runServer } from "./src/cli/server_command.ts";
import { runUser } from "./src/cli/user_command.ts";
import { RuntimeError, UsageError } from "./src/cli/usage.ts";

/** Runs the command line `args`; resolves to the exit status. */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  try {
    switch (command) {
      case "server":
        return await runServer(rest);
      case "client":
        return await runClient(rest);
      case "user":
        return await runUser(rest);
      case "--version":
      case "-V":
        console.log(`chat ${VERSION}`);
        return 0;
      case "--help":
      case "-h":
        console.log(MAIN_HELP);
        return 0;
      case "help":
        console.log(helpFor(rest));
        return 0;
      case undefined:
        throw new UsageError("missing subcommand");
      default:
        throw new UsageError(`unknown subcommand '${command}'`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`chat: ${error.message} (see '${error.help}')`);
      return 2;
    }
    if (error instanceof RuntimeError) {
      console.error(`chat: ${error.message}`);
      return 1;
    }
    if (error instanceof Deno.errors.NotCapable) {
      // Run with fewer permissions than the README names: one line, not a stack.
      console.error(`chat: missing permission: ${firstLine(error)}`);
      return 1;
    }
    throw error;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
