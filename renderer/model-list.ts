// What the model list (components/ModelPicker.tsx) shows for each model the host found on its machine:
// the order, the size in decimal GB as Ollama and LM Studio print it, where it comes from, and the
// details line. Pure, so the wording is tested under Node.
import type { LocalModel, LocalModelSource, SearchedPlace } from './protocol.ts';
import { formatParameters } from './format.ts';

export const SOURCE_LABELS: Record<LocalModelSource, string> = { ollama: 'Ollama', lmstudio: 'LM Studio', folder: 'Folder' };

/** Decimal units, as model sites and `ollama list` give sizes: 4_683_087_332 → "4.7 GB", 8_650_000 → "8.7 MB". */
export function formatModelSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  const one = (v: number) => (v < 10 ? v.toFixed(1) : String(Math.round(v)));
  if (bytes >= 1e9) return `${one(bytes / 1e9)} GB`;
  if (bytes >= 1e6) return `${one(bytes / 1e6)} MB`;
  if (bytes >= 1e3) return `${one(bytes / 1e3)} kB`;
  return `${bytes} B`;
}

/** The ones Fanout can load first, in the host's order (FANOUT_MODEL_DIRS, Ollama, LM Studio; by name within each). */
export function sortModels(models: readonly LocalModel[]): LocalModel[] {
  return [...models].sort((a, b) => Number(b.loadable.ok) - Number(a.loadable.ok));
}

/** The second line of a row: why it cannot be loaded, or what it is (architecture, parameters, split). */
export function modelDetails(m: LocalModel): string {
  if (!m.loadable.ok) return m.loadable.why;
  const parts: string[] = [];
  if (m.architecture) parts.push(m.architecture);
  if (m.parameters !== null) parts.push(`${formatParameters(m.parameters)} params`);
  return parts.join(' · ');
}

/** The places the host looked, for the empty list: "~/.ollama/models (Ollama, not there)". */
export function searchedLines(searched: readonly SearchedPlace[]): string[] {
  return searched.map((p) => `${p.path} (${SOURCE_LABELS[p.source]}${p.found ? '' : ', not there'})`);
}

/** The row to focus when the list opens: the model loaded now (the setting), else the first loadable one, else the first. */
export function initialIndex(models: readonly LocalModel[], current: string): number {
  const at = models.findIndex((m) => m.path === current);
  if (at >= 0) return at;
  const ok = models.findIndex((m) => m.loadable.ok);
  return ok >= 0 ? ok : 0;
}
