/**
 * Warnings of one kind at most once a second (CLI.md, "Logs"): a kind is
 * the record's `code` property (one error code, whatever the peer), else
 * its message template. The next one of a kind written says, as a number,
 * how many were left out (its `left_out` property, and its message).
 *
 * @module
 */

import type { LogRecord, Sink } from "@logtape/logtape";

/** How often one kind of warning may be written, in milliseconds. */
export const WARNING_INTERVAL_MS = 1000;

/** The kind of a warning: its `code` property, else its message template. */
function kindOf(record: LogRecord): string {
  const code = record.properties.code;
  return typeof code === "string" ? `code:${code}` : `message:${String(record.rawMessage)}`;
}

/**
 * A sink that passes every record to `sink`, but writes each kind of
 * warning at most once every `intervalMs` (by `now`), counting the others.
 */
export function throttleWarnings(
  sink: Sink,
  now: () => number = Date.now,
  intervalMs: number = WARNING_INTERVAL_MS,
): Sink {
  const kinds = new Map<string, { last: number; leftOut: number }>();
  return (record) => {
    if (record.level !== "warning") return sink(record);
    const kind = kindOf(record);
    const time = now();
    const seen = kinds.get(kind);
    if (seen && time - seen.last < intervalMs) {
      seen.leftOut++;
      return;
    }
    const leftOut = seen?.leftOut ?? 0;
    kinds.set(kind, { last: time, leftOut: 0 });
    sink(leftOut === 0 ? record : withLeftOut(record, leftOut));
  };
}

/** `record` with how many of its kind were left out before it, in its message and properties. */
function withLeftOut(record: LogRecord, leftOut: number): LogRecord {
  const message = [...record.message];
  message[message.length - 1] = `${message[message.length - 1]} (${leftOut} more like it left out)`;
  return { ...record, message, properties: { ...record.properties, left_out: leftOut } };
}
