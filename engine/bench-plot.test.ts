import { describe, expect, it } from 'vitest';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { benchSvg } from './bench-plot.ts';
import type { BenchResult, BenchRow } from './bench.ts';

const row = (n: number, ctx: number, attention: 'bifurcated' | 'standard', ms: number | null): BenchRow => ({
  n,
  ctx,
  attention,
  msPerStep: ms,
  attentionMsPerStep: null,
  kvBytesPerStep: 0,
  flopsPerStep: 0,
  rooflineMs: ms === null ? null : ms / 4,
  ...(ms === null ? { skipped: 'needs more' } : {}),
});

function result(): BenchResult {
  const rows: BenchRow[] = [];
  for (const ctx of [512, 2048])
    for (const n of [1, 8, 32]) {
      rows.push(row(n, ctx, 'bifurcated', 10 + n));
      rows.push(row(n, ctx, 'standard', ctx === 2048 && n === 32 ? null : 10 + 2 * n));
    }
  return { device: 'llvmpipe <&>', model: 'synthetic:tiny</text><script>x</script>', dtype: 'f16', weights: 'f16 100%', weightBytesPerStep: 1, steps: 4, rows };
}

describe('bench --plot SVG', () => {
  it('is well-formed XML with a panel per context, a line per mode, the n = 1 line and the rooflines', () => {
    const text = benchSvg(result());
    expect(XMLValidator.validate(text)).toBe(true);
    const svg = new XMLParser({ ignoreAttributes: false, isArray: () => true }).parse(text).svg[0] as Record<string, { '#text'?: string | number }[]>;
    const texts = svg.text.map((t) => String(t['#text'] ?? t));
    expect(texts).toContain('context 512 tokens');
    expect(texts).toContain('context 2048 tokens');
    // per panel: bifurcated, standard, their two rooflines, the n = 1 line
    expect(svg.polyline).toHaveLength(2 * 5);
    // points: 3 bif + 3 std at 512; 3 bif + 2 std at 2048 (the skipped one is left out)
    expect(svg.circle).toHaveLength(11);
    // names from a model file or an adapter are text, never markup
    expect(svg.script).toBeUndefined();
    expect(text).toContain('synthetic:tiny&lt;/text&gt;&lt;script&gt;x&lt;/script&gt;');
    expect(text).toContain('llvmpipe &lt;&amp;&gt;');
  });

  it('the higher step time sits higher in the panel', () => {
    const svg = benchSvg(result());
    const circles = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"[^>]*><title>(\w+) n=(\d+)/g)].slice(0, 3);
    const ys = circles.map((m) => Number(m[2]));
    expect(ys[0]).toBeGreaterThan(ys[1]); // n = 1 (11 ms) lower on screen than n = 8 (18 ms)
    expect(ys[1]).toBeGreaterThan(ys[2]);
  });
});
