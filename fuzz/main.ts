/**
 * `deno task fuzz`: property and mutation fuzzing of the frame decoder, the
 * message validator and a live server.
 *
 * ```sh
 * deno task fuzz                                  # a full run, random seed
 * deno task fuzz --seed 42 --cases 20000          # fewer cases, fixed seed
 * deno task fuzz --target live --seed 42 --cases 800
 * ```
 *
 * A failure prints the seed and the command that replays it.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { DEFAULT_CASES, FuzzFailure } from "./harness.ts";
import { liveStats } from "./live_fuzz.ts";
import { runTarget, shareCases, TARGETS } from "./targets.ts";

const USAGE = `usage: deno task fuzz [--seed N] [--cases N] [--target NAME]... [--path P]

  --seed N      the run's seed (default: random); each target derives its own from it
  --cases N     cases of the whole run, shared among the targets by weight
                (default ${DEFAULT_CASES}); with one --target, all of them go to it
  --target NAME run only this target (repeatable): ${TARGETS.map((t) => t.name).join(", ")}
  --path P      with one --target: replay only the failing case at this fast-check path`;

function usage(message: string): never {
  console.error(`fuzz: ${message}\n${USAGE}`);
  Deno.exit(2);
}

function integer(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n)) usage(`${name} must be an integer, got ${text}`);
  return n;
}

const { values } = (() => {
  try {
    return parseArgs({
      args: Deno.args,
      options: {
        seed: { type: "string" },
        cases: { type: "string" },
        target: { type: "string", multiple: true },
        path: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    usage((error as Error).message);
  }
})();

if (values.help) {
  console.log(USAGE);
  Deno.exit(0);
}

const seed = integer(values.seed, "--seed", crypto.getRandomValues(new Int32Array(1))[0]);
const total = integer(values.cases, "--cases", DEFAULT_CASES);
if (total < 1) usage("--cases must be at least 1");
const names = values.target ?? [];
for (const name of names) {
  if (!TARGETS.some((t) => t.name === name)) usage(`no target ${name}`);
}
const selected = names.length === 0 ? TARGETS : TARGETS.filter((t) => names.includes(t.name));
if (values.path !== undefined && selected.length !== 1) usage("--path needs exactly one --target");
const shares = shareCases(selected, total);

console.log(`fuzz: seed ${seed}, ${total} cases over ${selected.length} targets`);
const started = performance.now();
let failure: FuzzFailure | undefined;
let ran = 0;
for (const [i, target] of selected.entries()) {
  const cases = shares[i];
  try {
    const ms = await runTarget(target, seed, cases, values.path);
    ran += cases;
    if (values.path !== undefined) {
      console.log(`  ${target.name}: the case at path ${values.path} passed`);
      continue;
    }
    const rate = Math.round(cases / (ms / 1000));
    console.log(
      `  ${target.name.padEnd(15)} ${String(cases).padStart(7)} ${target.unit.padEnd(17)}` +
        `${(ms / 1000).toFixed(1).padStart(6)} s  ${String(rate).padStart(6)}/s  ok`,
    );
    if (target.name === "live") {
      const parts = Object.entries(liveStats).map(([k, v]) => `${k}: ${v}`);
      console.log(`    ${parts.join(", ")}`);
    }
  } catch (error) {
    if (!(error instanceof FuzzFailure)) throw error;
    console.log(`  ${target.name.padEnd(15)} ${String(cases).padStart(7)} ${target.unit} FAILED`);
    failure = error;
    break;
  }
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
if (failure) {
  console.error(`\n${failure.message}`);
  console.error(`\nfuzz: FAILED (seed ${seed}) after ${seconds} s`);
  console.error(`replay: ${failure.replay}`);
  Deno.exit(1);
}
console.log(`fuzz: ${ran} cases passed in ${seconds} s (seed ${seed})`);
