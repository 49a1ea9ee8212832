/**
 * Reading text line by line from a byte stream.
 *
 * @module
 */

/** Yields the lines of a byte stream (without `\n` or `\r\n`) as they arrive. */
export async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let rest = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    rest += text;
    let newline: number;
    while ((newline = rest.indexOf("\n")) >= 0) {
      yield rest.slice(0, newline).replace(/\r$/, "");
      rest = rest.slice(newline + 1);
    }
  }
  if (rest !== "") yield rest;
}
