/**
 * `deno task compile [TARGET...]`: builds a standalone `chat` binary per
 * target into `dist/chat-<target>` with `deno compile`.
 *
 * `deno compile` downloads the runtime (denort) for each target unless the
 * environment variable `DENORT_BIN` names a denort binary (for the host
 * target only).
 *
 * @module
 */

import { PERMISSIONS, RUN_FLAGS } from "../src/cli/permissions.ts";

/** Every target that `deno task compile` builds when given none. */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
] as const;

/** One `deno compile` target. */
export type Target = (typeof TARGETS)[number];

/** The permissions the compiled `chat` runs with: the same as `deno task chat`. */
export { PERMISSIONS };

/** The repository root (where `main.ts` and `deno.json` are). */
export const ROOT: string = new URL("..", import.meta.url).pathname;

/** Whether `name` is one of {@linkcode TARGETS}. */
export function isTarget(name: string): name is Target {
  return (TARGETS as readonly string[]).includes(name);
}

/**
 * The arguments to `deno` that compile `main.ts` for `target` into `output`.
 * Only the npm packages that `main.ts` reaches are embedded: without
 * `--exclude-unused-npm`, every package of deno.json (the test tools:
 * fast-check, playwright-core) would go into the binary, 15 MB more.
 */
export function compileArgs(target: Target, output: string): string[] {
  return [
    "compile",
    "--target",
    target,
    "--output",
    output,
    "--exclude-unused-npm",
    ...RUN_FLAGS,
    "main.ts",
  ];
}

/** Runs `deno compile` for `target`, output inherited; resolves to its exit code. */
export async function compileTarget(target: Target, output: string): Promise<number> {
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: compileArgs(target, output),
    cwd: ROOT,
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  return code;
}

/** Compiles each of `args` (all targets when empty); resolves to the exit status. */
export async function main(args: string[]): Promise<number> {
  const unknown = args.filter((name) => !isTarget(name));
  if (unknown.length > 0) {
    console.error(`compile: unknown target '${unknown[0]}' (known: ${TARGETS.join(", ")})`);
    return 2;
  }
  const targets = args.length > 0 ? args as Target[] : [...TARGETS];
  await Deno.mkdir(`${ROOT}dist`, { recursive: true });
  for (const target of targets) {
    const output = `dist/chat-${target}`;
    console.log(`compile: ${target} -> ${output}`);
    console.log(`  deno ${compileArgs(target, output).join(" ")}`);
    const code = await compileTarget(target, output);
    if (code !== 0) {
      const hint = Deno.env.get("DENORT_BIN")
        ? `DENORT_BIN is set, but it serves only the host target (${Deno.build.target})`
        : "deno compile downloads the runtime (denort) for the target; " +
          "without network access set DENORT_BIN to a denort binary (host target only)";
      console.error(`compile: failed for ${target} (deno compile exited with ${code}); ${hint}`);
      return 1;
    }
    // deno compile adds ".exe" to a Windows binary's name.
    const built = target.includes("windows") ? `${output}.exe` : output;
    console.log(`compile: built ${built}`);
  }
  console.log(`compile: ${targets.length} target(s) built in dist/`);
  return 0;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
