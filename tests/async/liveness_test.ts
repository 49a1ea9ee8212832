import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { ManualClock } from "../../src/async/clock.ts";
import { Liveness } from "../../src/async/liveness.ts";

const heartbeat = { interval: 5, timeout: 10, retries: 3 };

function watch(clock: ManualClock): { liveness: Liveness; dead: number[]; beats: number[] } {
  const dead: number[] = [];
  const beats: number[] = [];
  const liveness = new Liveness({
    heartbeat,
    clock,
    onDead: (silent) => dead.push(silent),
    onBeat: () => beats.push(clock.now()),
  });
  return { liveness, dead, beats };
}

Deno.test("Liveness.check() is alive up to timeout × retries of silence, dead after", () => {
  const clock = new ManualClock(1_000_000);
  const { liveness, dead } = watch(clock);
  strictEqual(liveness.silenceMs, 30_000);
  strictEqual(liveness.deadline, 1_030_000);
  clock.advance(30_000);
  strictEqual(liveness.check(), true);
  clock.advance(1);
  strictEqual(liveness.check(), false);
  deepStrictEqual(dead, [30_001]);
  strictEqual(liveness.dead, true);
});

Deno.test("Liveness.check() calls onDead once", () => {
  const clock = new ManualClock();
  const { liveness, dead } = watch(clock);
  clock.advance(40_000);
  liveness.check();
  liveness.check();
  liveness.seen();
  liveness.check(clock.now() + 100_000);
  deepStrictEqual(dead, [40_000]);
});

Deno.test("Liveness.seen() starts the allowed silence again", () => {
  const clock = new ManualClock();
  const { liveness, dead } = watch(clock);
  for (let i = 0; i < 10; i++) {
    clock.advance(29_000);
    liveness.seen();
    strictEqual(liveness.check(), true);
  }
  strictEqual(liveness.lastSeen, 290_000);
  deepStrictEqual(dead, []);
});

Deno.test("Liveness.allow() sets a one-off deadline, seen() returns to the usual one", () => {
  const clock = new ManualClock();
  const { liveness, dead } = watch(clock);
  liveness.allow(2_000);
  strictEqual(liveness.deadline, 2_000);
  liveness.seen();
  strictEqual(liveness.deadline, 30_000);
  liveness.allow(500);
  clock.advance(501);
  strictEqual(liveness.check(), false);
  deepStrictEqual(dead, [501]);
});

Deno.test("Liveness.start() beats every interval while alive, then reports the death", () => {
  const clock = new ManualClock();
  const { liveness, dead, beats } = watch(clock);
  liveness.start();
  liveness.start(); // a second start changes nothing
  clock.advance(30_000);
  deepStrictEqual(beats, [5_000, 10_000, 15_000, 20_000, 25_000, 30_000]);
  clock.advance(5_000);
  deepStrictEqual(dead, [35_000]);
  strictEqual(beats.length, 6);
  clock.advance(60_000);
  strictEqual(beats.length, 6, "no beat after death: the timer stopped");
});

Deno.test("Liveness.stop() stops the beats and the checks", () => {
  const clock = new ManualClock();
  const { liveness, dead, beats } = watch(clock);
  liveness.start();
  clock.advance(10_000);
  liveness.stop();
  clock.advance(100_000);
  deepStrictEqual(beats, [5_000, 10_000]);
  deepStrictEqual(dead, []);
});

Deno.test("ManualClock.advance() fires timers in time order, each at its own time", () => {
  const clock = new ManualClock();
  const fired: string[] = [];
  const stopA = clock.every(3, () => fired.push(`a${clock.now()}`));
  clock.every(5, () => fired.push(`b${clock.now()}`));
  clock.advance(10);
  stopA();
  clock.advance(5);
  deepStrictEqual(fired, ["a3", "b5", "a6", "a9", "b10", "b15"]);
  strictEqual(clock.now(), 15);
});
