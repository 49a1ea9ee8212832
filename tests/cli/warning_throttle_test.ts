/**
 * Warnings of one kind at most once a second; the next one written says
 * how many were left out. Other levels pass untouched.
 *
 * @module
 */

import { deepStrictEqual } from "node:assert/strict";
import type { LogRecord } from "@logtape/logtape";
import { throttleWarnings } from "../../src/cli/warning_throttle.ts";

function record(level: LogRecord["level"], message: string, code?: string): LogRecord {
  return {
    category: ["chat"],
    level,
    message: [message],
    rawMessage: message,
    timestamp: 0,
    properties: code === undefined ? {} : { code },
  };
}

Deno.test("throttleWarnings: one warning of a kind a second, the next saying how many were left out", () => {
  let now = 0;
  const seen: string[] = [];
  const sink = throttleWarnings((r) => seen.push(`${r.level} ${r.message.join("")}`), () => now);
  for (let i = 0; i < 5; i++) sink(record("warning", `refused peer ${i}`, "server_full"));
  sink(record("warning", "refused x", "unauthorized")); // another code: its own kind
  sink(record("info", "opened")); // not a warning
  sink(record("info", "opened"));
  now = 999;
  sink(record("warning", "refused peer 5", "server_full"));
  now = 1000;
  sink(record("warning", "refused peer 6", "server_full"));
  now = 2500;
  sink(record("warning", "refused peer 7", "server_full"));
  sink(record("warning", "no code, one template")); // kind: the template
  sink(record("warning", "no code, one template"));
  deepStrictEqual(seen, [
    "warning refused peer 0",
    "warning refused x",
    "info opened",
    "info opened",
    "warning refused peer 6 (5 more like it left out)",
    "warning refused peer 7",
    "warning no code, one template",
  ]);
});
