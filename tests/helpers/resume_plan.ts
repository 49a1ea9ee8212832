/**
 * The plans of the resume properties (a server alone, and a cluster): a
 * receiver in room r1, three senders in their rooms, and random steps,
 * each a message from a sender to an audience, or a cut of the receiver
 * (or, cut, its resume).
 *
 * @module
 */

import fc from "fast-check";

/** Who a message is for. */
export type Audience = "everyone" | "r1" | "r2" | "dm-receiver" | "dm-sender";

/** One step: a sender writes a message, or the receiver's connection is cut (or, cut, resumes). */
export type Step = { kind: "send"; sender: number; to: Audience } | { kind: "cut" };

/** The rooms of each sender; the receiver is in r1. */
export const SENDER_ROOMS: readonly (readonly string[])[] = [["r1", "r2"], ["r1"], ["r2"]];

/** Plans of 1 to `maxLength` steps, six sends for each cut. */
export function resumePlans(maxLength: number): fc.Arbitrary<Step[]> {
  return fc.array(
    fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record({
          kind: fc.constant("send" as const),
          sender: fc.integer({ min: 0, max: SENDER_ROOMS.length - 1 }),
          to: fc.constantFrom<Audience>("everyone", "r1", "r2", "dm-receiver", "dm-sender"),
        }),
      },
      { weight: 1, arbitrary: fc.constant({ kind: "cut" as const }) },
    ),
    { minLength: 1, maxLength },
  );
}

/** The audience of a send: a room its sender is not in becomes everyone. */
export function audienceOf(step: { sender: number; to: Audience }): Audience {
  const { sender, to } = step;
  return (to === "r1" || to === "r2") && !SENDER_ROOMS[sender].includes(to) ? "everyone" : to;
}

/** Whether the receiver (in r1) gets a message to `to`. */
export function forReceiver(to: Audience): boolean {
  return to === "everyone" || to === "dm-receiver" || to === "r1";
}
