// Metrics: latency percentiles per operation kind, and plots over virtual time (latency,
// throughput and conflicts, messages per operation and retries) drawn from `cluster.metrics()`.
// The cluster keeps bounded aggregates (at most 60 time buckets), and each plot is a fixed set
// of SVG paths whose `d` is rewritten, so the DOM stays the same size at any session length.
import { $, page, onSlowTurnShown } from "../page.js";
import { setData, setText, rebuildOnChange, setTexts } from "../dom.js";

const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 300;
const HEIGHT = 70;
/** Each plot: its lines (a field of a series bucket, and how it is named), and its unit. */
export const PLOTS = [
  { id: "latency", title: "latency (virtual ms)", unit: "ms", lines: [["p50", "p50"], ["p90", "p90"], ["p99", "p99"]] },
  { id: "rates", title: "per virtual second / per bucket", unit: "", lines: [["throughput", "ops/s"], ["conflicts", "conflicts"]] },
  { id: "costs", title: "messages per operation, retries", unit: "", lines: [["messagesPerOperation", "msgs/op"], ["retries", "retries"]] },
];
const KIND_COLUMNS = ["count", "p50", "p90", "p99", "max"];

export function wireMetrics() {
  const box = $("metrics");
  for (const p of PLOTS) box.append(makePlot(p));
  onSlowTurnShown(box, renderMetrics);
}

function makePlot(p) {
  const figure = document.createElement("figure");
  figure.className = "metric-plot";
  const caption = document.createElement("figcaption");
  caption.textContent = p.title;
  const scale = document.createElement("span");
  scale.className = "metric-scale";
  caption.append(" ", scale);
  const svg = document.createElementNS(SVG, "svg");
  svg.id = `metric-${p.id}`;
  svg.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", p.title);
  for (const [i, [field, name]] of p.lines.entries()) {
    const path = document.createElementNS(SVG, "path");
    path.dataset.field = field;
    path.setAttribute("class", `metric-line metric-line-${i}`);
    const title = document.createElementNS(SVG, "title");
    title.textContent = name;
    path.append(title);
    svg.append(path);
  }
  const legend = document.createElement("span");
  legend.className = "metric-legend";
  legend.textContent = p.lines.map(([, name], i) => `${"━┅┈"[i]} ${name}`).join("  ");
  figure.append(caption, svg, legend);
  return figure;
}

/** The y scale's top for these lines: the largest value, at least 1. */
export function scaleMax(series, fields) {
  let max = 1;
  for (const b of series) for (const f of fields) if (b[f] !== null) max = Math.max(max, b[f]);
  return max;
}

const round1 = (x) => Math.round(x * 10) / 10;

/** The path of one line: a point per bucket (x at the bucket's middle), broken where a value is null. */
function linePath(series, field, max) {
  const step = WIDTH / Math.max(series.length, 1);
  let d = "";
  let pen = false;
  for (const [i, b] of series.entries()) {
    const v = b[field];
    if (v === null) {
      pen = false;
      continue;
    }
    const x = round1((i + 0.5) * step);
    const y = round1(HEIGHT - (v / max) * HEIGHT);
    d += pen ? ` L${x} ${y}` : `${d ? " " : ""}M${x} ${y} l0 0`;
    pen = true;
  }
  return d;
}

function renderMetrics() {
  const m = page.cluster.metrics();
  for (const p of PLOTS) {
    const fields = p.lines.map(([f]) => f);
    const max = scaleMax(m.series, fields);
    const svg = $(`metric-${p.id}`);
    setData(svg, "max", String(max));
    setText(svg.parentElement.querySelector(".metric-scale"), `top ${+max.toFixed(2)}${p.unit ? ` ${p.unit}` : ""}, ${m.bucketMs} ms buckets`);
    for (const path of svg.querySelectorAll("path")) {
      const d = linePath(m.series, path.dataset.field, max);
      if (path.getAttribute("d") !== d) path.setAttribute("d", d);
    }
  }
  renderKinds(m.kinds);
}

function renderKinds(kinds) {
  const table = $("metric-kinds");
  const body = table.tBodies[0] ?? table.createTBody();
  const entries = Object.entries(kinds);
  const texts = (k) => KIND_COLUMNS.map((c) => String(k[c] ?? "–"));
  // The same kinds as drawn (the common case): only the changed counts are written.
  rebuildOnChange(body, entries.map(([kind]) => kind).join("\n"), () => entries.map(([kind]) => {
    const row = document.createElement("tr");
    row.dataset.kind = kind;
    row.insertCell().textContent = kind;
    for (let i = 0; i < KIND_COLUMNS.length; i++) row.insertCell();
    return row;
  }));
  entries.forEach(([, k], i) => setTexts([...body.rows[i].cells].slice(1), texts(k)));
}
