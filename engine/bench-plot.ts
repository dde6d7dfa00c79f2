// `fanout bench --plot FILE.svg`: the paper's figure from one bench run: ms per decode step against the
// number of samples n (log2 axis), one panel per context length, with lines for bifurcated and standard
// attention, the n = 1 step as a flat reference line, and the roofline of each mode (from the ceilings
// measured in the same run). Written as SVG text by hand: one kind of chart with a few dozen elements;
// a plotting library (vega, plotly) would add megabytes of dependencies and a DOM or canvas shim to the
// engine package for it.
import type { BenchResult, BenchRow } from './bench.ts';

const W = 360; // panel width, px
const H = 260; // panel height
const M = { l: 56, r: 12, t: 34, b: 40 };
const COLORS = { bifurcated: '#1f77b4', standard: '#d62728', n1: '#555', roof: '#2ca02c' };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** "nice" upper bound for an axis: 1, 2 or 5 × 10^k at or above v */
function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function panel(r: BenchResult, ctx: number, x0: number): string {
  const rows = r.rows.filter((row) => row.ctx === ctx);
  const ns = [...new Set(rows.map((row) => row.n))].sort((a, b) => a - b);
  const measured = rows.flatMap((row) => [row.msPerStep ?? 0, row.rooflineMs ?? 0]);
  const yMax = niceMax(Math.max(1e-3, ...measured));
  const lx = (n: number) => (ns.length < 2 ? 0.5 : (Math.log2(n) - Math.log2(ns[0])) / (Math.log2(ns[ns.length - 1]) - Math.log2(ns[0])));
  const px = (n: number) => x0 + M.l + lx(n) * (W - M.l - M.r);
  const py = (ms: number) => M.t + (1 - ms / yMax) * (H - M.t - M.b);
  const out: string[] = [];
  out.push(`<text x="${x0 + W / 2}" y="16" text-anchor="middle" font-weight="bold">context ${ctx} tokens</text>`);
  // axes, ticks, grid
  out.push(`<line x1="${x0 + M.l}" y1="${H - M.b}" x2="${x0 + W - M.r}" y2="${H - M.b}" stroke="#000"/>`);
  out.push(`<line x1="${x0 + M.l}" y1="${M.t}" x2="${x0 + M.l}" y2="${H - M.b}" stroke="#000"/>`);
  for (const n of ns) out.push(`<text x="${px(n)}" y="${H - M.b + 14}" text-anchor="middle">${n}</text>`);
  out.push(`<text x="${x0 + M.l + (W - M.l - M.r) / 2}" y="${H - 6}" text-anchor="middle">samples n</text>`);
  for (let i = 0; i <= 4; i++) {
    const ms = (yMax * i) / 4;
    out.push(`<line x1="${x0 + M.l}" y1="${py(ms)}" x2="${x0 + W - M.r}" y2="${py(ms)}" stroke="#ddd"/>`);
    out.push(`<text x="${x0 + M.l - 4}" y="${py(ms) + 4}" text-anchor="end">${+ms.toPrecision(3)}</text>`);
  }
  out.push(`<text transform="translate(${x0 + 12} ${M.t + (H - M.t - M.b) / 2}) rotate(-90)" text-anchor="middle">ms per step</text>`);
  const line = (pts: [number, number][], color: string, dash = '') =>
    pts.length ? `<polyline fill="none" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''} points="${pts.map(([n, ms]) => `${px(n).toFixed(1)},${py(ms).toFixed(1)}`).join(' ')}"/>` : '';
  for (const mode of ['bifurcated', 'standard'] as const) {
    const of = rows.filter((row) => row.attention === mode).sort((a, b) => a.n - b.n);
    const pts = of.filter((row): row is BenchRow & { msPerStep: number } => row.msPerStep !== null).map((row) => [row.n, row.msPerStep] as [number, number]);
    out.push(line(pts, COLORS[mode]));
    for (const [n, ms] of pts) out.push(`<circle cx="${px(n).toFixed(1)}" cy="${py(ms).toFixed(1)}" r="3" fill="${COLORS[mode]}"><title>${mode} n=${n}: ${ms.toFixed(2)} ms</title></circle>`);
    const roof = of.filter((row) => row.rooflineMs !== null).map((row) => [row.n, row.rooflineMs!] as [number, number]);
    out.push(line(roof, mode === 'bifurcated' ? COLORS.roof : '#98df8a', '5 4'));
  }
  const one = rows.find((row) => row.n === 1 && row.attention === 'bifurcated' && row.msPerStep !== null);
  if (one && ns.length > 1) out.push(line([[ns[0], one.msPerStep!], [ns[ns.length - 1], one.msPerStep!]], COLORS.n1, '2 3'));
  return out.join('\n');
}

/** The SVG document for a bench result: one panel per context length, and a legend. */
export function benchSvg(r: BenchResult): string {
  const ctxs = [...new Set(r.rows.map((row) => row.ctx))].sort((a, b) => a - b);
  const width = Math.max(2, ctxs.length) * W; // room for the legend with one panel too
  const height = H + 64;
  const legend = [
    ['bifurcated', COLORS.bifurcated, ''],
    ['standard', COLORS.standard, ''],
    ['n = 1 step', COLORS.n1, '2 3'],
    ['roofline (bifurcated)', COLORS.roof, '5 4'],
    ['roofline (standard)', '#98df8a', '5 4'],
  ]
    .map(([name, color, dash], i) => {
      const x = 12 + i * 140;
      return `<line x1="${x}" y1="${H + 14}" x2="${x + 24}" y2="${H + 14}" stroke="${color}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/><text x="${x + 30}" y="${H + 18}">${name}</text>`;
    })
    .join('\n');
  const title = `${r.model} (${r.weights}) on ${r.device}, ${r.steps} steps per point`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...ctxs.map((ctx, i) => panel(r, ctx, i * W)),
    legend,
    `<text x="12" y="${height - 10}" fill="#555">${esc(title)}</text>`,
    `</svg>`,
    '',
  ].join('\n');
}
