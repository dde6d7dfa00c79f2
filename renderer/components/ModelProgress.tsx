// The model-loading progress bar: this page's load (progress messages) or another page's (the host's state).
import { useApp } from '../app-context.ts';
import { formatBytes } from '../format.ts';

export function ModelProgress() {
  const loading = useApp((s) => s.loading);
  if (!loading) return null;
  const p = loading.progress;
  const compiling = loading.phase === 'compiling' || p?.phase === 'compile';
  const fraction = p && !compiling && p.bytesTotal > 0 ? Math.min(1, p.bytesDone / p.bytesTotal) : null;
  return (
    <div className="model-progress" data-testid="model-progress">
      <div className="progress-label">
        <span>{compiling ? 'Compiling' : 'Loading'} {loading.model || 'the model'}</span>
        <span className="dim">
          {compiling ? 'compiling GPU kernels…' : p ? `${p.file} · ${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal)}` : 'starting…'}
        </span>
      </div>
      <div
        className={`progress-track${fraction === null ? ' indeterminate' : ''}`}
        role="progressbar"
        aria-label="Model loading"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={fraction === null ? undefined : Math.round(fraction * 100)}
      >
        <div className="progress-fill" style={{ width: fraction === null ? undefined : `${(fraction * 100).toFixed(1)}%` }} />
      </div>
    </div>
  );
}
