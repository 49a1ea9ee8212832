/**
 * Writing a whole buffer to a Deno writer, which may take less than all of
 * it in one write: loop until every byte is written.
 *
 * @module
 */

/** A writer that takes bytes at once, such as `Deno.stdout`. */
export interface SyncWriter {
  /** Writes some of `p`; returns how many bytes it wrote. */
  writeSync(p: Uint8Array): number;
}

/** A writer that takes bytes in time, such as a `Deno.Conn`. */
export interface Writer {
  /** Writes some of `p`; resolves to how many bytes it wrote. */
  write(p: Uint8Array): Promise<number>;
}

const encoder = new TextEncoder();

/** The bytes of `data`: text is encoded as UTF-8. */
function bytesOf(data: Uint8Array | string): Uint8Array {
  return typeof data === "string" ? encoder.encode(data) : data;
}

/**
 * Writes every byte of `data` (text as UTF-8) to `writer`, looping on partial
 * writes; a write error propagates.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { writeAllSync } from "./write_all.ts";
 *
 * const written: number[] = [];
 * // A writer that takes at most two bytes at a time.
 * const narrow = {
 *   writeSync(p: Uint8Array): number {
 *     const n = Math.min(2, p.length);
 *     written.push(...p.subarray(0, n));
 *     return n;
 *   },
 * };
 * writeAllSync(narrow, "hello");
 * strictEqual(new TextDecoder().decode(new Uint8Array(written)), "hello");
 * ```
 */
export function writeAllSync(writer: SyncWriter, data: Uint8Array | string): void {
  const bytes = bytesOf(data);
  let offset = 0;
  while (offset < bytes.length) offset += writer.writeSync(bytes.subarray(offset));
}

/**
 * Writes every byte of `data` (text as UTF-8) to `writer`, looping on partial
 * writes; a write error rejects.
 */
export async function writeAll(writer: Writer, data: Uint8Array | string): Promise<void> {
  const bytes = bytesOf(data);
  let offset = 0;
  while (offset < bytes.length) offset += await writer.write(bytes.subarray(offset));
}
