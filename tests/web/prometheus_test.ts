/**
 * The Prometheus text format 0.0.4 as `/metrics` writes it: HELP and TYPE
 * before each family's samples, one sample per line, help texts and label
 * values escaped, special values spelled out, bad names refused; and the
 * live endpoint's text checked line by line against the format.
 *
 * @module
 */

import {
  deepStrictEqual as assertEquals,
  match,
  ok,
  strictEqual,
  throws,
} from "node:assert/strict";
import { ServerMetrics } from "../../src/server/metrics.ts";
import { chatMetricFamilies } from "../../src/web/chat_metrics.ts";
import { exposition, PROMETHEUS_CONTENT_TYPE } from "../../src/web/prometheus.ts";
import { startWebServer } from "../helpers/server.ts";
import { ready } from "../helpers/session.ts";

const HELP = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) (?:[^\\\n]|\\\\|\\n)*$/;
const TYPE = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/;
const LABEL = String.raw`[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\\\|\\"|\\n)*"`;
const SAMPLE = new RegExp(
  String.raw`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:${LABEL})(?:,${LABEL})*\})? ` +
    String.raw`(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?|NaN|\+Inf|-Inf)$`,
);

/**
 * Checks `text` against the format: each family's HELP then TYPE, then its
 * samples; no family twice, no series twice; returns the samples by series.
 */
function parse(text: string): Map<string, number> {
  ok(text.endsWith("\n"), "ends with a line feed");
  const families = new Set<string>();
  const series = new Map<string, number>();
  let current: string | undefined;
  let expect: "help" | "type" | "sample" = "help";
  for (const line of text.slice(0, -1).split("\n")) {
    const help = line.match(HELP);
    if (help) {
      ok(!families.has(help[1]), `${help[1]} once`);
      families.add(help[1]);
      current = help[1];
      expect = "type";
      continue;
    }
    const type = line.match(TYPE);
    if (type) {
      strictEqual(expect, "type", line);
      strictEqual(type[1], current, line);
      expect = "sample";
      continue;
    }
    const sample = line.match(SAMPLE);
    ok(sample, `not a sample line: ${JSON.stringify(line)}`);
    strictEqual(expect, "sample", line);
    strictEqual(sample[1], current, `a sample of ${current}: ${line}`);
    const key = sample[1] + (sample[2] ?? "");
    ok(!series.has(key), `${key} once`);
    series.set(key, Number(sample[3].replace("+Inf", "Infinity")));
  }
  return series;
}

Deno.test("exposition() writes HELP and TYPE, then one sample per line, escaping help and label values", () => {
  const text = exposition([
    {
      name: "demo_total",
      help: 'a \\ back\nslash and "quotes"',
      type: "counter",
      samples: [
        { labels: { code: 'say "hi"\\\nbye', transport: "ws" }, value: 3 },
        { value: 0.5 },
        { labels: { code: "inf" }, value: Infinity },
        { labels: { code: "minus" }, value: -Infinity },
        { labels: { code: "nan" }, value: NaN },
      ],
    },
    { name: "demo_gauge", help: "plain", type: "gauge", samples: [] },
  ]);
  strictEqual(
    text,
    [
      '# HELP demo_total a \\\\ back\\nslash and "quotes"',
      "# TYPE demo_total counter",
      'demo_total{code="say \\"hi\\"\\\\\\nbye",transport="ws"} 3',
      "demo_total 0.5",
      'demo_total{code="inf"} +Inf',
      'demo_total{code="minus"} -Inf',
      'demo_total{code="nan"} NaN',
      "# HELP demo_gauge plain",
      "# TYPE demo_gauge gauge",
      "",
    ].join("\n"),
  );
  assertEquals(parse(text).get('demo_total{code="inf"}'), Infinity);
});

Deno.test("exposition() refuses names outside the format's alphabet", () => {
  const family = (name: string, label = "code") => [{
    name,
    help: "h",
    type: "gauge" as const,
    samples: [{ labels: { [label]: "v" }, value: 1 }],
  }];
  throws(() => exposition(family("chat-sessions")), RangeError);
  throws(() => exposition(family("1chat")), RangeError);
  throws(() => exposition(family("chat", "bad-label")), RangeError);
  throws(() => exposition(family("chat", "__reserved")), RangeError);
});

Deno.test("the chat's families list every transport and every error code, from zero", () => {
  const series = parse(exposition(chatMetricFamilies(new ServerMetrics())));
  for (const transport of ["tcp", "unix", "ws"]) {
    strictEqual(series.get(`chat_sessions{transport="${transport}"}`), 0);
    strictEqual(series.get(`chat_connections_total{transport="${transport}"}`), 0);
  }
  for (const code of ["invalid_json", "frame_too_large", "slow_consumer", "server_full"]) {
    strictEqual(series.get(`chat_errors_total{code="${code}"}`), 0);
  }
  for (const name of ["messages", "deliveries", "bytes_received", "bytes_sent"]) {
    strictEqual(series.get(`chat_${name}_total`), 0);
  }
});

Deno.test("GET /metrics answers the format's content type and text, and its counters move with the sessions", async () => {
  await using s = await startWebServer();
  const scrape = async () => {
    const response = await fetch(`${s.http}/metrics`);
    strictEqual(response.headers.get("content-type"), PROMETHEUS_CONTENT_TYPE);
    return parse(await response.text());
  };
  const before = await scrape();
  strictEqual(before.get('chat_sessions{transport="ws"}'), 0);
  await using web = await ready(s.ws, { name: "w" });
  await using tcp = await ready(s.tcp, { name: "t" });
  await web.say({ type: "message", content: "hi", id: 1 });
  await web.ackOf(1);
  await tcp.next("message");
  const after = await scrape();
  strictEqual(after.get('chat_sessions{transport="ws"}'), 1);
  strictEqual(after.get('chat_sessions{transport="tcp"}'), 1);
  strictEqual(after.get('chat_connections_total{transport="ws"}'), 1);
  strictEqual(after.get("chat_messages_total"), 1);
  strictEqual(after.get("chat_deliveries_total"), 1);
  match(String(after.get("chat_bytes_received_total")), /^[1-9]\d*$/);
});
