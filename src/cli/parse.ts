/**
 * A strict wrapper of `node:util` parseArgs whose mistakes are usage errors.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";
import { firstLine } from "../errors/first_line.ts";
import { UsageError } from "./usage.ts";

/** The option table parseArgs takes. */
export type OptionTable = NonNullable<ParseArgsConfig["options"]>;

/** Values and positionals parsed from a command line. */
export interface Parsed {
  /** Option values by long name. */
  values: Record<string, string | boolean | undefined>;
  /** Arguments that are not options. */
  positionals: string[];
}

/**
 * Parses `args` strictly; an unknown flag or a missing value throws a
 * {@linkcode UsageError}. A negative number after a flag that takes a value
 * is its value (`--port -1`), so that the value's own check can say what
 * is wrong with it.
 */
export function parse(args: string[], options: OptionTable, help: string): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args: joinNegativeValues(args, options),
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Parsed["values"], positionals };
  } catch (error) {
    const message = firstLine(error)
      .replace(/^Unknown option '(.*?)'.*$/, "unknown option '$1'")
      .replace(/^Option '(.*?)' argument missing$/, "option '$1' needs a value")
      .replace(
        /^Option '(--[^' ]*).*' argument is ambiguous\.?$/,
        "option '$1' needs a value; for one that starts with '-', write $1=VALUE",
      );
    throw new UsageError(message, help);
  }
}

/** `--flag -1` as `--flag=-1` for each flag of `options` that takes a value. */
function joinNegativeValues(args: string[], options: OptionTable): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") return [...joined, ...args.slice(i)];
    const next = args[i + 1];
    const takesValue = arg.startsWith("--") && options[arg.slice(2)]?.type === "string";
    if (takesValue && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${arg}=${next}`);
      i++;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}
