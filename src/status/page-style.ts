// The page's only styling, inline: no asset to serve, nothing fetched elsewhere.
// Narrow screens get the tables as horizontally scrollable blocks.
export const STYLE = `
:root { color-scheme: light dark; --ok: #1a7f37; --bad: #cf222e; --warn: #bf8700; --muted: #6e7781; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; padding: 16px; max-width: 1100px; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 8px; }
.meta, .muted { color: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(240px, 1fr)); gap: 12px; align-items: start; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
td.num, th.num { text-align: right; }
.state { font-weight: 600; text-transform: uppercase; font-size: 12px; padding: 1px 6px; border-radius: 4px; color: #fff; }
.state-up { background: var(--ok); } .state-down { background: var(--bad); } .state-unknown { background: var(--muted); }
.bar { height: 14px; background: color-mix(in srgb, var(--muted) 25%, transparent); border-radius: 3px; overflow: hidden; }
.bar > div { height: 100%; min-width: 3px; background: var(--ok); }
.bar.high > div { background: var(--warn); } .bar.full > div { background: var(--bad); }
.chart { width: 100%; height: 60px; display: block; }
.chart rect.good { fill: var(--ok); } .chart rect.fair { fill: var(--warn); } .chart rect.poor { fill: var(--bad); }
.chart .axis { stroke: var(--line); stroke-width: 1; }
.big { font-size: 22px; font-weight: 600; }
`;
