/**
 * Attack: one session floods frames that produce no output while a control
 * session measures its heartbeat round trips (issue 11, fairness).
 *
 * @module
 */

import { Flooder, heartbeatRoundTrips } from "../../tests/helpers/flood.ts";
import { ready } from "../../tests/helpers/session.ts";
import { AttackTarget } from "./target.ts";

/** What the flood attack measured on one transport. */
export interface FloodFigures {
  transport: "tcp" | "unix";
  serverArgs: string[];
  /** Frames the flooder wrote (accepted by the socket). */
  flooded: number;
  /** Frames per second the flooder got through. */
  floodRate: number;
  /** The control session's heartbeat round trips, in ms. */
  p50: number;
  p99: number;
  max: number;
  samples: number;
  /** Whether the control session was cut. */
  controlCut: boolean;
}

/** Runs the flood for `ms` against a server of `root` started with `args`. */
export async function floodAttack(
  transport: "tcp" | "unix",
  args: string[],
  ms: number,
  root?: string,
): Promise<FloodFigures> {
  await using target = await AttackTarget.start(
    ["--heartbeat-timeout", "2", "--heartbeat-retries", "3", "--heartbeat-interval", "1", ...args],
    { root },
  );
  const to = transport === "tcp" ? target.tcp : target.unix;
  await using control = await ready(to, { name: "control" });
  const flooder = await Flooder.start(to);
  const started = performance.now();
  let trips;
  try {
    trips = await heartbeatRoundTrips(control, ms).catch(() => undefined);
  } finally {
    await flooder.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    transport,
    serverArgs: args,
    flooded: flooder.sent,
    floodRate: Math.round(flooder.sent / seconds),
    p50: round(trips?.p50),
    p99: round(trips?.p99),
    max: round(trips?.max),
    samples: trips?.samples.length ?? 0,
    controlCut: trips === undefined || control.ended,
  };
}

function round(n: number | undefined): number {
  return n === undefined ? NaN : Math.round(n * 100) / 100;
}
