// One candidate: rank, score, size of its group, token count, finish reason and a highlighted preview.
import { memo, useEffect, useRef, useState } from 'react';
import * as monaco from '../monaco.ts';
import type { Demotion, RankedGroup, RerankMode } from '../rerank.ts';
import { formatLogprob } from '../format.ts';

/** Previews longer than this are cut (the whole text is still what gets inserted). */
const PREVIEW_MAX_CHARS = 2000;

const SCORE_LABEL: Record<RerankMode, string> = {
  mean: 'mean log-probability per token',
  sum: 'sum of log-probabilities',
  agreement: 'number of samples that produced this completion',
  parses: 'mean log-probability per token',
};

/**
 * Why a card ranks below the completions that ended cleanly, whatever its score (protocol/rank.ts): shown
 * on the card, so a lower score above a higher one is explained, and scores read in order within each kind.
 */
const DEMOTION_LABEL: Record<Exclude<Demotion, null>, string> = {
  repeats: 'repeats',
  length: 'cut off',
  'length-repeats': 'cut off · repeats',
  unfinished: 'unfinished',
  'unfinished-repeats': 'unfinished · repeats',
};
const DEMOTION_TITLE: Record<Exclude<Demotion, null>, string> = {
  repeats: 'It repeats itself',
  length: 'It was cut at max tokens',
  'length-repeats': 'It was cut at max tokens and repeats itself',
  unfinished: 'It did not finish (cancelled)',
  'unfinished-repeats': 'It did not finish (cancelled) and repeats itself',
};

export interface CandidateCardProps {
  group: RankedGroup;
  mode: RerankMode;
  language: string;
  selected: boolean;
  onSelect(): void;
  onAccept(): void;
}

export const CandidateCard = memo(function CandidateCard({ group, mode, language, selected, onSelect, onAccept }: CandidateCardProps) {
  const ref = useRef<HTMLLIElement>(null);
  useEffect(() => {
    if (selected) ref.current?.scrollIntoView({ block: 'nearest' });
  }, [selected]);
  const score = mode === 'agreement' ? `${group.score}×` : formatLogprob(group.score);

  return (
    <li
      ref={ref}
      className={`card${selected ? ' selected' : ''}`}
      data-testid="candidate"
      data-demotion={group.demotion ?? ''}
      role="option"
      aria-selected={selected}
      onMouseDown={(e) => {
        e.preventDefault(); // keep focus where it is (the list or the editor)
        onSelect();
      }}
      onDoubleClick={onAccept}
    >
      <div className="card-meta">
        <span className="rank">#{group.rank}</span>
        <span className="score" data-testid="candidate-score" title={SCORE_LABEL[mode]}>
          {score}
        </span>
        {group.count > 1 && (
          <span className="pill" title={`${group.count} samples produced this completion (whitespace ignored)`}>
            ×{group.count}
          </span>
        )}
        {group.demotion && (
          <span className="pill demoted" title={`${DEMOTION_TITLE[group.demotion]}: ranked below the completions that ended cleanly, whatever its score.`}>
            {DEMOTION_LABEL[group.demotion]}
          </span>
        )}
        {group.addsSyntaxErrors === false && <span className="pill ok">parses</span>}
        {group.addsSyntaxErrors === true && <span className="pill bad">adds errors</span>}
        <span className="spacer" />
        <span className="dim">{group.tokens} tok</span>
        <span className="dim">{group.finishReason ?? 'partial'}</span>
        <button
          className="insert"
          tabIndex={-1}
          title="Insert at the cursor (Enter)"
          onMouseDown={(e) => e.stopPropagation()}
          onClick={onAccept}
        >
          Insert
        </button>
      </div>
      <CodePreview text={group.text} language={language} />
    </li>
  );
});

/** Monaco-colorized code; plain text until the colorizer answers (or if it fails). */
export function CodePreview({ text, language }: { text: string; language: string }) {
  const shown = text.length > PREVIEW_MAX_CHARS ? `${text.slice(0, PREVIEW_MAX_CHARS)}…` : text;
  const [html, setHtml] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    setHtml(null);
    if (!shown.trim()) return;
    // colorize escapes the text and returns spans with Monaco's token classes: no markup from the model
    // reaches the DOM unescaped.
    monaco.editor.colorize(shown, language, { tabSize: 4 }).then(
      (h) => live && setHtml(h),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [shown, language]);

  if (!shown.trim()) {
    return (
      <pre className="code empty" data-testid="candidate-text">
        {shown === '' ? '(empty)' : '(whitespace only)'}
      </pre>
    );
  }
  return html === null ? (
    <pre className="code" data-testid="candidate-text">
      {shown}
    </pre>
  ) : (
    <pre className="code" data-testid="candidate-text" dangerouslySetInnerHTML={{ __html: html }} />
  );
}
