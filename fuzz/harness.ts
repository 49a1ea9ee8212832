/**
 * What every fuzz target shares: its shape, the seed each target derives
 * from the run's seed, and a failure that carries the command to replay it.
 *
 * @module
 */

import fc from "fast-check";

/** How one target is run. */
export interface RunOptions {
  /** The fast-check seed of this target. */
  seed: number;
  /** How many cases (a case is what the target's `unit` says). */
  cases: number;
  /** A fast-check path, to replay one failing case only. */
  path?: string;
}

/** A fuzz target. */
export interface Target {
  /** Its name, for `--target`. */
  readonly name: string;
  /** Its share of a full run's cases. */
  readonly weight: number;
  /** What one case is. */
  readonly unit: string;
  /** Runs `options.cases` cases; throws a {@linkcode FuzzFailure} on the first failure. */
  run(options: RunOptions): Promise<void>;
}

/** The cases of a full run, shared among the targets by weight. */
export const DEFAULT_CASES = 200_000;

/** The seed of one target: a hash of the run's seed and the target's name. */
export function targetSeed(seed: number, name: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h | 0;
}

/** The command that replays one target of a run. */
export function replayCommand(
  target: string,
  seed: number,
  cases: number,
  path?: string,
): string {
  const parts = ["deno task fuzz", `--target ${target}`, `--seed ${seed}`, `--cases ${cases}`];
  if (path !== undefined) parts.push(`--path ${path}`);
  return parts.join(" ");
}

/** How much of fast-check's report (the counterexample can be huge) a failure shows. */
const REPORT_MAX = 4000;

/** A target failed: the message says which, with what seed, and how to replay it. */
export class FuzzFailure extends Error {
  /** The target that failed. */
  readonly target: string;
  /** The run's seed. */
  readonly seed: number;
  /** The command to replay the whole target run. */
  readonly replay: string;
  /** The command to replay the failing case only, when fast-check gave its path. */
  readonly replayCase: string | undefined;

  /** Wraps the error of a failed target run. */
  constructor(target: string, seed: number, cases: number, cause: unknown) {
    const report = cause instanceof Error ? cause.message : String(cause);
    const path = /path: "([^"]*)"/.exec(report)?.[1];
    // fast-check keeps the property's own error as the cause of its report.
    const inner = cause instanceof Error ? cause.cause : undefined;
    const why = inner instanceof Error ? inner.message : inner === undefined ? "" : String(inner);
    const detail = [
      ...(why ? [`error: ${why}`] : []),
      report.length > REPORT_MAX
        ? `${report.slice(0, REPORT_MAX)}... (${report.length - REPORT_MAX} more characters)`
        : report,
    ].join("\n");
    const replay = replayCommand(target, seed, cases);
    const replayCase = path === undefined ? undefined : replayCommand(target, seed, cases, path);
    super(
      [
        `fuzz target ${target} failed with seed ${seed} (${cases} cases)`,
        `replay: ${replay}`,
        ...(replayCase ? [`replay the failing case only: ${replayCase}`] : []),
        detail,
      ].join("\n"),
      { cause },
    );
    this.name = "FuzzFailure";
    this.target = target;
    this.seed = seed;
    this.replay = replay;
    this.replayCase = replayCase;
  }
}

/**
 * Runs a synchronous property `cases` times with the target's seed (or
 * only the case at `path`); returns how many cases ran.
 */
export function assertProperty<T>(
  arb: fc.Arbitrary<T>,
  check: (value: T) => void,
  options: RunOptions,
): number {
  let count = 0;
  fc.assert(
    fc.property(arb, (value) => {
      count++;
      check(value);
    }),
    { seed: options.seed, numRuns: options.cases, path: options.path },
  );
  return count;
}
