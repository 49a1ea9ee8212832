/**
 * The fuzz targets of a run, how a run's cases are shared among them, and
 * running one with its failure wrapped in a {@linkcode FuzzFailure}.
 *
 * @module
 */

import { pureTargets } from "./decoder_fuzz.ts";
import { FuzzFailure, type Target, targetSeed } from "./harness.ts";
import { liveTarget } from "./live_fuzz.ts";

/** Every target, in the order a run goes through them. */
export const TARGETS: readonly Target[] = [...pureTargets, liveTarget];

/** The cases each selected target gets out of `total`, by weight (at least one each). */
export function shareCases(targets: readonly Target[], total: number): number[] {
  const sum = targets.reduce((s, t) => s + t.weight, 0);
  return targets.map((t) => Math.max(1, Math.round((total * t.weight) / sum)));
}

/**
 * Runs `cases` cases of `target` with the seed it derives from `seed`;
 * returns the milliseconds taken. Throws a {@linkcode FuzzFailure} that
 * names the seed and the command to replay it.
 */
export async function runTarget(
  target: Target,
  seed: number,
  cases: number,
  path?: string,
): Promise<number> {
  const start = performance.now();
  try {
    await target.run({ seed: targetSeed(seed, target.name), cases, path });
  } catch (error) {
    throw new FuzzFailure(target.name, seed, cases, error);
  }
  return performance.now() - start;
}
