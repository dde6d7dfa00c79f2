// The evaluation's result as printed by `fanout eval`: the JSON object (--json, --out) and the readable
// table.
import type { ModelInfo } from '../api.ts';
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
