/**
 * Command-line parsing helpers: a usage error (exit 2) and value checks.
 *
 * @module
 */

import { firstLine } from "../errors/first_line.ts";

/** A mistake on the command line: one line on standard error, exit status 2. */
export class UsageError extends Error {
  /** The help command to suggest, such as `chat server --help`. */
  readonly help: string;

  /** Creates a usage error with a one-line message. */
  constructor(message: string, help = "chat --help") {
    super(message);
    this.name = "UsageError";
    this.help = help;
  }
}

/** Runs `fn`; a {@linkcode UsageError} it throws is thrown again pointing at `help`. */
export function withHelp<T>(help: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof UsageError && error.help !== help) {
      throw new UsageError(error.message, help);
    }
    throw error;
  }
}

/** A failure at run time (exit status 1) with a one-line message. */
export class RuntimeError extends Error {
  /** Creates a runtime error with a one-line message. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RuntimeError";
  }
}

/** Parses a whole number in `[min, max]` given to `flag`; a number outside is out of range. */
export function parseInteger(flag: string, value: string, min: number, max: number): number {
  const n = /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (Number.isNaN(n)) {
    throw new UsageError(`--${flag} takes a whole number from ${min} to ${max}, got '${value}'`);
  }
  if (n < min || n > max || !Number.isSafeInteger(n)) {
    throw new UsageError(
      `--${flag} '${value}' is out of range: it takes a whole number from ${min} to ${max}`,
    );
  }
  return n;
}

/** Parses a positive number of seconds (fractions allowed) given to `flag`. */
export function parseSeconds(flag: string, value: string): number {
  const n = /^(\d+\.?\d*|\.\d+)$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n <= 0 || n > 86_400) {
    throw new UsageError(`--${flag} takes a number of seconds greater than 0, got '${value}'`);
  }
  return n;
}

/** Parses one of `choices` given to `flag`. */
export function parseChoice<T extends string>(
  flag: string,
  value: string,
  choices: readonly T[],
): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(`--${flag} takes one of ${choices.join(", ")}, got '${value}'`);
  }
  return value as T;
}

/** Parses octal permission bits such as `600` or `0660`. */
export function parseMode(flag: string, value: string): number {
  if (!/^0?[0-7]{3}$/.test(value)) {
    throw new UsageError(`--${flag} takes octal permission bits such as 600, got '${value}'`);
  }
  return parseInt(value, 8);
}

/** Rejects an empty value, which parseArgs lets through. */
export function nonEmpty(flag: string, value: string): string {
  if (value === "") throw new UsageError(`--${flag} needs a value`);
  return value;
}

/**
 * Reads a file named by `--flag`. A file that cannot be read (missing, a
 * folder, no access) is a {@linkcode RuntimeError} (exit 1, CLI.md: the
 * flag is well formed, the file is what fails), as a `--users` file that
 * is missing; a permission Deno was not given propagates as it is.
 */
export function readArgFile(flag: string, path: string): string {
  return new TextDecoder().decode(readArgFileBytes(flag, path));
}

/** Reads a file named by `--flag` as bytes; a file that cannot be read is a runtime error (see {@linkcode readArgFile}). */
export function readArgFileBytes(flag: string, path: string): Uint8Array {
  try {
    return Deno.readFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error;
    throw new RuntimeError(`--${flag}: cannot read ${path}: ${unreadable(error)}`, {
      cause: error,
    });
  }
}

/** Why a file could not be read, in a few words (`no such file`, `is a directory`, ...). */
export function unreadable(error: unknown): string {
  return error instanceof Deno.errors.NotFound
    ? "no such file"
    : error instanceof Deno.errors.IsADirectory
    ? "is a directory"
    : error instanceof Deno.errors.PermissionDenied
    ? "permission denied"
    : firstLine(error);
}

/** What a PEM file given to a TLS flag must hold. */
export type PemKind = "certificate" | "private key";

/**
 * Reads a PEM file given to a TLS flag; a file that cannot be read is a
 * runtime error, one that holds no PEM block of the `kind` wanted a usage
 * error.
 */
export function readPemFile(flag: string, path: string, kind: PemKind): string {
  const text = readArgFile(flag, path);
  const block = kind === "certificate"
    ? /-----BEGIN (X509 |TRUSTED )?CERTIFICATE-----/
    : /-----BEGIN ([A-Z]+ )?PRIVATE KEY-----/;
  if (!block.test(text)) throw new UsageError(`--${flag}: ${path} holds no PEM ${kind}`);
  return text;
}
