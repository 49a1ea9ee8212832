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

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import fc from "fast-check";
import "../../helpers/property.ts";
import { audienceOf, forReceiver, resumePlans, SENDER_ROOMS } from "../../helpers/resume_plan.ts";
import type { Frame } from "../../../src/protocol/messages.ts";
import { eventually, natsTest, startCluster, who, whoShows } from "../../helpers/cluster.ts";
import type { RawClient } from "../../helpers/raw_client.ts";
import { resumeOn } from "../../helpers/resume.ts";
import { ready } from "../../helpers/session.ts";

const steps = resumePlans(40);

natsTest(
  "in a cluster, a receiver cut at random points and resumed on another node each time gets every message meant for it once, in order",
  async () => {
    await using cluster = await startCluster(3);
    const nodes = cluster.nodes.map((node) => node.addresses.tcp!);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(steps, fc.integer({ min: 0, max: 2 }), async (plan, first) => {
        const r = ++run;
        const name = (who: string) => `${who}${r}`;
        const room = (base: string) => `${base}-${r}`;
        const senders: RawClient[] = [];
        let at = first;
        let receiver = await ready(nodes[at], { name: name("receiver") });
        try {
          for (const [i, rooms] of SENDER_ROOMS.entries()) {
            const sender = await ready(nodes[i], { name: name(`sender${i}`) });
            senders.push(sender);
            for (const base of rooms) {
              await sender.say({ type: "join", content: room(base), id: base });
              await sender.ackOf(base);
            }
          }
          await receiver.say({ type: "join", content: room("r1"), id: "j" });
          await receiver.ackOf("j");
          // Every sender's node lists the room's members and the receiver before the first send.
          for (const sender of senders) {
            await whoShows(
              sender,
              [name("receiver"), name("sender0"), name("sender1")],
              room("r1"),
            );
          }
          let token = receiver.init!.resume_token as string;
          const receiverId = receiver.sessionId;
          const received: number[] = [];
          const expected: Promise<number | undefined>[] = [];
          let connected = true;
          let sent = 0;
          const take = (frame: Frame) => {
            if (frame.type === "message") received.push(frame.seq as number);
          };
          receiver.onFrame = take;
          const resume = async () => {
            at = (at + 1) % nodes.length;
            const back = await resumeOn(nodes[at], token, Math.max(0, ...received));
            strictEqual((back.resumed.content as { recovered: boolean }).recovered, true);
            for (const frame of back.replayed) take(frame);
            token = back.resumed.resume_token as string;
            receiver = back.client;
            receiver.onFrame = take;
            connected = true;
            // Every sender's node lists it on its new node before a message names it.
            for (const sender of senders) {
              await eventually("the receiver back in who", async () => {
                const entry = (await who(sender)).find((e) => e.session_id === receiverId);
                return entry && !entry.away ? entry : undefined;
              });
            }
          };
          for (const step of plan) {
            if (step.kind === "cut") {
              if (connected) {
                await receiver.close();
                connected = false;
              } else {
                await resume();
              }
              continue;
            }
            const sender = senders[step.sender];
            const to = audienceOf(step);
            const frame: Frame = { type: "message", content: `m${sent}`, id: sent };
            if (to === "r1" || to === "r2") frame.room = room(to);
            if (to === "dm-receiver") frame.to = name("receiver");
            if (to === "dm-sender") frame.to = name(`sender${(step.sender + 1) % 3}`);
            await sender.say(frame);
            const id = sent++;
            expected.push(
              sender.ackOf(id).then((ack) => {
                ok(typeof ack.seq === "number", JSON.stringify(ack));
                return forReceiver(to) ? ack.seq as number : undefined;
              }),
            );
          }
          if (!connected) await resume();
          // The model: every message for the receiver, in the order of its seq (messages to
          // everyone reach only who was there when they were sent: the receiver always was).
          const want = (await Promise.all(expected)).filter((seq) => seq !== undefined)
            .sort((a, b) => a - b);
          await receiver.until(
            () => received.length >= want.length || undefined,
            "the last messages",
          );
          deepStrictEqual(received, want);
        } finally {
          await receiver.say({ type: "disconnect", content: "bye" }).catch(() => {});
          await receiver.close();
          for (const sender of senders) {
            await sender.say({ type: "disconnect", content: "bye" }).catch(() => {});
            await sender.close();
          }
        }
      }),
      { numRuns: 20 },
    );
  },
);
