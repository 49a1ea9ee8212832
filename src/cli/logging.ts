/**
 * Log setup for the command line: LogTape to standard error, as text or as
 * one JSON object per line.
 *
 * @module
 */

import {
  configureSync,
  defaultTextFormatter,
  jsonLinesFormatter,
  type LogLevel,
  type LogRecord,
  type Sink,
} from "@logtape/logtape";
import { writeAllSync } from "../io/write_all.ts";

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

/** A sink that writes each formatted record to standard error at once. */
function stderrSink(format: (record: LogRecord) => string): Sink {
  return (record) => writeAllSync(Deno.stderr, format(record));
}

/** Sends the `chat` loggers to standard error at `level` and above, in `format`. */
export function setupLogging(
  level: (typeof LOG_LEVELS)[number],
  format: (typeof LOG_FORMATS)[number],
): void {
  const sink = stderrSink(format === "json" ? jsonLinesFormatter : defaultTextFormatter);
  configureSync({
    reset: true,
    sinks: { stderr: sink },
    loggers: [
      { category: ["chat"], lowestLevel: LEVEL_NAMES[level], sinks: ["stderr"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: ["stderr"] },
    ],
  });
}
