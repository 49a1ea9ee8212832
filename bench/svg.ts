/**
 * The benchmark's chart: how throughput and cost grow with load, chat
 * beside the other systems over TCP, each point the median of the rounds
 * with a bar from the lowest to the highest round.
 *
 * @module
 */

import type { Row } from "./rows.ts";

interface Series {
  label: string;
  color: string;
  dashed: boolean;
  /** x, the median y, and the lowest and highest round's y. */
  points: [number, number, number, number][];
}

function panel(
  title: string,
  unit: string,
  series: Series[],
  x0: number,
  width: number,
  height: number,
): string {
  const pad = { left: 70, right: 30, top: 30, bottom: 40 };
  const xs = [...new Set(series.flatMap((s) => s.points.map(([x]) => x)))].sort((a, b) => a - b);
  const maxY =
    Math.max(1, ...series.flatMap((s) => s.points.map(([, y, , high]) => Math.max(y, high)))) *
    1.1;
  const px = (x: number) =>
    x0 + pad.left + (xs.indexOf(x) / Math.max(1, xs.length - 1)) * (width - pad.left - pad.right);
  const py = (y: number) => pad.top + (1 - y / maxY) * (height - pad.top - pad.bottom);
  const parts = [
    `<text x="${x0 + width / 2}" y="18" text-anchor="middle" font-weight="bold">${title}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const y = (maxY * i) / 4;
    parts.push(
      `<line x1="${x0 + pad.left}" x2="${x0 + width - pad.right}" y1="${py(y)}" y2="${
        py(y)
      }" stroke="#ddd"/>`,
      `<text x="${x0 + pad.left - 6}" y="${py(y) + 4}" text-anchor="end" font-size="11">${
        y.toLocaleString("en-US", { maximumSignificantDigits: 3 })
      }</text>`,
    );
  }
  for (const x of xs) {
    parts.push(
      `<text x="${px(x)}" y="${height - 20}" text-anchor="middle" font-size="11">${x}</text>`,
    );
  }
  parts.push(
    `<text x="${x0 + width / 2}" y="${
      height - 4
    }" text-anchor="middle" font-size="11">${unit}</text>`,
  );
  series.forEach((s, i) => {
    const d = s.points.map(([x, y], j) =>
      `${j === 0 ? "M" : "L"}${px(x).toFixed(1)},${py(y).toFixed(1)}`
    ).join(" ");
    parts.push(
      `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${
        s.dashed ? ' stroke-dasharray="5,4"' : ""
      }/>`,
      ...s.points.map(([x, y, low, high]) =>
        `<circle cx="${px(x)}" cy="${py(y)}" r="3" fill="${s.color}"/>` +
        `<line x1="${px(x)}" x2="${px(x)}" y1="${py(low)}" y2="${py(high)}" stroke="${s.color}"/>`
      ),
      `<text x="${x0 + pad.left + 8}" y="${
        pad.top + 14 + 14 * i
      }" font-size="11" fill="${s.color}">${s.label}</text>`,
    );
  });
  return parts.join("\n");
}

const COLORS: Record<string, string> = {
  chat: "#0b3d91",
  redis: "#c0392b",
  nats: "#27ae60",
  "node floor": "#8e44ad",
};

/** One series per system over TCP: the median and spread of `value` (the figure or its CPU). */
function seriesOf(rows: Row[], scenario: string, metric: string, cpu = false): Series[] {
  const picked = rows.filter((r) =>
    r.scenario === scenario && r.metric === metric && r.transport === "tcp"
  );
  const labels = [...new Set(picked.map((r) => r.label))];
  return labels.map((label) => ({
    label,
    color: COLORS[label] ?? "#555",
    dashed: label !== "chat",
    points: picked.filter((r) => r.label === label).map((r) =>
      cpu ? [r.load, r.cpuUs, r.cpuMin, r.cpuMax] : [r.load, r.value, r.min, r.max]
    ),
  }));
}

/**
 * An SVG with three panels over TCP: fan-out deliveries/s and server CPU µs
 * per delivery by subscribers, and server bytes per idle session by sessions.
 */
export function renderSweepSvg(rows: Row[]): string {
  const width = 340;
  const height = 260;
  const panels = [
    panel(
      "fan-out deliveries/s (TCP)",
      "subscribers",
      seriesOf(rows, "fan-out", "deliveries/s"),
      0,
      width,
      height,
    ),
    panel(
      "server CPU µs per delivery",
      "subscribers",
      seriesOf(rows, "fan-out", "deliveries/s", true),
      width,
      width,
      height,
    ),
    panel(
      "server bytes per idle session",
      "idle sessions",
      seriesOf(rows, "idle", "bytes/session"),
      2 * width,
      width,
      height,
    ),
  ];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${
    3 * width
  }" height="${height}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
${panels.join("\n")}
</svg>
`;
}
