// The evaluation's result as printed by `fanout eval`: the JSON object (--json, --out) and the readable
// table.
import type { ModelInfo } from '../../protocol/engine.ts';
import type { CandidateQuality } from './candidate-quality.ts';
import { FIM_KINDS } from './fim.ts';
import type { EvalRun, EvalSettings } from './run.ts';

export interface EvalResult extends EvalRun {
  model: Pick<ModelInfo, 'name' | 'architecture' | 'parameters' | 'layers' | 'hidden' | 'vocab' | 'contextLength' | 'dtype' | 'fim'>;
  /** GPU adapter name as WebGPU reports it. */
  adapter: string;
  /** When the run started (ISO 8601). */
  date: string;
  settings: EvalSettings & {
    tasksDir: string | null;
    heldoutDir: string | null;
    /** Function tasks run (after --limit). */
    tasks: number;
    /** Next-line positions asked for (--lines). */
    lines: number;
    /** FIM positions asked for (--fim). */
    fim: number;
    /** Sandbox limit per program, ms. */
    timeoutMs: number;
  };
  /** Wall time of the whole command after the model was loaded, ms. */
  wallMs: number;
}

const frac = (x: number) => x.toFixed(3);
const of = (x: number, total: number) => `(${Math.round(x * total)}/${total})`;

/** Fixed-width label column for the summary lines. */
function row(label: string, value: string): string {
  return `  ${label.padEnd(38)} ${value}`;
}

/** The candidate-quality lines of a section: `what` names the candidate ("top candidate", "greedy line"). */
function qualityRows(what: string, q: CandidateQuality, emptyLabel: string): string[] {
  return [
    row(`${what}: ${emptyLabel}`, `${frac(q.empty)}  ${of(q.empty, q.positions)}`),
    row(`${what}: starts mid-word`, `${frac(q.midWord)}  ${of(q.midWord, q.positions)}`),
    row(`${what}: repeats itself`, `${frac(q.repeats)}  ${of(q.repeats, q.positions)}`),
  ];
}

export function formatEval(r: EvalResult): string {
  const out: string[] = [];
  const s = r.settings;
  const fs = r.functions.summary;
  if (fs.tasks > 0) {
    out.push(
      `Function tasks: ${fs.tasks}; per task 1 greedy sample and ${fs.n} at temperature ${s.temperature}, top-p ${s.topP}; at most ${s.maxTokens} tokens`,
      '',
      `  ${'task'.padEnd(22)} ${'lang'.padEnd(4)}  ${'greedy'.padEnd(12)}  ${'passed'.padStart(7)}  top-ranked`,
    );
    for (const t of r.functions.tasks) {
      out.push(`  ${t.name.padEnd(22)} ${t.lang.padEnd(4)}  ${t.greedy.status.padEnd(12)}  ${`${t.passed}/${t.n}`.padStart(7)}  ${t.rerankedPass ? 'pass' : 'fail'}`);
    }
    const st = fs.statuses;
    out.push(
      '',
      row('pass@1, greedy sample', `${frac(fs.pass1Greedy)}  ${of(fs.pass1Greedy, fs.tasks)}`),
      row(`pass@1, best of ${fs.n} by mean log-prob`, `${frac(fs.pass1Reranked)}  ${of(fs.pass1Reranked, fs.tasks)}`),
      row('pass@1, one sample (mean c/n)', frac(fs.pass1Sampled)),
      ...Object.entries(fs.passAtK)
        .filter(([k]) => k !== '1')
        .map(([k, v]) => row(`pass@${k}${Number(k) === fs.n ? ' (any sample passes)' : ''}`, `${frac(v)}${Number(k) === fs.n ? `  ${of(v, fs.tasks)}` : ''}`)),
      row('outcomes of all samples', `pass ${st.pass}, fail ${st.fail}, timeout ${st.timeout}, syntax error ${st['syntax-error']}`),
      '',
    );
  }
  const ls = r.nextLine.summary;
  if (ls.lines > 0) {
    out.push(
      `Next line: ${ls.lines} positions in ${ls.files} held-out files; greedy, at most ${s.lineTokens} tokens`,
      row('exact match', `${frac(ls.exact)}  ${of(ls.exact, ls.lines)}`),
      row('whitespace-normalised match', `${frac(ls.normalized)}  ${of(ls.normalized, ls.lines)}`),
      ...qualityRows('greedy line', ls.quality, 'blank'),
      '',
    );
  }
  const fimS = r.fim.summary;
  if (fimS.positions > 0) {
    const cell = (x: number, total: number) => `${frac(x)} ${of(x, total)}`.padEnd(16);
    const q = fimS.quality;
    out.push(
      `FIM: ${fimS.positions} positions in ${fimS.files} held-out files; per position 1 greedy sample and ${fimS.n} at temperature ${s.temperature}, top-p ${s.topP}`,
      `  (top: the first of the ${fimS.n} as the app ranks them); line middles at most ${s.lineTokens} tokens, stop line; blocks ${s.maxTokens}, stop block`,
    );
    if (fimS.fimPrompts < fimS.positions) {
      out.push(`  ${fimS.positions - fimS.fimPrompts} of ${fimS.positions} prompts were prefix-only: ${r.model.fim ? 'no room for the FIM layout' : 'the model has no FIM tokens'}`);
    }
    out.push(
      '',
      `  ${'kind'.padEnd(12)} ${'positions'.padStart(9)}  ${'greedy exact'.padEnd(16)} ${'greedy norm.'.padEnd(16)} ${'top exact'.padEnd(16)} top norm.`,
    );
    for (const [label, k] of [...FIM_KINDS.map((kind) => [kind, fimS.byKind[kind]] as const), ['all', fimS] as const]) {
      if (k.positions === 0) continue;
      out.push(
        `  ${label.padEnd(12)} ${String(k.positions).padStart(9)}  ${cell(k.greedyExact, k.positions)} ${cell(k.greedyNormalized, k.positions)} ` +
          `${cell(k.topExact, k.positions)} ${cell(k.topNormalized, k.positions).trimEnd()}`,
      );
    }
    out.push(
      '',
      ...qualityRows('top candidate', q.top, `none (all ${fimS.n} blank)`),
      ...qualityRows('greedy sample', q.greedy, 'blank'),
      row('blank samples among all samples', `${frac(q.blankSamples)}  ${of(q.blankSamples, q.samples)}`),
      '',
    );
  }
  const m = r.model;
  const t = r.timings;
  out.push(
    `${m.name} (${m.architecture}, ${(m.parameters / 1e6).toFixed(2)}M parameters, ${m.dtype}) on ${r.adapter}, ${r.date}`,
    `wall ${(r.wallMs / 1000).toFixed(1)} s: generation ${(t.generateMs / 1000).toFixed(1)} s; ${t.checksRun} check processes, ${(t.checkMs / 1000).toFixed(1)} s summed`,
    '',
  );
  return out.join('\n');
}
