/**
 * Runs one of the project's tools (`bench/main.ts`, `soak/main.ts`) as its
 * `deno task` does, and fails with its output when it does not exit 0.
 *
 * @module
 */

import { strictEqual } from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The permissions of `deno task bench` and `deno task soak`. */
const TOOL_PERMISSIONS = [
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-run",
  "--allow-env",
];

/** Runs `script` (relative to the project) with `args`; resolves to its standard output. */
export async function runTool(script: string, args: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...TOOL_PERMISSIONS, `${ROOT}${script}`, ...args],
    stdin: "null",
  }).output();
  const out = new TextDecoder().decode(stdout);
  strictEqual(code, 0, `${script} failed:\n${out}\n${new TextDecoder().decode(stderr)}`);
  return out;
}
