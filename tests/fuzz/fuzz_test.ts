/**
 * A bounded slice of `deno task fuzz` with a fixed seed: the same targets
 * and code paths (decoder, validator, live server over TCP and Unix), a
 * few seconds in all. A failure names the seed and the replay command.
 */

import fc from "fast-check";
import { ok, rejects } from "node:assert/strict";
import { assertProperty, FuzzFailure, type Target } from "../../fuzz/harness.ts";
import { runTarget, TARGETS } from "../../fuzz/targets.ts";

/** The fixed seed of the slice. */
const SEED = 20_250_601;

/** Cases per target in the slice. */
const SLICE: Record<string, number> = {
  "decoder-bytes": 3000,
  "decoder-stream": 1000,
  "validator": 6000,
  "live": 320,
};

Deno.test("fuzz slice covers every target", () => {
  for (const target of TARGETS) ok(SLICE[target.name] > 0, `no slice for ${target.name}`);
});

Deno.test("a failing fuzz target reports its seed, the replay command and the error", async () => {
  const failing: Target = {
    name: "always-fails",
    weight: 1,
    unit: "cases",
    run(options) {
      assertProperty(fc.nat(), (n) => ok(n < 0, `${n} is not negative`), options);
      return Promise.resolve();
    },
  };
  await rejects(runTarget(failing, 42, 10), (error: unknown) => {
    ok(error instanceof FuzzFailure);
    ok(error.message.includes("seed 42"), error.message);
    ok(error.message.includes("deno task fuzz --target always-fails --seed 42 --cases 10"));
    ok(/--path \S+/.test(error.message), "the command to replay the failing case alone");
    ok(error.message.includes("is not negative"), "the property's own error");
    return true;
  });
});

for (const target of TARGETS) {
  Deno.test(`fuzz slice: ${target.name}, ${SLICE[target.name]} ${target.unit}, seed ${SEED}`, async () => {
    try {
      await runTarget(target, SEED, SLICE[target.name]);
    } catch (error) {
      // The message holds the seed and `deno task fuzz --target ... --seed ... --cases ...`.
      if (error instanceof FuzzFailure) throw new Error(error.message, { cause: error.cause });
      throw error;
    }
  });
}
