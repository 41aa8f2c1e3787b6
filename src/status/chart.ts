// The hit-ratio chart: a bar per interval, drawn on the server as inline SVG so
// the page needs no script and no asset. An interval with no requests gets no
// bar (a gap), which is different from a ratio of 0 (a red stub).
import { html, type Html } from "./html-escape.ts";
import { isoTime, percent } from "./format.ts";
import type { RatioPoint } from "./source.ts";

const HEIGHT = 60;

export function ratioChart(id: string, label: string, points: RatioPoint[]): Html {
  const width = points.length * 4;
  const bars = points.map((p, i) => {
    if (p.ratio === null) return html``;
    const h = Math.max(2, Math.round(p.ratio * HEIGHT));
    const tone = p.ratio >= 0.8 ? "good" : p.ratio >= 0.5 ? "fair" : "poor";
    return html`<rect class="${tone}" x="${i * 4}" y="${HEIGHT - h}" width="3" height="${h}" data-ratio="${p.ratio.toFixed(3)}"><title>${isoTime(p.start)}: ${percent(p.ratio)} of ${p.requests}</title></rect>`;
  });
  return html`<svg id="${id}" class="chart" viewBox="0 0 ${width} ${HEIGHT}" preserveAspectRatio="none" role="img" aria-label="${label}">
<line x1="0" y1="${HEIGHT - 0.5}" x2="${width}" y2="${HEIGHT - 0.5}" class="axis"/>${bars}</svg>`;
}
