/**
 * Log setup for the command line: LogTape to standard error, as text (each
 * line with its level) or as one JSON object per line, written in the
 * background so that the server never waits for its log (CLI.md, "Logs"):
 * when standard error cannot keep up, records are dropped and a later line
 * says how many; warnings of one kind at most once a second.
 *
 * @module
 */

import {
  configureSync,
  defaultTextFormatter,
  jsonLinesFormatter,
  type LogLevel,
  type LogRecord,
} from "@logtape/logtape";
import { BackgroundWriter } from "./background_writer.ts";
import { throttleWarnings } from "./warning_throttle.ts";

/** The levels `--log-level` takes. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
/** The formats `--log-format` takes. */
export const LOG_FORMATS = ["text", "json"] as const;

const LEVEL_NAMES: Record<(typeof LOG_LEVELS)[number], LogLevel> = {
  debug: "debug",
  info: "info",
  warn: "warning",
  error: "error",
};

/** The log once set up: what is still to be written can be waited for. */
export interface Logs {
  /** Resolves once every record so far is written to standard error, or after `ms`. */
  flush(ms: number): Promise<void>;
}

/** The record that says `count` records were dropped. */
function droppedRecord(count: number): LogRecord {
  const text = `${count} log records dropped: standard error was not keeping up`;
  return {
    category: ["chat", "log"],
    level: "warning",
    message: [text],
    rawMessage: text,
    timestamp: Date.now(),
    properties: { dropped: count },
  };
}

/**
 * Sends the `chat` loggers to standard error at `level` and above, in
 * `format`, written in the background by `write` (default: standard error's).
 */
export function setupLogging(
  level: (typeof LOG_LEVELS)[number],
  format: (typeof LOG_FORMATS)[number],
  write: (bytes: Uint8Array) => Promise<number> = (bytes) => Deno.stderr.write(bytes),
): Logs {
  const formatter = format === "json" ? jsonLinesFormatter : defaultTextFormatter;
  const writer = new BackgroundWriter({
    write,
    dropped: (count) => formatter(droppedRecord(count)),
  });
  const sink = throttleWarnings((record) => writer.push(formatter(record)));
  configureSync({
    reset: true,
    sinks: { stderr: sink },
    loggers: [
      { category: ["chat"], lowestLevel: LEVEL_NAMES[level], sinks: ["stderr"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
    ],
  });
  return { flush: (ms) => writer.flush(ms) };
}
