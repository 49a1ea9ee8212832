/**
 * `deno task attacks`: the attacks of issue 11 against the server of any
 * checkout, with their figures, so that "before" (an older commit, in a
 * scratch worktree) and "after" (this one) are measured the same way.
 *
 *   deno task attacks [--root DIR] [--only flood,prelogin,slots,queue,rooms,names,logs]
 *                     [--quick] [--json FILE]
 *
 * Flags a server does not know (an older one: `--rate-limit`,
 * `--max-handshakes`, ...) are left out for it; the figures say which flags
 * each run had.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { floodAttack } from "./flood.ts";
import { logAttack } from "./logs.ts";
import { nameAttack } from "./names.ts";
import { preloginAttack } from "./prelogin.ts";
import { queueAttack } from "./queue_total.ts";
import { roomAttack } from "./rooms.ts";
import { slotAttack } from "./slots.ts";
import { supports } from "./target.ts";

const ALL = ["flood", "prelogin", "slots", "queue", "rooms", "names", "logs"];

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    root: { type: "string" },
    only: { type: "string" },
    quick: { type: "boolean", default: false },
    json: { type: "string" },
  },
});
const root = flags.root;
const only = flags.only?.split(",") ?? ALL;
const quick = flags.quick;
const limits = await supports(root, "--rate-limit");

const results: Record<string, unknown> = { root: root ?? "this checkout", limits };
const show = (name: string, value: unknown) => {
  results[name] = value;
  console.log(`${name}: ${JSON.stringify(value)}`);
};

if (only.includes("flood")) {
  const ms = quick ? 1000 : 5000;
  for (const transport of ["tcp", "unix"] as const) {
    show(`flood ${transport}`, await floodAttack(transport, [], ms, root));
    if (limits) {
      show(
        `flood ${transport} --rate-limit 0`,
        await floodAttack(transport, ["--rate-limit", "0"], ms, root),
      );
    }
  }
}
if (only.includes("prelogin")) {
  const n = quick ? 100 : 1500;
  show("prelogin", await preloginAttack(n, [], root));
  if (limits) {
    // Every connection let in, from one address: what each costs once refused at 16 KiB.
    show(
      "prelogin --max-handshakes 16000",
      await preloginAttack(n, ["--max-handshakes", "16000"], root),
    );
  }
}
if (only.includes("slots")) {
  show("slots", await slotAttack(quick ? 20 : 108, ["--max-clients", "200"], root));
}
if (only.includes("queue")) {
  const sessions = quick ? 40 : 400;
  const seconds = quick ? 3 : 30;
  show("queue", await queueAttack(sessions, seconds, [], root));
  if (limits) {
    show(
      "queue --max-queue-total 64 MiB",
      await queueAttack(sessions, seconds, ["--max-queue-total", String(64 * 1024 * 1024)], root),
    );
  }
}
if (only.includes("rooms")) show("rooms", await roomAttack(quick ? 500 : 50_000, [], root));
if (only.includes("names")) show("names", await nameAttack([], root));
if (only.includes("logs")) show("logs", await logAttack(root, quick ? 300 : 3000, quick ? 2 : 5));

if (flags.json) await Deno.writeTextFile(flags.json, JSON.stringify(results, null, 2) + "\n");
Deno.exit(0);
