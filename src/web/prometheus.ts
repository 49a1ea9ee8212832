/**
 * The Prometheus text exposition format, version 0.0.4: a `# HELP` and a
 * `# TYPE` line per metric family, then one sample per line, with label
 * values and help texts escaped.
 *
 * @module
 */

/** The content type of the format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** One sample of a family: its labels and value. */
export interface Sample {
  /** Label names and values (values are escaped on output). */
  labels?: Record<string, string>;
  /** The value. */
  value: number;
}

/** A metric family: a name, its help, its type and its samples. */
export interface MetricFamily {
  /** The metric name, such as `chat_messages_total`. */
  name: string;
  /** One line of help (escaped on output). */
  help: string;
  /** The metric type. */
  type: "counter" | "gauge";
  /** Its samples, one line each. */
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A help text: backslash and line feed escaped. */
function escapeHelp(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}

/** A label value: backslash, double quote and line feed escaped. */
function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

/** A sample value as the format writes it (`+Inf`, `-Inf`, `NaN` for the others). */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

/**
 * The exposition of `families`. A metric or label name outside the
 * format's alphabet throws a `RangeError` (a bug, not data).
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { exposition } from "./prometheus.ts";
 * const text = exposition([{
 *   name: "chat_errors_total",
 *   help: "Error frames sent, by code.",
 *   type: "counter",
 *   samples: [{ labels: { code: 'say "hi"' }, value: 2 }],
 * }]);
 * strictEqual(
 *   text,
 *   '# HELP chat_errors_total Error frames sent, by code.\n' +
 *     "# TYPE chat_errors_total counter\n" +
 *     'chat_errors_total{code="say \\"hi\\""} 2\n',
 * );
 * ```
 */
export function exposition(families: readonly MetricFamily[]): string {
  let text = "";
  for (const { name, help, type, samples } of families) {
    if (!METRIC_NAME.test(name)) throw new RangeError(`not a metric name: ${name}`);
    text += `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`;
    for (const { labels, value } of samples) {
      const pairs = Object.entries(labels ?? {}).map(([label, labelValue]) => {
        if (!LABEL_NAME.test(label) || label.startsWith("__")) {
          throw new RangeError(`not a label name: ${label}`);
        }
        return `${label}="${escapeLabel(labelValue)}"`;
      });
      text += `${name}${pairs.length > 0 ? `{${pairs.join(",")}}` : ""} ${formatValue(value)}\n`;
    }
  }
  return text;
}
