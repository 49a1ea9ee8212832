/**
 * The benchmark's table for the README: one line per place, each system's
 * median with the spread between rounds, chat's ratio to each, and the
 * server CPU per operation.
 *
 * @module
 */

import { placeKey, type Row } from "./rows.ts";
import type { Kind } from "./systems.ts";

const OTHERS: Kind[] = ["floor", "redis", "nats"];

const num = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits });

/** A per-operation cost, to two significant figures below 10. */
const cost = (n: number) => n >= 10 ? num(n, 1) : num(n, 2);

/** A median and the spread of the rounds around it (half the range, as a share), when several. */
function figure(r: Row): string {
  if (r.rounds < 2 || r.value === 0) return num(r.value);
  return `${num(r.value)} ±${Math.round(((r.max - r.min) / 2 / r.value) * 100)}%`;
}

/**
 * A Markdown table of `rows`: for each place, chat, the floor (Node's `net`
 * over sockets, `Deno.serve` over WebSocket), redis and nats, then chat /
 * each, then server CPU µs per operation of each.
 */
export function renderMarkdown(rows: Row[]): string {
  const places = new Map<string, Row[]>();
  for (const r of rows) places.set(placeKey(r), [...(places.get(placeKey(r)) ?? []), r]);
  const lines = [
    "| scenario | transport | load | metric | chat | floor | redis | nats | chat / floor | chat / redis | chat / nats | server CPU µs/op: chat / floor / redis / nats |",
    "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const group of places.values()) {
    const of = (kind: Kind) => group.find((r) => r.system === kind);
    const chat = of("chat");
    if (!chat) continue;
    const others = OTHERS.map(of);
    lines.push(
      [
        "",
        chat.scenario,
        chat.transport,
        chat.load,
        chat.metric,
        figure(chat),
        ...others.map((r) => r ? figure(r) : "–"),
        ...others.map((r) => r ? (chat.value / r.value).toFixed(2) : "–"),
        [chat, ...others].map((r) => r ? cost(r.cpuUs) : "–").join(" / "),
        "",
      ].join(" | ").trim(),
    );
  }
  return lines.join("\n") + "\n";
}
