// Number formatting for the status bar and candidate cards.

/** 1_234_567_890 → "1.23B", 135_000_000 → "135M". */
export function formatParameters(n: number): string {
  if (n >= 1e9) return `${trim3(n / 1e9)}B`;
  if (n >= 1e6) return `${trim3(n / 1e6)}M`;
  if (n >= 1e3) return `${trim3(n / 1e3)}K`;
  return String(n);
}

/** Binary units: 1536 → "1.5 KiB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${trim3(v)} ${units[i]}`;
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  return ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`;
}

export function formatLogprob(x: number): string {
  return Number.isFinite(x) ? x.toFixed(3) : '—';
}

/** Three significant digits without trailing zeros. */
function trim3(v: number): string {
  return String(Number(v.toPrecision(3)));
}
