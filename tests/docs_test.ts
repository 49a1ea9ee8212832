/**
 * docs/cli.md held to the program: the flags of its tables are the flags
 * `--help` lists (but those it says are not in this version yet), with the
 * same defaults; and the README links the documentation.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { runMain } from "./helpers/run_main.ts";

const DOCS = new URL("../docs/", import.meta.url);
const cli = await Deno.readTextFile(new URL("cli.md", DOCS));

/** A row of a flag table: its flag, its meaning and its default. */
interface Row {
  flag: string;
  meaning: string;
  default: string;
}

/** The section of `markdown` under the `## heading`. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  assert(start >= 0, `no section '${heading}'`);
  const end = markdown.indexOf("\n## ", start + 1);
  return markdown.slice(start, end < 0 ? undefined : end);
}

/** The rows of the (first) flag table of a section. */
function table(markdown: string, heading: string): Row[] {
  const rows = section(markdown, heading).split("\n").filter((line) => line.startsWith("| `--"));
  return rows.map((line) => {
    const cells = line.slice(1, -1).split(/(?<!\\)\|/).map((cell) => cell.trim());
    return { flag: cells[0].match(/--[a-z][a-z-]*/)![0], meaning: cells[1], default: cells[2] };
  });
}

/** The flags a help text lists, with the default it gives (`(default X)`), if any. */
function helpFlags(help: string): Map<string, string | undefined> {
  const flags = new Map<string, string | undefined>();
  let current: string | undefined;
  for (const line of help.split("\n")) {
    const flag = line.match(/^ {2}(--[a-z][a-z-]*)/)?.[1];
    if (flag) flags.set(current = flag, undefined);
    else if (!/^ {4,}\S/.test(line)) current = undefined; // not a continuation
    const fallback = current && line.match(/\(default ([^:;)][^;)]*)[;)]/)?.[1];
    if (current && fallback && flags.get(current) === undefined) flags.set(current, fallback);
  }
  flags.delete("--help");
  return flags;
}

/** The flags docs/cli.md says this version does not have yet (its "Server flags" and "Client flags" items). */
const notYet = new Set(
  section(cli, "Not in this version yet").split("\n- ")
    .filter((item) => /^(Server|Client) flags:/.test(item))
    .flatMap((item) => item.match(/--[a-z][a-z-]*/g) ?? []),
);

async function help(...args: string[]): Promise<Map<string, string | undefined>> {
  const run = await runMain([...args, "--help"]);
  assertEquals(run.code, 0, run.stderr);
  return helpFlags(run.stdout);
}

/** Checks that the help's defaults are the table's. */
function sameDefaults(rows: Row[], flags: Map<string, string | undefined>): void {
  for (const row of rows) {
    const given = flags.get(row.flag);
    if (given === undefined) continue;
    assert(
      row.default.includes(`\`${given}\``),
      `${row.flag}: --help says the default is ${given}, docs/cli.md says ${row.default}`,
    );
  }
}

Deno.test("docs/cli.md: the server flag table is what chat server --help lists, defaults included", async () => {
  const rows = table(cli, "Server flags");
  const flags = await help("server");
  const documented = rows.map((r) => r.flag).filter((flag) => !notYet.has(flag)).sort();
  assertEquals(documented, [...flags.keys()].sort());
  for (const flag of notYet) {
    assert(!flags.has(flag), `${flag} is in --help: take it off "Not in this version yet"`);
  }
  sameDefaults(rows, flags);
  // The listening flags have a table of their own too, which agrees.
  for (const row of table(cli, "Where to listen or connect")) {
    assert(flags.has(row.flag), row.flag);
    assertEquals(row.default, rows.find((r) => r.flag === row.flag)?.default);
  }
});

Deno.test("docs/cli.md: the client flag table is what the client modes' --help list, each mode its own", async () => {
  const rows = table(cli, "Client flags");
  const interactive = await help("client", "interactive");
  const file = await help("client", "file");
  const documented = rows.map((r) => r.flag).filter((flag) => !notYet.has(flag)).sort();
  assertEquals(documented, [...new Set([...interactive.keys(), ...file.keys()])].sort());
  for (const row of rows.filter((r) => !notYet.has(r.flag))) {
    const only = row.meaning.match(/^(interactive|file) only/)?.[1];
    assertEquals(
      [interactive.has(row.flag), file.has(row.flag)],
      [only !== "file", only !== "interactive"],
      `${row.flag} in interactive and file --help`,
    );
  }
  for (const flag of notYet) {
    assert(!interactive.has(flag) && !file.has(flag), `${flag} is in --help: not 'not yet'`);
  }
  sameDefaults(rows, interactive);
  sameDefaults(rows, file);
});

Deno.test("the README links docs/cli.md and docs/protocol.md, and every link into docs/ has its target", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  assert(!readme.includes("../shared/"), "the README links outside the repository");
  const docs: Record<string, string> = {
    "cli.md": cli,
    "protocol.md": await Deno.readTextFile(new URL("protocol.md", DOCS)),
  };
  const anchors = (markdown: string) =>
    new Set(
      [...markdown.matchAll(/^#{2,3} (.+)$/gm)].map((m) =>
        m[1].toLowerCase().replace(/[^a-z0-9 -]/g, "").replaceAll(" ", "-")
      ),
    );
  const links = [
    ...[...readme.matchAll(/\]\(docs\/([a-z]+\.md)(?:#([a-z0-9-]+))?\)/g)],
    ...Object.values(docs).flatMap((text) => [
      ...text.matchAll(/\]\(([a-z]+\.md)?(?:#([a-z0-9-]+))?\)/g),
    ]),
  ];
  assert(links.some((m) => m[1] === "cli.md") && links.some((m) => m[1] === "protocol.md"));
  for (const [link, file, anchor] of links) {
    if (file === undefined && anchor === undefined) continue;
    const target = docs[file ?? "cli.md"];
    assert(target !== undefined, `${link}: no such file`);
    if (anchor !== undefined) assert(anchors(target).has(anchor), `${link}: no such heading`);
  }
});
