/**
 * A property on real sockets: a receiver cut at random points, while
 * random senders write to everyone, to rooms and directly, receives every
 * message meant for it exactly once and in order, across its resumes, as
 * a model of the audience says (PROTOCOL.md section 9).
 */

import fc from "fast-check";
import "../helpers/property.ts";
import { resumePlans } from "../helpers/resume_plan.ts";
import { ResumeRun } from "../helpers/resume_run.ts";
import { startServer } from "../helpers/server.ts";

const steps = resumePlans(60);

Deno.test("a receiver cut at random points and resumed gets every message meant for it once, in order", async () => {
  await fc.assert(
    fc.asyncProperty(steps, fc.boolean(), async (plan, unix) => {
      await using s = await startServer();
      const at = unix ? s.unix : s.tcp;
      await using run = await ResumeRun.start({
        receiver: at,
        sender: (i) => i % 2 === 0 ? s.tcp : s.unix,
        // On its own transport while the plan runs, over TCP after it.
        resumeAt: (last) => last ? s.tcp : at,
      });
      await run.play(plan);
      await run.check();
    }),
    { numRuns: 30 },
  );
});
