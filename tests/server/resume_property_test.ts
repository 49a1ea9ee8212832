/**
 * A property on real sockets: a receiver cut at random points, while
 * random senders write to everyone, to rooms and directly, receives every
 * message meant for it exactly once and in order, across its resumes, as
 * a model of the audience says (PROTOCOL.md section 9).
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import fc from "fast-check";
import "../helpers/property.ts";
import { audienceOf, forReceiver, resumePlans, SENDER_ROOMS } from "../helpers/resume_plan.ts";
import type { Frame } from "../../src/protocol/messages.ts";
import type { RawClient } from "../helpers/raw_client.ts";
import { resumeOn } from "../helpers/resume.ts";
import { startServer } from "../helpers/server.ts";
import { ready } from "../helpers/session.ts";

const steps = resumePlans(60);

Deno.test("a receiver cut at random points and resumed gets every message meant for it once, in order", async () => {
  await fc.assert(
    fc.asyncProperty(steps, fc.boolean(), async (plan, unix) => {
      await using s = await startServer();
      const senders: RawClient[] = [];
      let receiver = await ready(unix ? s.unix : s.tcp, { name: "receiver" });
      try {
        for (const [i, rooms] of SENDER_ROOMS.entries()) {
          const sender = await ready(i % 2 === 0 ? s.tcp : s.unix, { name: `sender${i}` });
          senders.push(sender);
          for (const room of rooms) {
            await sender.say({ type: "join", content: room, id: room });
            await sender.ackOf(room);
          }
        }
        await receiver.say({ type: "join", content: "r1", id: "j" });
        await receiver.ackOf("j");
        const token = { current: receiver.init!.resume_token as string };
        const received: number[] = [];
        const expected: Promise<number | undefined>[] = [];
        let connected = true;
        let sent = 0;
        const take = (frame: Frame) => {
          if (frame.type === "message") received.push(frame.seq as number);
        };
        receiver.onFrame = take;
        for (const step of plan) {
          if (step.kind === "cut") {
            if (connected) {
              await receiver.close();
              connected = false;
            } else {
              const after = Math.max(0, ...received);
              const back = await resumeOn(
                receiver.transport === "unix" ? s.unix : s.tcp,
                token.current,
                after,
              );
              strictEqual((back.resumed.content as { recovered: boolean }).recovered, true);
              for (const frame of back.replayed) take(frame);
              token.current = back.resumed.resume_token as string;
              receiver = back.client;
              receiver.onFrame = take;
              connected = true;
            }
            continue;
          }
          const sender = senders[step.sender];
          const to = audienceOf(step);
          const frame: Frame = { type: "message", content: `m${sent}`, id: sent };
          if (to === "r1" || to === "r2") frame.room = to;
          if (to === "dm-receiver") frame.to = "receiver";
          if (to === "dm-sender") frame.to = `sender${(step.sender + 1) % 3}`;
          await sender.say(frame);
          const id = sent++;
          const ack = sender.ackOf(id).then((a) => {
            ok(typeof a.seq === "number", JSON.stringify(a));
            return forReceiver(to) ? a.seq as number : undefined;
          });
          expected.push(ack);
        }
        if (!connected) {
          const back = await resumeOn(s.tcp, token.current, Math.max(0, ...received));
          strictEqual((back.resumed.content as { recovered: boolean }).recovered, true);
          for (const frame of back.replayed) received.push(frame.seq as number);
          receiver = back.client;
          receiver.onFrame = take;
        }
        // The model: every message for the receiver, in the order of its seq.
        const want = (await Promise.all(expected)).filter((seq) => seq !== undefined)
          .sort((a, b) => a - b);
        // Every message meant for the receiver was relayed before its ack: a round trip brings the last.
        await receiver.say({ type: "heartbeat", content: "ping", id: "p" });
        await receiver.until(
          () => received.length >= want.length || undefined,
          "the last messages",
        );
        deepStrictEqual(received, want);
      } finally {
        await receiver.close();
        await Promise.all(senders.map((sender) => sender.close()));
      }
    }),
    { numRuns: 30 },
  );
});
