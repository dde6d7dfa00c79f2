// The right-hand panel: live samples while decoding, then the re-ranked, grouped candidates.
import { memo, useCallback, useMemo } from 'react';
import { useApp, useServices } from '../app-context.ts';
import { acceptCandidate, escape } from '../actions.ts';
import { languageFor } from '../editor-host.ts';
import { emptyCount, runSummary } from '../run.ts';
import { RERANK_MODES, type Candidate, type RerankMode } from '../rerank.ts';
import { useThrottledValue } from '../throttled-value.ts';
import { enginePhase, rankedGroups } from '../store.ts';
import { CandidateCard } from './CandidateCard.tsx';
import { ModelProgress } from './ModelProgress.tsx';
import { ErrorList } from './ErrorList.tsx';

const MOD = /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘' : 'Ctrl';

export function CandidatesPanel() {
  const { store } = useServices();
  const run = useApp((s) => s.run);
  const ranked = useApp(rankedGroups);
  const selected = useApp((s) => s.selected);
  const active = useApp((s) => s.panelActive);
  const mode = useApp((s) => s.settings.rerank);
  const syntax = useApp((s) => s.syntax);
  const fileName = useApp((s) => s.file.name);
  const auto = useApp((s) => s.runKind === 'auto');
  const language = useMemo(() => languageFor(fileName), [fileName]);
  const generating = run?.status === 'generating';

  const onKeyDown = useCallback(
    (e: React.KeyboardEvent) => {
      const s = store.getState();
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') s.moveSelection(e.key === 'ArrowDown' ? 1 : -1);
      else if (e.key === 'Enter') acceptCandidate(store);
      else if (e.key === 'Escape') escape(store);
      else return;
      e.preventDefault();
    },
    [store],
  );

  return (
    <section className="panel" aria-label="Candidates">
      <header className="panel-head">
        <h2>Candidates</h2>
        <RunSummary />
        <span className="spacer" />
        <label className="rerank">
          <span>Rank by</span>
          <select
            data-testid="rerank"
            value={mode}
            onChange={(e) => store.getState().updateSettings({ rerank: e.target.value as RerankMode })}
          >
            {RERANK_MODES.map((m) => (
              <option key={m.mode} value={m.mode}>
                {m.label}
              </option>
            ))}
          </select>
        </label>
      </header>
      <ModelProgress />
      <ErrorList />
      {mode === 'parses' && run && run.status !== 'generating' && <SyntaxNote status={syntax.status} />}
      {run && run.status !== 'generating' && ranked.length > 0 && <EmptySamplesNote />}
      {/* Progressive: the finished samples ranked above the ones still decoding. */}
      {run && ranked.length > 0 && (
        <ul
          className={`cards${active ? ' active' : ''}`}
          data-testid="ranked"
          data-run={run.id}
          role="listbox"
          aria-label="Ranked candidates"
          tabIndex={0}
          onKeyDown={onKeyDown}
        >
          {ranked.map((g, i) => (
            <CandidateCard
              key={g.key}
              group={g}
              mode={mode}
              language={language}
              selected={i === selected}
              onSelect={() => store.getState().select(i)}
              onAccept={() => acceptCandidate(store, i)}
            />
          ))}
        </ul>
      )}
      {generating ? <LiveSamples unfinishedOnly={ranked.length > 0} /> : !(run && ranked.length > 0) && <EmptyState hasRun={!!run} />}
      {run && ranked.length > 0 && (
        <footer className="panel-foot">
          {active ? (
            <>
              <kbd>↑</kbd>
              <kbd>↓</kbd> select · <kbd>Enter</kbd> insert · <kbd>Tab</kbd> accept ghost text · <kbd>Esc</kbd> dismiss
            </>
          ) : (
            // Ghost text only (a typing pause, or the cursor moved): Enter stays a newline.
            <>
              {auto ? 'As you type: ' : ''}
              <kbd>Tab</kbd> accept · <kbd>{MOD}</kbd>+<kbd>→</kbd> word · <kbd>Shift</kbd>+<kbd>Tab</kbd> line · <kbd>Alt</kbd>+<kbd>]</kbd> next ·{' '}
              <kbd>Esc</kbd> dismiss
            </>
          )}
        </footer>
      )}
    </section>
  );
}

function RunSummary() {
  const run = useApp((s) => s.run);
  if (!run) return null;
  return (
    <span className={`run-summary ${run.waiting ? 'waiting' : run.status}`} data-testid="run-summary">
      {runSummary(run)}
      {run.contextChunks ? (
        <span title={`${run.contextTokens ?? 0} prompt tokens came from other open or recent files (Settings: context from other files)`} data-testid="run-context">
          {` · ${run.contextChunks} ${run.contextChunks === 1 ? 'chunk' : 'chunks'} of other files`}
        </span>
      ) : null}
      {run.truncated ? ' · prompt truncated' : ''}
    </span>
  );
}

/** Blank samples are no candidates (nothing to insert); say how many there were, so the list's size adds up. */
function EmptySamplesNote() {
  const run = useApp((s) => s.run);
  if (!run) return null;
  const empty = emptyCount(run);
  if (empty === 0) return null;
  return (
    <div className="note" data-testid="empty-samples">
      {empty} of {run.n} samples ended empty (nothing to insert) and are not listed.
    </div>
  );
}

/** While decoding: one row per sample in sample order, growing as tokens arrive (only the unfinished ones below ranked cards). */
function LiveSamples({ unfinishedOnly = false }: { unfinishedOnly?: boolean }) {
  const run = useApp((s) => s.run);
  const phase = useApp(enginePhase);
  const { store } = useServices();
  // The rows follow the tokens ten times a second, not on every token event (see throttled-value.ts).
  const rows = useThrottledValue(run?.candidates, LIVE_ROWS_MS);
  if (!run) return null;
  const head = !run.waiting
    ? `Sampling ${run.n} completions…`
    : run.waiting.reason === 'queue'
      ? `Waiting for other requests to finish; ${run.n} completions then start.`
      : phase === 'compiling'
        ? `Waiting for the model: compiling its kernels. ${run.n} completions start when it is ready.`
        : `Waiting for the model to load. ${run.n} completions start when it is ready.`;
  return (
    <div className="live" data-testid={run.waiting ? 'waiting' : 'live'}>
      <div className="live-head">
        <span className="spinner" aria-hidden />
        {head}
        <button className="btn small" data-testid="cancel" onClick={() => store.getState().cancel()}>
          Cancel <kbd>Esc</kbd>
        </button>
      </div>
      {/* Nothing decodes while the request waits: no rows of zeros. */}
      {!run.waiting && rows && <LiveRows rows={rows} unfinishedOnly={unfinishedOnly} />}
    </div>
  );
}

const LIVE_ROWS_MS = 100;

const LiveRows = memo(function LiveRows({ rows, unfinishedOnly }: { rows: readonly Candidate[]; unfinishedOnly: boolean }) {
  return (
    <ol className="live-list">
      {rows.filter((c) => !unfinishedOnly || c.finishReason === null).map((c) => (
        <li key={c.sample} className={c.finishReason ? 'finished' : ''}>
          <span className="sample">{c.sample + 1}</span>
          <code>{c.text || '\u00a0'}</code>
          <span className="dim">{c.finishReason ?? `${c.tokens}`}</span>
        </li>
      ))}
    </ol>
  );
});

function SyntaxNote({ status }: { status: string }) {
  const text =
    status === 'checking'
      ? 'Checking syntax…'
      : status === 'unsupported'
        ? 'Syntax check covers TypeScript and JavaScript files; ranked by mean log-probability.'
        : status === 'failed'
          ? 'Syntax check failed; ranked by mean log-probability.'
          : null;
  return text ? <div className="note">{text}</div> : null;
}

function EmptyState({ hasRun }: { hasRun: boolean }) {
  const connection = useApp((s) => s.connection);
  const phase = useApp(enginePhase);
  const n = useApp((s) => s.settings.n);
  const run = useApp((s) => s.run);

  if (connection.kind !== 'open') {
    return (
      <div className="empty" data-testid="engine-state">
        <div className="empty-icon offline" aria-hidden />
        <h3>Engine not connected</h3>
        <p>
          {connection.kind === 'connecting'
            ? 'Connecting to the engine…'
            : connection.retryInMs > 0
              ? `${capitalize(connection.reason)}. Retrying in ${Math.ceil(connection.retryInMs / 1000)} s.`
              : `${capitalize(connection.reason)}.`}
        </p>
        <p className="dim">Start the Fanout host (or restart the desktop app); this page reconnects by itself. The editor works meanwhile and your text is kept.</p>
      </div>
    );
  }
  // The host's real state (every page sees the same): the progress bar above shows the details of a load.
  if (phase === 'loading' || phase === 'compiling') {
    return (
      <div className="empty" data-testid="engine-state" data-phase={phase}>
        <h3>{phase === 'loading' ? 'Loading the model…' : 'Compiling kernels…'}</h3>
        <p className="dim">
          {phase === 'compiling'
            ? 'The first start on this machine compiles the GPU kernels (about a minute on a CPU adapter); later starts take seconds. '
            : ''}
          Press <kbd>{MOD}</kbd>+<kbd>Enter</kbd> now and the request runs as soon as the model is ready.
        </p>
      </div>
    );
  }
  if (phase === 'connecting') {
    return (
      <div className="empty" data-testid="engine-state" data-phase={phase}>
        <h3>Connected</h3>
        <p className="dim">Asking the engine what it has loaded…</p>
      </div>
    );
  }
  if (phase === 'idle') {
    return (
      <div className="empty" data-testid="engine-state" data-phase={phase}>
        <h3>No model loaded</h3>
        <p className="dim">Open Settings (the gear), enter a model folder and press Load.</p>
      </div>
    );
  }
  const allEmpty = hasRun && run && run.status !== 'generating' ? emptyCount(run) : 0;
  return (
    <div className="empty" data-testid="engine-state" data-phase={phase}>
      <h3>{hasRun ? 'No completions' : 'Ready'}</h3>
      {allEmpty > 0 && <p data-testid="empty-samples">{allEmpty} of {run!.n} samples ended empty: nothing to insert.</p>}
      <p>
        Put the cursor where code should go and press <kbd>{MOD}</kbd>+<kbd>Enter</kbd> to sample {n} completions.
      </p>
    </div>
  );
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
