/**
 * One seed for every property test of `deno task test`, so a run is
 * repeatable: `FC_SEED=<n> deno task test` tries another one, and a failure
 * prints the seed and path to replay. `deno task fuzz` explores at random.
 *
 * @module
 */

import fc from "fast-check";

/** The seed the property tests run with. */
export const PROPERTY_SEED: number = Number(Deno.env.get("FC_SEED") ?? 20261125);

fc.configureGlobal({ seed: PROPERTY_SEED });
