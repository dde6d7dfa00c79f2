// Bottom bar: connection, model, device, and the last run's timings: prefill (with the share of the
// prompt whose K/V an earlier prompt left, engine/prefix-cache.ts) and the KV bytes read per decode step
// in this attention mode beside what the other mode would have read.
import { useApp } from '../app-context.ts';
import { formatBytes, formatMs, formatParameters } from '../format.ts';
import { enginePhase } from '../store.ts';

const PHASE_TEXT = { loading: 'loading the model…', compiling: 'compiling kernels…', idle: 'no model' } as const;

export function StatusBar() {
  const connection = useApp((s) => s.connection);
  const model = useApp((s) => s.model);
  const device = useApp((s) => s.device);
  const last = useApp((s) => s.lastTimings);
  const phase = useApp(enginePhase);
  const t = last?.timings;
  const attention = last?.attention ?? 'bifurcated';
  const other = attention === 'bifurcated' ? 'standard' : 'bifurcated';
  // A remote server's model: its name and where it runs are all the host knows (no weights here).
  const remote = model?.architecture === 'remote';

  return (
    <footer className="status" data-testid="status">
      <span className={`conn ${connection.kind}`} title={connection.kind === 'closed' ? connection.reason : undefined}>
        <span className="dot" aria-hidden />
        {connection.kind === 'open' ? 'Engine connected' : connection.kind === 'connecting' ? 'Connecting…' : 'Engine not connected'}
      </span>
      {model && remote ? (
        <span title={`served remotely${model.contextLength ? `, context ${model.contextLength}` : ''}${model.fim ? ', fill-in-the-middle' : ''}`}>{model.name}</span>
      ) : model ? (
        <span title={`${model.architecture}, ${model.layers} layers, hidden ${model.hidden}, ${model.heads} heads / ${model.kvHeads} KV heads, context ${model.contextLength}${model.fim ? ', fill-in-the-middle' : ''}`}>
          {model.name} · {formatParameters(model.parameters)} params · {model.dtype}
        </span>
      ) : null}
      {(phase === 'loading' || phase === 'compiling' || (phase === 'idle' && !model)) && (
        <span className="dim" data-testid="status-phase">
          {PHASE_TEXT[phase]}
        </span>
      )}
      {(model?.device || device) && <span className="dim">{model?.device || device}</span>}
      <span className="spacer" />
      {t && (
        <>
          <span
            data-testid="status-prefill"
            title={`Prompt processing time: ${t.promptTokens - (t.reusedTokens ?? 0)} of ${t.promptTokens} prompt tokens prefilled${t.reusedTokens ? `, ${t.reusedTokens} reused from an earlier prompt's K/V` : ''}`}
          >
            {remote ? 'first token' : 'prefill'} {formatMs(t.prefillMs)}
            {t.reusedTokens ? <span className="dim"> ({Math.round((100 * t.reusedTokens) / t.promptTokens)}% reused)</span> : null}
          </span>
          <span title="Decode time per step (all samples together)">{formatMs(t.msPerStep)}/step</span>
          <span title="Tokens per second over all samples">{t.tokensPerSecond.toFixed(0)} tok/s</span>
          {t.kvBytesPerStep > 0 && (
            <span title={`KV-cache bytes attention read per decode step: ${attention} (this run) vs ${other}`}>
              KV/step {formatBytes(t.kvBytesPerStep)} <span className="dim">({attention})</span> vs {formatBytes(t.kvBytesPerStepOther)}{' '}
              <span className="dim">({other})</span>
            </span>
          )}
        </>
      )}
    </footer>
  );
}
