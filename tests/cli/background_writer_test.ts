/**
 * Log lines written in the background: queued at once, written in order,
 * dropped and counted past a bound while the output is stuck, and the
 * count said once it takes lines again.
 *
 * @module
 */

import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { BackgroundWriter } from "../../src/cli/background_writer.ts";

const decoder = new TextDecoder();

/** An output whose writes wait until the test lets them through. */
function stuckOutput() {
  const written: string[] = [];
  const waiting: (() => void)[] = [];
  let open = false;
  return {
    written,
    write(bytes: Uint8Array): Promise<number> {
      const take = () => {
        written.push(decoder.decode(bytes));
        return bytes.length;
      };
      if (open) return Promise.resolve(take());
      return new Promise((resolve) => waiting.push(() => resolve(take())));
    },
    release(): void {
      open = true;
      for (const go of waiting.splice(0)) go();
    },
  };
}

Deno.test("BackgroundWriter: push() never waits; lines are written in order", async () => {
  const output = stuckOutput();
  const writer = new BackgroundWriter({ write: output.write, dropped: (n) => `dropped ${n}\n` });
  for (let i = 0; i < 5; i++) writer.push(`line ${i}\n`);
  deepStrictEqual(output.written, [], "nothing written while the output is stuck");
  output.release();
  await writer.flush(1000);
  deepStrictEqual(output.written.join(""), [0, 1, 2, 3, 4].map((i) => `line ${i}\n`).join(""));
  strictEqual(writer.waiting, 0);
});

Deno.test("BackgroundWriter: past its bound it drops lines, and says how many once there is room", async () => {
  const output = stuckOutput();
  const writer = new BackgroundWriter({
    write: output.write,
    dropped: (n) => `${n} dropped\n`,
    maxWaiting: 20,
  });
  for (let i = 0; i < 10; i++) writer.push(`line ${i}\n`); // 7 bytes each
  strictEqual(writer.dropped, 7, "3 lines fit in 20 bytes");
  output.release();
  await writer.flush(1000);
  writer.push("after\n");
  await writer.flush(1000);
  deepStrictEqual(output.written.join(""), "line 0\nline 1\nline 2\n7 dropped\nafter\n");
});

Deno.test("BackgroundWriter: an output that fails takes nothing more, and flush() does not wait for it", async () => {
  let calls = 0;
  const writer = new BackgroundWriter({
    write: () => {
      calls++;
      return Promise.reject(new Error("closed pipe"));
    },
    dropped: () => "",
  });
  writer.push("a\n");
  await writer.flush(1000);
  strictEqual(writer.waiting, 0);
  strictEqual(calls, 1);
});
