// App state (zustand): connection, model, settings, the current generate run, selection, errors.
// Every host message goes through `receive`; every message to the host goes through the injected
// transport. Nothing here touches Monaco or the DOM, so the whole lifecycle is testable under Node.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AttentionMode, GenerateRequest, LoadProgress, ModelInfo, Timings } from '../engine/api.ts';
import type { ClientMessage, HostMessage } from './protocol.ts';
import type { ConnectionState, Transport } from './transport.ts';
import { applyEvent, failRun, rankableCandidates, startRun, type Run } from './run.ts';
import { rerank, type RankedGroup, type RerankMode } from './rerank.ts';
import { modelRef, saveSettings, type Settings, type ValidatedSettings } from './settings.ts';
import { syntaxCheckExtension, type SyntaxCheckRequest } from './syntax-check.ts';

export interface AppError {
  key: number;
  code: string;
  message: string;
  /** What the user can do about it. */
  hint: string;
}

/** What the request was made from: needed to re-check syntax and to label the run. */
export interface RunPrompt {
  prefix: string;
  suffix: string;
  fileName: string;
}

export type SyntaxState =
  | { status: 'off' }
  /** The file type has no syntax check: parses-first falls back to mean log-probability. */
  | { status: 'unsupported' }
  | { status: 'checking'; runId: string }
  | { status: 'done'; runId: string; addsErrors: ReadonlyMap<string, boolean> }
  | { status: 'failed'; runId: string; message: string };

export interface AppState {
  connection: ConnectionState;
  model: ModelInfo | null;
  /** The host's GPU adapter, from its status reply (known before any model is loaded). */
  device: string | null;
  /** A load in flight: its request id, model name and the latest progress. */
  loading: { id: string; model: string; progress: LoadProgress | null } | null;
  settings: Settings;
  run: Run | null;
  prompt: RunPrompt | null;
  /** The latest finished run's timings and attention mode (kept after its candidates are dismissed). */
  lastTimings: { timings: Timings; attention: AttentionMode } | null;
  /** Index into rankedGroups(state) (or into the live list while generating). */
  selected: number;
  /** The candidates panel takes Up/Down/Enter/Esc from the editor while this is true. */
  panelActive: boolean;
  syntax: SyntaxState;
  errors: AppError[];
  /** The file in the editor: its name picks the language; `path` (desktop only) lets Save write back. */
  file: { name: string; path?: string };

  receive(msg: HostMessage): void;
  setConnection(state: ConnectionState): void;
  updateSettings(patch: Partial<Settings>): void;
  loadModel(): void;
  generate(prompt: RunPrompt): void;
  cancel(): void;
  select(index: number): void;
  moveSelection(delta: number): void;
  /** Hides keyboard handling of the panel (Esc, typing elsewhere); the candidates stay listed. */
  deactivatePanel(): void;
  /** Clears the finished run's candidates. */
  dismiss(): void;
  showError(e: Omit<AppError, 'key'>): void;
  dismissError(key: number): void;
  setFile(file: { name: string; path?: string }): void;
}

export interface StoreDeps {
  transport: Pick<Transport, 'send'>;
  storage: Pick<Storage, 'setItem'>;
  initialSettings: ValidatedSettings;
  /** Runs the "parses first" syntax check (the parse worker in the app). */
  checkSyntax: (req: SyntaxCheckRequest) => Promise<Map<string, boolean>>;
  /** Seed per request; random in the app, fixed in tests. */
  newSeed?: () => number;
  initialFileName?: string;
}

const NOT_CONNECTED_HINT =
  'Start the Fanout host (or restart the desktop app); this page reconnects by itself. Your text is kept.';

export function createAppStore(deps: StoreDeps): StoreApi<AppState> {
  const session = Math.random().toString(36).slice(2, 8);
  let seq = 0;
  const newId = (kind: string) => `${kind}-${session}-${++seq}`;
  const newSeed = deps.newSeed ?? (() => Math.floor(Math.random() * 0x7fffffff));
  let errorKey = 0;

  return createStore<AppState>()((set, get) => {
    /** Sends, turning a transport failure into a visible error; returns whether it was sent. */
    const send = (msg: ClientMessage): boolean => {
      try {
        deps.transport.send(msg);
        return true;
      } catch (e) {
        get().showError({ code: 'not-connected', message: `Engine not connected: ${(e as Error).message}.`, hint: NOT_CONNECTED_HINT });
        return false;
      }
    };

    const startLoad = (model: string) => {
      const ref = modelRef(model);
      if (!ref) {
        get().showError({
          code: 'no-model-chosen',
          message: 'No model is chosen.',
          hint: 'Enter a model folder (or an http(s) URL, or synthetic:NAME) in Settings and press Load.',
        });
        return;
      }
      const id = newId('load');
      set({ loading: { id, model: model.trim(), progress: null } });
      if (!send({ type: 'load', id, model: ref })) set({ loading: null });
    };

    /** Starts the syntax check for the finished run when parses-first is selected and possible. */
    const maybeCheckSyntax = () => {
      const { run, prompt, settings, syntax } = get();
      if (settings.rerank !== 'parses') return;
      if (!run || !prompt || run.status === 'generating') return;
      const ext = syntaxCheckExtension(prompt.fileName);
      if (!ext) {
        set({ syntax: { status: 'unsupported' } });
        return;
      }
      if (syntax.status !== 'off' && syntax.status !== 'unsupported' && syntax.runId === run.id) return;
      const runId = run.id;
      const texts = [...new Set(rankableCandidates(run).map((c) => c.text))];
      set({ syntax: { status: 'checking', runId } });
      deps.checkSyntax({ ext, prefix: prompt.prefix, suffix: prompt.suffix, texts }).then(
        (addsErrors) => {
          if (get().run?.id === runId) set({ syntax: { status: 'done', runId, addsErrors } });
        },
        (e: Error) => {
          if (get().run?.id !== runId) return;
          set({ syntax: { status: 'failed', runId, message: e.message } });
          get().showError({
            code: 'syntax-check',
            message: `The syntax check failed: ${e.message}`,
            hint: 'Candidates are ranked by mean log-probability instead. Reload the window to retry.',
          });
        },
      );
    };

    return {
      connection: { kind: 'connecting' },
      model: null,
      device: null,
      loading: null,
      settings: deps.initialSettings.settings,
      run: null,
      prompt: null,
      lastTimings: null,
      selected: 0,
      panelActive: false,
      syntax: { status: 'off' },
      file: { name: deps.initialFileName ?? 'untitled.ts' },
      errors: deps.initialSettings.reset.length
        ? [
            {
              key: ++errorKey,
              code: 'settings-reset',
              message: `Saved settings were invalid and were reset to defaults: ${deps.initialSettings.reset.join(', ')}.`,
              hint: 'Check them in Settings; the rest of your settings were kept.',
            },
          ]
        : [],

      setConnection(connection) {
        const prev = get().connection;
        set({ connection });
        if (connection.kind === 'open' && prev.kind !== 'open') {
          // Ask what the host has loaded; the reply decides whether to load the chosen model.
          send({ type: 'status', id: newId('status') });
        }
        if (connection.kind === 'closed' && prev.kind === 'open') {
          const { run, loading } = get();
          if (run?.status === 'generating') {
            set({
              run: failRun(run, {
                code: 'disconnected',
                message: 'The connection to the engine was lost while generating.',
                hint: 'The candidates decoded so far are kept. Generate again once the engine is back.',
              }),
            });
          }
          if (loading) set({ loading: null });
        }
      },

      receive(msg) {
        const s = get();
        switch (msg.type) {
          case 'status': {
            set({ model: msg.model, device: msg.device || null });
            // Nothing loaded and nothing running: load the chosen model (a busy host may be loading one).
            if (!msg.model && !msg.busy && !s.loading) startLoad(s.settings.model);
            return;
          }
          case 'progress':
            if (s.loading?.id === msg.id) set({ loading: { ...s.loading, progress: msg.progress } });
            return;
          case 'loaded':
            set({ model: msg.model, loading: s.loading?.id === msg.id ? null : s.loading });
            return;
          case 'event': {
            if (!s.run || s.run.id !== msg.id) return; // a cancelled or superseded request
            const run = applyEvent(s.run, msg.event);
            set({ run });
            if (run.status !== 'generating') {
              set({ selected: 0, panelActive: true, lastTimings: run.timings ? { timings: run.timings, attention: run.attention } : s.lastTimings });
              maybeCheckSyntax();
            }
            return;
          }
          case 'error': {
            const error = { code: msg.code, message: msg.message, hint: msg.hint };
            if (s.run?.id === msg.id && s.run.status === 'generating') {
              set({ run: failRun(s.run, error), selected: 0 });
            }
            // A folder refused before anything was unloaded leaves the previous model loaded; the host says
            // which model is loaded now (absent: an older host that always unloaded first).
            if (s.loading?.id === msg.id) set({ loading: null, ...(msg.code === 'load-failed' ? { model: msg.model ?? null } : {}) });
            get().showError(error);
            return;
          }
        }
      },

      updateSettings(patch) {
        const settings = { ...get().settings, ...patch };
        set({ settings });
        try {
          saveSettings(deps.storage, settings);
        } catch {
          // Storage full or disabled: the setting still applies to this session.
        }
        if (patch.rerank !== undefined) {
          set({ selected: 0 });
          if (patch.rerank !== 'parses') set({ syntax: { status: 'off' } });
          maybeCheckSyntax();
        }
      },

      loadModel() {
        const s = get();
        if (s.run?.status === 'generating') {
          s.showError({
            code: 'busy',
            message: 'A generation is running.',
            hint: 'Cancel it (Esc) before loading another model.',
          });
          return;
        }
        startLoad(s.settings.model);
      },

      generate(prompt) {
        const s = get();
        if (s.run?.status === 'generating') return;
        if (s.connection.kind !== 'open') {
          s.showError({ code: 'not-connected', message: 'Engine not connected.', hint: NOT_CONNECTED_HINT });
          return;
        }
        if (!s.model) {
          s.showError({
            code: 'no-model',
            message: s.loading ? 'The model is still loading.' : 'No model is loaded.',
            hint: s.loading ? 'Wait for the progress bar to finish, then press Ctrl/Cmd+Enter again.' : 'Pick a model in Settings and press Load.',
          });
          return;
        }
        const { settings } = s;
        const id = newId('gen');
        const request: Required<GenerateRequest> = {
          prefix: prompt.prefix,
          suffix: prompt.suffix,
          n: settings.n,
          maxTokens: settings.maxTokens,
          temperature: settings.temperature,
          topP: settings.topP,
          topK: 0,
          seed: newSeed(),
          stop: settings.stop,
          stopStrings: [],
          attention: settings.attention,
        };
        if (!send({ type: 'generate', id, request })) return;
        set({
          run: startRun(id, settings.n, settings.attention),
          prompt,
          selected: 0,
          panelActive: false,
          syntax: { status: 'off' },
        });
      },

      cancel() {
        const { run } = get();
        if (run?.status === 'generating') send({ type: 'cancel', id: run.id });
      },

      select(index) {
        set({ selected: Math.max(0, index), panelActive: true });
      },

      moveSelection(delta) {
        const count = visibleCount(get());
        if (count === 0) return;
        set({ selected: (get().selected + delta + count) % count, panelActive: true });
      },

      deactivatePanel() {
        if (get().panelActive) set({ panelActive: false });
      },

      dismiss() {
        if (get().run?.status === 'generating') return;
        set({ run: null, prompt: null, selected: 0, panelActive: false, syntax: { status: 'off' } });
      },

      showError(e) {
        // The same problem reported twice in a row (e.g. repeated key presses) is shown once.
        const last = get().errors.at(-1);
        if (last && last.code === e.code && last.message === e.message) return;
        set({ errors: [...get().errors, { ...e, key: ++errorKey }].slice(-4) });
      },

      dismissError(key) {
        set({ errors: get().errors.filter((e) => e.key !== key) });
      },

      setFile(file) {
        set({ file });
      },
    };
  });
}

const NO_GROUPS: RankedGroup[] = [];
const rankCache = new WeakMap<Run, { mode: RerankMode; syntax: SyntaxState; groups: RankedGroup[] }>();

/** The finished run's candidates, grouped and ranked by the selected mode (memoised per run/mode/syntax). */
export function rankedGroups(s: Pick<AppState, 'run' | 'settings' | 'syntax'>): RankedGroup[] {
  const { run } = s;
  if (!run || run.status === 'generating') return NO_GROUPS; // one constant: React selectors need stable results
  const mode = s.settings.rerank;
  const hit = rankCache.get(run);
  if (hit && hit.mode === mode && hit.syntax === s.syntax) return hit.groups;
  const addsSyntaxErrors = s.syntax.status === 'done' ? s.syntax.addsErrors : undefined;
  const groups = rerank(rankableCandidates(run), mode, { addsSyntaxErrors });
  rankCache.set(run, { mode, syntax: s.syntax, groups });
  return groups;
}

/** The text that Enter would insert: the selected ranked group's text. */
export function selectedText(s: Pick<AppState, 'run' | 'settings' | 'syntax' | 'selected'>): string | undefined {
  return rankedGroups(s)[s.selected]?.text;
}

function visibleCount(s: AppState): number {
  return rankedGroups(s).length;
}
