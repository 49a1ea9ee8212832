/**
 * A node's link to a real NATS: its sleep that a stop cuts short, the
 * generations that make old restores give up, the requests and loops it
 * keeps (and logs when they fail), and NATS going away and coming back.
 *
 * @module
 */

import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { ManualClock } from "../../../src/async/clock.ts";
import { NatsLink, Superseded } from "../../../src/server/cluster/link.ts";
import { within } from "../../../src/async/deadline.ts";
import { natsTest, SPREAD_MS, startNats } from "../../helpers/cluster.ts";

natsTest(
  "NatsLink: sync, generations, sleep cut short by a stop, requests and loops kept until they settle",
  async () => {
    await using nats = await startNats();
    const clock = new ManualClock(1_000_000);
    const link = new NatsLink(nats.url, clock);
    ok(!link.opened);
    await link.connect("test link", 2000, { lost: () => {}, regained: () => {} });
    ok(link.opened && link.connected && !link.synced);
    clock.advance(500);
    link.sync();
    ok(link.synced);
    strictEqual(link.syncedAt, 1_000_500, "by the link's clock");
    link.unsync();
    ok(!link.synced);
    // A request and a loop that fail are logged, not thrown.
    link.track(Promise.reject(new Error("a request failed")));
    link.task(Promise.reject(new Error("a loop failed")));
    let settled = false;
    const request = Promise.withResolvers<void>();
    link.track(request.promise.then(() => settled = true));
    // A restore of an older generation gives up.
    const generation = link.generation;
    link.assertCurrent(generation);
    const sleeping = link.sleep(60_000);
    ok(link.halt(), "the first halt stops it");
    ok(!link.halt(), "a second halt does nothing");
    ok(link.stopping);
    await sleeping; // cut short: not a minute
    const draining = link.drain();
    request.resolve();
    await draining;
    ok(settled, "drain waited for the request of the live generation");
    throws(() => link.assertCurrent(generation), Superseded);
    strictEqual(link.generation, generation + 1);
    await link.close();
  },
);

natsTest(
  "NatsLink: NATS going away and coming back is told once each, with a new generation",
  async () => {
    await using nats = await startNats();
    const events: string[] = [];
    const back = Promise.withResolvers<void>();
    const link = new NatsLink(nats.url, new ManualClock());
    await link.connect("test link", 1000, {
      lost: () => events.push("lost"),
      regained: (generation) => {
        events.push(`regained ${generation}`);
        back.resolve();
      },
    });
    link.sync();
    const before = link.generation;
    await nats.kill();
    await nats.restart();
    await within(back.promise, SPREAD_MS, "NATS back");
    deepStrictEqual(events, ["lost", `regained ${before + 2}`]);
    ok(link.connected && !link.synced, "back, and out of sync until a restore");
    link.halt();
    await link.drain();
    await link.close();
  },
);
