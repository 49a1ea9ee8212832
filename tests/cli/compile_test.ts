/**
 * The compiled `chat` binary: built for the host target with the runtime
 * named by `DENORT_BIN` (`deno compile` cannot download it offline), then
 * run as `chat --version` and `chat server --port 0 --http 127.0.0.1:0`, whose
 * web page comes out of the binary itself.
 *
 * @module
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { compileTarget, isTarget } from "../../scripts/compile.ts";
import { within } from "../../src/async/deadline.ts";
import { PAGE_ASSETS } from "../../src/web/page_assets.ts";
import { fetchText } from "../helpers/websocket_wire.ts";

/** How long the server may take to print its address. */
const WAIT_MS = 10_000;

const denort = Deno.env.get("DENORT_BIN");
const host = Deno.build.target;
const target = isTarget(host) ? host : undefined;
const skip = !denort
  ? "DENORT_BIN is not set (deno compile would download denort, which needs the network)"
  : target === undefined
  ? `the host target ${host} is not one that deno task compile builds`
  : undefined;
if (skip !== undefined) console.log(`compile_test: skipped: ${skip}`);

/** All of a child's stderr, and the first line holding some text as soon as it shows. */
interface Watched {
  /** Resolves to the first line that holds the text; rejects if stderr ends first. */
  line: Promise<string>;
  /** Resolves to everything read once stderr ends. */
  all: Promise<string>;
}

/** Reads all of `stream` (so the child never writes to a closed pipe), watching for `text`. */
function watchStderr(stream: ReadableStream<Uint8Array>, text: string): Watched {
  const line = Promise.withResolvers<string>();
  const all = (async () => {
    let seen = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      seen += chunk;
      const found = seen.split("\n").slice(0, -1).find((l) => l.includes(text));
      if (found !== undefined) line.resolve(found);
    }
    line.reject(new Error(`stderr ended with no '${text}' line; got:\n${seen}`));
    return seen;
  })();
  return { line: line.promise, all };
}

Deno.test({
  name:
    "compiled chat binary runs --version, serves its web page from inside, and stops on SIGTERM",
  ignore: skip !== undefined,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "chat-compile-" });
    try {
      const binary = `${dir}/chat`;
      assertEquals(await compileTarget(target!, binary), 0);

      const version = await new Deno.Command(binary, { args: ["--version"], stdin: "null" })
        .output();
      const stdout = new TextDecoder().decode(version.stdout);
      assertEquals(version.code, 0);
      assert(stdout.includes("chat "), `--version printed ${JSON.stringify(stdout)}`);

      const server = new Deno.Command(binary, {
        args: ["server", "--host", "127.0.0.1", "--port", "0", "--http", "127.0.0.1:0"],
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
      const stderr = watchStderr(server.stderr, "listening on http://");
      let line: string;
      try {
        line = await within(stderr.line, WAIT_MS, "'listening on http://' line");
      } catch (error) {
        try {
          server.kill("SIGKILL");
        } catch {
          // It already exited.
        }
        await Promise.all([server.status, stderr.all]);
        throw error;
      }
      assert(/^listening on http:\/\/127\.0\.0\.1:[1-9]\d*$/.test(line), line);
      // The page, its script and its style are in the binary: no file is read for them.
      for (const [path, asset] of PAGE_ASSETS) {
        const page = await fetchText(`${line.slice("listening on ".length)}${path}`);
        assertEquals([page.status, page.body], [200, asset.body], path);
      }
      server.kill("SIGTERM");
      const [status, output] = await Promise.all([server.status, stderr.all]);
      assertEquals([status.code, status.signal], [0, null], output);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
