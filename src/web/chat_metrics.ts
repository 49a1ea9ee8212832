/**
 * A server's counters as the metric families of `GET /metrics` (CLI.md).
 *
 * @module
 */

import type { PerTransport, ServerMetrics } from "../server/metrics.ts";
import type { MetricFamily, Sample } from "./prometheus.ts";

function byTransport(values: PerTransport): Sample[] {
  return Object.entries(values).map(([transport, value]) => ({ labels: { transport }, value }));
}

function counter(name: string, help: string, value: number): MetricFamily {
  return { name, help, type: "counter", samples: [{ value }] };
}

/** The families of `metrics`, in the order `/metrics` lists them. */
export function chatMetricFamilies(metrics: ServerMetrics): MetricFamily[] {
  return [
    {
      name: "chat_sessions",
      help: "Sessions connected now (handshake complete; away ones not counted), by transport.",
      type: "gauge",
      samples: byTransport(metrics.sessions),
    },
    {
      name: "chat_connections_total",
      help: "Connections accepted (a WebSocket at its upgrade), by transport.",
      type: "counter",
      samples: byTransport(metrics.connections),
    },
    counter("chat_messages_total", "Messages relayed.", metrics.messages),
    counter(
      "chat_deliveries_total",
      "Live copies of relayed frames written to sessions (replays not counted).",
      metrics.deliveries,
    ),
    {
      name: "chat_errors_total",
      help: "Error frames sent, by code.",
      type: "counter",
      samples: [...metrics.errors].map(([code, value]) => ({ labels: { code }, value })),
    },
    counter(
      "chat_bytes_received_total",
      "Bytes read from session connections (WebSocket framing included).",
      metrics.bytesReceived,
    ),
    counter(
      "chat_bytes_sent_total",
      "Bytes of frames written to session connections.",
      metrics.bytesSent,
    ),
  ];
}
