/**
 * A property on three real `chat server --cluster` processes and a real
 * nats-server: a receiver cut at random points, while random senders on
 * every node write to everyone, to rooms and directly, and resumed each
 * time on another node than the last, receives every message meant for it
 * exactly once and in seq order, as a model of the audience says
 * (PROTOCOL.md section 9). One cluster serves every run; each run has its
 * own names and rooms.
 *
 * @module
 */

import fc from "fast-check";
import "../../helpers/property.ts";
import { resumePlans } from "../../helpers/resume_plan.ts";
import { ResumeRun } from "../../helpers/resume_run.ts";
import { eventually, natsTest, startCluster, who, whoShows } from "../../helpers/cluster.ts";

const steps = resumePlans(40);

natsTest(
  "in a cluster, a receiver cut at random points and resumed on another node each time gets every message meant for it once, in order",
  async () => {
    await using cluster = await startCluster(3);
    const nodes = cluster.nodes.map((node) => node.addresses.tcp!);
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(steps, fc.integer({ min: 0, max: 2 }), async (plan, first) => {
        const r = ++runs;
        let at = first;
        await using run = await ResumeRun.start({
          name: (who) => `${who}${r}`,
          room: (base) => `${base}-${r}`,
          receiver: nodes[at],
          sender: (i) => nodes[i],
          resumeAt: () => nodes[at = (at + 1) % nodes.length],
          // Every sender's node lists the receiver on its new node before a message names it.
          resumed: async (run) => {
            const receiverId = run.receiver.sessionId;
            for (const sender of run.senders) {
              await eventually("the receiver back in who", async () => {
                const entry = (await who(sender)).find((e) => e.session_id === receiverId);
                return entry && !entry.away ? entry : undefined;
              });
            }
          },
        });
        // Every sender's node lists the room's members and the receiver before the first send.
        for (const sender of run.senders) {
          await whoShows(
            sender,
            [run.name("receiver"), run.name("sender0"), run.name("sender1")],
            run.room("r1"),
          );
        }
        await run.play(plan);
        await run.check();
      }),
      { numRuns: 20 },
    );
  },
);
