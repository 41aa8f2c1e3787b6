// The status page as one server-rendered HTML document: readable without
// JavaScript, no external assets. Each panel is a function of one part of the
// snapshot; ids and data- attributes name what a script (or a test) may read.
import { ratioChart } from "./chart.ts";
import { ago, bytes, isoTime, percent } from "./format.ts";
import { Html, html } from "./html-escape.ts";
import { STYLE } from "./page-style.ts";
import type { DiskUse, ImageRow, StatusSnapshot } from "./source.ts";

function upstreamsPanel(s: StatusSnapshot): Html {
  const rows = s.upstreams.map(
    (u) => html`<tr class="upstream" data-upstream="${u.name}" data-state="${u.state}">
<td>${u.name}<div class="muted">${u.origin}</div>${u.mirrors.map((m) => html`<div class="muted mirror" data-skipped="${String(m.skipped)}">mirror ${m.origin}${m.skipped ? " (skipped after a failure)" : ""}</div>`)}</td><td><span class="state state-${u.state}">${u.state}</span></td>
<td>${ago(u.lastSuccess, s.generatedAt)}</td>
<td>${u.lastFailure ? html`${ago(u.lastFailure.time, s.generatedAt)} <span class="failure">${u.lastFailure.failure}</span>` : "never"}</td>
<td class="num">${u.requests}</td><td class="num">${u.stale}</td><td class="num">${u.failures}</td></tr>`,
  );
  return html`<section id="upstreams"><h2>Upstreams</h2><div class="scroll"><table>
<thead><tr><th>upstream</th><th>state</th><th>last success</th><th>last failure</th><th class="num">requests 1h</th><th class="num">stale 1h</th><th class="num">failures 1h</th></tr></thead>
<tbody>${rows.length ? rows : html`<tr><td colspan="7" class="muted">no upstreams configured</td></tr>`}</tbody></table></div></section>`;
}

function diskPanel(d: DiskUse): Html {
  const used = d.limitBytes > 0 ? Math.min(1, d.usedBytes / d.limitBytes) : 0;
  const level = used >= 0.95 ? "full" : used >= 0.8 ? "high" : "";
  const against = d.limitSource === "max_size" ? "of storage.max_size" : "of the filesystem";
  return html`<div class="card" id="disk"><div>Disk</div>
<div class="big">${bytes(d.usedBytes)} <span class="muted">${against} ${bytes(d.limitBytes)}</span></div>
<div class="bar ${level}" id="disk-bar" role="meter" aria-valuemin="0" aria-valuemax="${d.limitBytes}" aria-valuenow="${d.usedBytes}" data-used="${d.usedBytes}" data-limit="${d.limitBytes}"><div style="width:${(used * 100).toFixed(1)}%"></div></div>
<div class="muted">${percent(used)} used · ${bytes(d.freeBytes)} free on the filesystem (${bytes(d.filesystemBytes)})</div></div>`;
}

function ratioPanel(s: StatusSnapshot): Html {
  const r = s.hitRatio;
  return html`<div class="card" id="hit-ratio"><div>Served from cache</div>
<div class="big">${percent(r.hour)} <span class="muted">last hour</span> · ${percent(r.day)} <span class="muted">last day</span></div>
<div class="muted">per minute, last hour</div>${ratioChart("chart-hour", "hit ratio per minute over the last hour", r.hourly)}
<div class="muted">per hour, last day</div>${ratioChart("chart-day", "hit ratio per hour over the last day", r.daily)}</div>`;
}

function imageRows(rows: ImageRow[]): Html[] {
  return rows.map((r) => {
    const complete = r.missingBlobs === 0 && r.missingChildren === 0;
    const share = r.totalBytes > 0 ? r.storedBytes / r.totalBytes : 1;
    const missing = [r.missingBlobs && `${r.missingBlobs} blobs`, r.missingChildren && `${r.missingChildren} children`].filter(Boolean).join(", ");
    return html`<tr class="image" data-complete="${String(complete)}"><td>${r.repository}:${r.tag}<div class="muted">${r.digest.slice(0, 19)}</div></td>
<td>${complete ? "complete" : html`${percent(share)} <span class="muted">missing ${missing}</span>`}</td><td class="num">${bytes(r.totalBytes)}</td></tr>`;
  });
}

function imagesPanel(s: StatusSnapshot): Html {
  const i = s.images;
  const q = s.queue;
  const table = (id: string, rows: ImageRow[], empty: string) =>
    html`<div class="scroll"><table id="${id}"><thead><tr><th>image</th><th>completeness</th><th class="num">size</th></tr></thead>
<tbody>${rows.length ? imageRows(rows) : html`<tr><td colspan="3" class="muted">${empty}</td></tr>`}</tbody></table></div>`;
  return html`<section id="images"><h2>Images</h2>
<p><span id="images-total">${i.total}</span> cached, ${i.complete} complete, ${i.total - i.complete} incomplete ·
prefetch queue: <span id="queue" data-queued="${q.queued}" data-due="${q.due}" data-failed="${q.failed}">${q.queued} queued (${q.due} due now), ${q.failed} failed</span></p>
${table("images-table", i.rows, "nothing cached yet")}
<h2>Incomplete images</h2>${table("incomplete-table", i.incomplete, "none")}</section>`;
}

function policiesPanel(s: StatusSnapshot): Html {
  const rows = s.policies.map(
    (p) => html`<tr class="policy" data-active="${String(p.active)}"><td>${p.active ? "active" : "inactive"}</td><td>${p.namespace}</td><td>${p.repository ?? html`<span class="muted">whole namespace</span>`}</td>
<td><code>${p.tagPattern}</code> ${p.tagPatternMatches ? "" : html`<span class="muted">(not matching)</span>`}</td></tr>`,
  );
  return html`<section id="policies"><h2>Immutability policies</h2><div class="scroll"><table><thead><tr><th>state</th><th>namespace</th><th>repository</th><th>tags</th></tr></thead>
<tbody>${rows.length ? rows : html`<tr><td colspan="4" class="muted">none</td></tr>`}</tbody></table></div></section>`;
}

function errorsPanel(s: StatusSnapshot): Html {
  const rows = s.errors.map(
    (e) => html`<tr class="error"><td title="${isoTime(e.time)}">${ago(e.time, s.generatedAt)}</td><td class="num">${e.status}</td><td>${e.method} ${e.path}</td><td>${e.upstream ?? ""} ${e.failure ?? ""}</td><td><code>${e.requestId}</code></td></tr>`,
  );
  return html`<section id="errors"><h2>Last errors</h2><div class="scroll"><table><thead><tr><th>when</th><th class="num">status</th><th>request</th><th>upstream failure</th><th>request id</th></tr></thead>
<tbody>${rows.length ? rows : html`<tr><td colspan="5" class="muted">none since start</td></tr>`}</tbody></table></div></section>`;
}

export function statusPage(s: StatusSnapshot): string {
  // STYLE is a constant of ours, so it goes in as markup; everything else is escaped.
  return `<!doctype html>\n${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>regcache status</title><style>${new Html(STYLE)}</style></head>
<body><h1>regcache</h1><div class="meta">version ${s.version} · ${isoTime(s.generatedAt)} · <a href="?format=json">JSON</a></div>
${upstreamsPanel(s)}<h2>Storage and traffic</h2><div class="cards">${diskPanel(s.disk)}${ratioPanel(s)}</div>
${imagesPanel(s)}${policiesPanel(s)}${errorsPanel(s)}</body></html>`}`;
}
