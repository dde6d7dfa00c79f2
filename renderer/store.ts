// App state (zustand): connection, model, settings, the current generate run, selection, errors.
// Every host message goes through `receive`; every message to the host goes through the injected
// transport. Nothing here touches Monaco or the DOM, so the whole lifecycle is testable under Node.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AttentionMode, GenerateRequest, LoadProgress, ModelInfo, Timings } from '../protocol/engine.ts';
import type { ClientMessage, HostMessage, HostState, LocalModelList } from './protocol.ts';
import type { ConnectionState, Transport } from './transport.ts';
import { applyEvent, failRun, finishedCount, queueRun, rankableCandidates, startRun, type Run } from './run.ts';
import { rerank, type RankedGroup, type RerankMode } from './rerank.ts';
import { modelRef, remoteRef, saveSettings, type Settings, type ValidatedSettings } from './settings.ts';

/** What a load in flight will make the setting once it has loaded: a local model as typed, or a remote server. */
type LoadTarget = { kind: 'local'; model: string } | { kind: 'remote'; remote: Pick<Settings, 'remoteUrl' | 'remoteModel' | 'remoteFim'> };
import { syntaxCheckExtension, type SyntaxCheckRequest } from './syntax-check.ts';
import { autoSamplesFor, autoStopFor, continuations, SuggestionCache } from './autocomplete.ts';
import { ContextRing } from './context-ring.ts';
import { activeAfterClose, untitledName, type Tab } from './tabs.ts';

export interface AppError {
  key: number;
  code: string;
  message: string;
  /** What the user can do about it. */
  hint: string;
  /** 'info': news, not a failure (tabs brought back from another window's draft). */
  level?: 'info';
}

/** What the request was made from: needed to re-check syntax and to label the run. */
export interface RunPrompt {
  prefix: string;
  suffix: string;
  fileName: string;
}

/**
 * The models on the engine's machine (the model list): not asked for yet, being listed (the previous
 * list, if any, is kept meanwhile), listed, or the host could not list them (an older host, the
 * in-browser engine page, a failure): then the list says so and how to load a model by its path.
 */
export type LocalModelsState =
  | { status: 'idle' }
  | { status: 'listing'; id: string; list: LocalModelList | null }
  | { status: 'listed'; list: LocalModelList }
  | { status: 'failed'; message: string; hint: string };

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
  /**
   * A load in flight: this page's (its request id and the model as typed) or another page's, seen in the
   * host's state (id null, the model as the host names it); the latest progress; whether the weights are
   * still streaming or the kernels compile.
   */
  loading: { id: string | null; model: string; progress: LoadProgress | null; phase?: 'loading' | 'compiling' } | null;
  /** What the host is doing, as it last said (`state` events, status replies); null until then or from older hosts. */
  host: HostState | null;
  /** The host has said what it is doing on this connection (a `state` event or a status reply). */
  hostKnown: boolean;
  settings: Settings;
  run: Run | null;
  prompt: RunPrompt | null;
  /** The latest finished run's timings and attention mode (kept after its candidates are dismissed). */
  lastTimings: { timings: Timings; attention: AttentionMode } | null;
  /** Index into rankedGroups(state) (or into the live list while generating). */
  selected: number;
  /** The candidates panel takes Up/Down/Enter/Esc from the editor while this is true. */
  panelActive: boolean;
  /** Who started the current run: Ctrl/Cmd+Enter ('explicit') or a typing pause ('auto'). */
  runKind: 'explicit' | 'auto';
  /** Which alternative the ghost text shows when the panel is not active (Alt+] / Alt+[). */
  ghostIndex: number;
  syntax: SyntaxState;
  errors: AppError[];
  /** The file in the editor (the active tab's): its name picks the language; `path` (desktop only) lets Save write back. */
  file: { name: string; path?: string };
  /** The open files, in tab order; there is always at least one. */
  tabs: Tab[];
  /** The id of the tab shown. */
  activeTab: string;
  /** The GGUF models on the engine's machine, for the model list (listLocalModels). */
  localModels: LocalModelsState;

  receive(msg: HostMessage): void;
  /**
   * Several host messages in order, as `receive` would take them one by one, but each run of token,
   * start and finish events of the current request is folded into one state update: a 32-sample run
   * sends hundreds of such events a second, and one update (one render, one ghost-text refresh) per
   * event kept the page's main thread too busy to paint the first suggestion.
   */
  receiveAll(msgs: readonly HostMessage[]): void;
  setConnection(state: ConnectionState): void;
  updateSettings(patch: Partial<Settings>): void;
  /**
   * Loads `model` (as typed: folder, URL), default the model setting. The setting becomes `model` only once
   * the host says it loaded, so a folder that fails to load never replaces the last one that worked.
   */
  loadModel(model?: string): void;
  /** Points the engine's host at the remote server of the settings (Settings → Engine → Remote); `apiKey` when typed (the host keeps it). */
  connectRemote(remote: Pick<Settings, 'remoteUrl' | 'remoteModel' | 'remoteFim'>, apiKey?: string): void;
  /**
   * Samples completions at `prompt`. Explicit (Ctrl/Cmd+Enter): n from the settings, the panel takes the
   * keys when it ends. `auto` (a typing pause): the device's n, one line or one block, ghost text only;
   * it replaces a running automatic request and is skipped while an explicit one runs or the engine is not ready.
   */
  generate(prompt: RunPrompt, opts?: { auto?: boolean }): void;
  cancel(): void;
  /** Asks the host for the models on its machine (Ollama, LM Studio, FANOUT_MODEL_DIRS); the answer lands in `localModels`. */
  listLocalModels(): void;
  /** Typing made the automatic run stale (or Esc on its ghost text): cancel it if running and clear its cards. */
  dropAuto(): void;
  /** The whole ghost text was inserted (Tab): the run is over (cancelled if still decoding) and its cards go. */
  acceptedSuggestion(): void;
  /** Alt+] / Alt+[: the next or previous alternative as ghost text (ghostIndex, taken modulo the alternatives). */
  cycleGhost(delta: number): void;
  /**
   * Completions that still fit the cursor at `prefix`|`suffix`, best first: the current run's ranked
   * samples (finished ones, while it decodes), else a recent run's (a small cache keyed by prefix+suffix),
   * shortened by what was typed since (see autocomplete.ts continuations). Never blank.
   */
  suggestionsAt(prefix: string, suffix: string): string[];
  select(index: number): void;
  moveSelection(delta: number): void;
  /** Hides keyboard handling of the panel (Esc, typing elsewhere); the candidates stay listed. */
  deactivatePanel(): void;
  /** Clears the finished run's candidates. */
  dismiss(): void;
  showError(e: Omit<AppError, 'key'>): void;
  dismissError(key: number): void;
  /** Renames the active tab (Save As, a browser download's name). */
  setFile(file: { name: string; path?: string }): void;
  /** Adds a tab (default: a new untitled file) after the active one and shows it; returns its id. */
  addTab(file?: { name: string; path?: string; dirty?: boolean }): string;
  /**
   * Shows the tab `id`. The current run belongs to the tab it was made in: leaving the tab cancels it and
   * clears its cards (and the ghost text).
   */
  activateTab(id: string): void;
  /** Removes the tab `id` (a new untitled tab replaces the last one); returns the id of the tab shown after. */
  closeTab(id: string): string;
  setTabDirty(id: string, dirty: boolean): void;
  /**
   * Keeps the lines around line `line` (0-based) of a tab's text as context for requests in other tabs
   * (context-ring.ts): called when the user leaves, opens, saves or closes a file.
   */
  pickContext(id: string, text: string, line: number): void;
  /** What a request in the active tab would send as context from other files (for the panel and tests). */
  contextFor(prefix: string, suffix: string): { name: string; text: string }[];
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
  /** The tabs to start with (the draft's), and which is shown; default one tab named initialFileName. */
  initialTabs?: { name: string; path?: string; dirty?: boolean }[];
  initialActive?: number;
}

const NOT_CONNECTED_HINT =
  'Start the Fanout host (or restart the desktop app); this page reconnects by itself. Your text is kept.';
/** Generating while disconnected: the panel already explains the connection (NOT_CONNECTED_HINT), so this says what to do next. */
const GENERATE_NOT_CONNECTED_HINT = 'Your text is kept. Press Ctrl/Cmd+Enter again once the status bar says "Engine connected".';

/** How long to wait before re-sending a request an older host refused as busy (it does not queue). */
export const BUSY_RETRY_MS = 1000;

export function createAppStore(deps: StoreDeps): StoreApi<AppState> {
  const session = Math.random().toString(36).slice(2, 8);
  let seq = 0;
  const newId = (kind: string) => `${kind}-${session}-${++seq}`;
  const newSeed = deps.newSeed ?? (() => Math.floor(Math.random() * 0x7fffffff));
  let errorKey = 0;
  let tabSeq = 0;
  const newTab = (f: { name: string; path?: string; dirty?: boolean }): Tab => ({
    id: `tab-${++tabSeq}`,
    name: f.name,
    ...(f.path ? { path: f.path } : {}),
    dirty: f.dirty === true,
  });
  const initialTabs = (deps.initialTabs?.length ? deps.initialTabs : [{ name: deps.initialFileName ?? 'untitled.ts' }]).map(newTab);
  const initialActive = initialTabs[Math.min(Math.max(deps.initialActive ?? 0, 0), initialTabs.length - 1)];
  /** Chunks of other tabs (and closed files) for the prompt. */
  const ring = new ContextRing();
  /** Recent runs' ranked texts by prompt, so returning to a prefix shows its suggestions without a request. */
  const suggestions = new SuggestionCache();
  /** This page's loads in flight: request id → the model as typed (saved as the setting once loaded). */
  const loadRequests = new Map<string, LoadTarget>();
  /** The generate request of the current run (re-sent after a `busy` refusal) and the pending re-send. */
  let lastGenerate: { id: string; request: Required<GenerateRequest> } | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  const clearRetry = () => {
    clearTimeout(retryTimer);
    retryTimer = undefined;
  };

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

    /** Loads the engine the settings name: the local model, or the remote server. */
    const startConfigured = () => {
      const st = get().settings;
      if (st.engine === 'remote') startRemote({ remoteUrl: st.remoteUrl, remoteModel: st.remoteModel, remoteFim: st.remoteFim });
      else startLoad(st.model);
    };

    const startRemote = (remote: Pick<Settings, 'remoteUrl' | 'remoteModel' | 'remoteFim'>, apiKey?: string) => {
      const ref = remoteRef(remote, apiKey);
      if (!ref) {
        get().showError({ code: 'no-model-chosen', message: 'No remote server is chosen.', hint: 'Enter the server\'s base URL in Settings → Engine → Remote and press Connect.' });
        return;
      }
      const id = newId('load');
      const url = remote.remoteUrl.trim();
      loadRequests.set(id, { kind: 'remote', remote: { remoteUrl: url, remoteModel: remote.remoteModel.trim(), remoteFim: remote.remoteFim } });
      set({ loading: { id, model: url, progress: null, phase: 'loading' } });
      if (!send({ type: 'load', id, model: ref })) {
        loadRequests.delete(id);
        set({ loading: null });
      }
    };

    const startTarget = (t: LoadTarget) => (t.kind === 'local' ? startLoad(t.model) : startRemote(t.remote));

    const startLoad = (model: string) => {
      const ref = modelRef(model);
      if (!ref) {
        get().showError({
          code: 'no-model-chosen',
          message: 'No model is chosen.',
          hint: 'Enter a model folder on the engine\'s machine (or an http(s) URL serving one) in Settings and press Load.',
        });
        return;
      }
      const id = newId('load');
      loadRequests.set(id, { kind: 'local', model: model.trim() });
      set({ loading: { id, model: model.trim(), progress: null, phase: 'loading' } });
      if (!send({ type: 'load', id, model: ref })) {
        loadRequests.delete(id);
        set({ loading: null });
      }
    };

    /** Takes the host's state: the model, the device, and a load in flight (this page's or another's). */
    const applyHostState = (st: HostState) => {
      const s = get();
      const mine = s.loading?.id ? s.loading : null;
      let loading: AppState['loading'];
      if (st.phase === 'loading' || st.phase === 'compiling') {
        loading = {
          id: mine?.id ?? null,
          model: mine?.model ?? st.loading?.model ?? '',
          progress: st.loading?.progress ?? mine?.progress ?? null,
          phase: st.phase,
        };
      } else {
        // This page's load is in flight until its `loaded` or error (the host may not have started it yet).
        loading = mine;
      }
      set({ host: st, hostKnown: true, model: st.model, device: st.device || s.device, loading });
    };

    /** Re-sends the current run's request once an older host (which refuses rather than queues) may be free. */
    const retryLater = (id: string) => {
      clearRetry();
      retryTimer = setTimeout(() => {
        retryTimer = undefined;
        const { run } = get();
        if (lastGenerate?.id !== id || run?.id !== id || run.status !== 'generating') return;
        send({ type: 'generate', id, request: lastGenerate.request });
      }, BUSY_RETRY_MS);
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
      host: null,
      hostKnown: false,
      settings: deps.initialSettings.settings,
      run: null,
      prompt: null,
      lastTimings: null,
      selected: 0,
      panelActive: false,
      runKind: 'explicit',
      ghostIndex: 0,
      syntax: { status: 'off' },
      file: { name: initialActive.name, ...(initialActive.path ? { path: initialActive.path } : {}) },
      tabs: initialTabs,
      activeTab: initialActive.id,
      localModels: { status: 'idle' },
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
          const lm = get().localModels;
          if (lm.status === 'listing') set({ localModels: { status: 'failed', message: 'The connection to the engine was lost while it listed the models.', hint: 'Open the list again once the status bar says "Engine connected".' } });
          // What the host was doing is unknown until it answers again; its loads and requests ended with it.
          loadRequests.clear();
          clearRetry();
          set({ host: null, hostKnown: false });
        }
      },

      receiveAll(msgs) {
        let i = 0;
        while (i < msgs.length) {
          const m = msgs[i]!;
          const run = get().run;
          if (m.type === 'event' && run && run.id === m.id && m.event.type !== 'done') {
            // Only `done` ends a run, so folding the others keeps what receive() would do: applyEvent + set.
            let next = run;
            for (; i < msgs.length; i++) {
              const x = msgs[i]!;
              if (x.type !== 'event' || x.id !== run.id || x.event.type === 'done') break;
              next = applyEvent(next, x.event);
            }
            set({ run: next });
            continue;
          }
          get().receive(m);
          i++;
        }
      },

      receive(msg) {
        const s = get();
        switch (msg.type) {
          case 'status': {
            set({ model: msg.model, device: msg.device || null, hostKnown: true });
            // Older hosts send no state: then `busy` (a load or generate runs) is all there is to go on.
            const st = (msg as { state?: HostState }).state;
            if (st) applyHostState(st);
            // Nothing loaded and nothing loading: load the chosen model (another page may be loading one).
            const idle = st ? st.phase === 'idle' : !msg.model && !msg.busy;
            if (idle && !get().loading) startConfigured();
            return;
          }
          case 'state':
            applyHostState(msg.state);
            return;
          case 'progress':
            if (s.loading?.id === msg.id) {
              const phase = msg.progress.phase === 'compile' ? 'compiling' : s.loading.phase;
              set({ loading: { ...s.loading, progress: msg.progress, phase } });
            }
            return;
          case 'loaded': {
            const target = loadRequests.get(msg.id);
            loadRequests.delete(msg.id);
            set({ model: msg.model, loading: s.loading?.id === msg.id ? null : s.loading });
            // Only now does the model field's text (or the remote server) become the setting: a folder or a
            // server that fails keeps the last good one.
            if (target?.kind === 'local' && (target.model !== get().settings.model || get().settings.engine !== 'local')) get().updateSettings({ model: target.model, engine: 'local' });
            if (target?.kind === 'remote') get().updateSettings({ engine: 'remote', ...target.remote });
            return;
          }
          case 'queued':
            if (s.run?.id === msg.id) set({ run: queueRun(s.run, { reason: msg.reason, position: msg.position }) });
            return;
          case 'models':
            if (s.localModels.status === 'listing' && s.localModels.id === msg.id) set({ localModels: { status: 'listed', list: msg.list } });
            return;
          case 'event': {
            if (!s.run || s.run.id !== msg.id) return; // a cancelled or superseded request
            const run = applyEvent(s.run, msg.event);
            set({ run });
            if (run.status !== 'generating') {
              // An explicit run takes the keys (Up/Down/Enter); an automatic one only shows ghost text (Tab).
              set({ selected: 0, panelActive: s.runKind === 'explicit', lastTimings: run.timings ? { timings: run.timings, attention: run.attention } : s.lastTimings });
              maybeCheckSyntax();
              // Kept for coming back to this prompt; a cancelled sample's text is cut short, so it is not kept.
              const finished = rankedGroups(get()).filter((g) => g.finishReason !== null && g.finishReason !== 'cancelled');
              if (s.prompt) suggestions.put({ prefix: s.prompt.prefix, suffix: s.prompt.suffix, texts: finished.map((g) => g.text) });
            }
            return;
          }
          case 'error': {
            const error = { code: msg.code, message: msg.message, hint: msg.hint };
            if (s.localModels.status === 'listing' && s.localModels.id === msg.id) {
              // Shown in the model list itself, not as a notice. An older host does not know list-models at all.
              const unknown = msg.code === 'bad-message' && /\btype\b/.test(msg.message);
              set({
                localModels: {
                  status: 'failed',
                  message: unknown ? 'This engine host cannot list the models on its machine (it is older than this page).' : msg.message,
                  hint: unknown ? 'Type the path of a .gguf file or a model folder in Settings → Model.' : msg.hint,
                },
              });
              return;
            }
            if (msg.code === 'busy' && msg.id !== null) {
              // An older host (or the desktop stand-in) refuses instead of queueing: wait and ask again.
              // Not an error for the user: the request simply has not started yet.
              if (s.run?.id === msg.id && s.run.status === 'generating') {
                set({ run: queueRun(s.run, { reason: 'queue', position: 0 }) });
                retryLater(msg.id);
                return;
              }
              if (s.loading?.id === msg.id) {
                const target = loadRequests.get(msg.id);
                loadRequests.delete(msg.id);
                set({ loading: null });
                if (target !== undefined) setTimeout(() => !get().loading && get().connection.kind === 'open' && startTarget(target), BUSY_RETRY_MS);
                return;
              }
            }
            if (msg.id !== null) loadRequests.delete(msg.id);
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

      loadModel(model) {
        if (get().runKind === 'auto') get().dropAuto();
        const s = get();
        if (s.run?.status === 'generating') {
          s.showError({
            code: 'load-while-generating',
            message: 'A generation is running.',
            hint: 'Cancel it (Esc) before loading another model.',
          });
          return;
        }
        if (model === undefined) startConfigured();
        else startLoad(model);
      },

      connectRemote(remote, apiKey) {
        if (get().runKind === 'auto') get().dropAuto();
        if (get().run?.status === 'generating') {
          get().showError({ code: 'load-while-generating', message: 'A generation is running.', hint: 'Cancel it (Esc) before connecting to another engine.' });
          return;
        }
        startRemote(remote, apiKey);
      },

      generate(prompt, opts = {}) {
        const s = get();
        const auto = opts.auto === true;
        if (s.run?.status === 'generating') {
          // An automatic request never interrupts an explicit one; a newer request replaces an automatic one
          // (the host supersedes it too; the cancel is for hosts that do not).
          if (s.runKind === 'explicit') return;
          s.cancel();
        }
        // A typing pause is no reason to show errors: automatic requests need a connected, ready engine.
        if (auto && (s.connection.kind !== 'open' || enginePhase(s) !== 'ready')) return;
        if (s.connection.kind !== 'open') {
          s.showError({ code: 'not-connected', message: 'Engine not connected.', hint: GENERATE_NOT_CONNECTED_HINT });
          return;
        }
        const phase = enginePhase(s);
        if (phase === 'idle') {
          s.showError({ code: 'no-model', message: 'No model is loaded.', hint: 'Enter a model folder in Settings and press Load.' });
          return;
        }
        // Before the model is ready the request is sent anyway: the host queues it and runs it when ready.
        const waiting = phase === 'ready' ? undefined : ({ reason: 'model-loading', position: 0 } as const);
        const { settings } = s;
        const id = newId('gen');
        // Automatic: few samples on a CPU adapter (latency), one line unless the cursor opens a block.
        const n = auto ? settings.autoN || autoSamplesFor(s.device ?? s.model?.device) : settings.n;
        const request: Required<GenerateRequest> = {
          prefix: prompt.prefix,
          suffix: prompt.suffix,
          n,
          maxTokens: settings.maxTokens,
          temperature: settings.temperature,
          topP: settings.topP,
          topK: 0,
          seed: settings.seed >= 0 ? settings.seed : newSeed(),
          stop: auto ? autoStopFor(prompt.prefix) : settings.stop,
          stopStrings: [],
          attention: settings.attention,
          // An explicit request wants something to insert: no sample may end (end-of-text) before its first token.
          // An automatic one may end empty: "nothing to suggest here" is an answer (no ghost text).
          minTokens: auto ? 0 : 1,
          context: settings.contextTokens > 0 ? s.contextFor(prompt.prefix, prompt.suffix) : [],
          contextTokens: settings.contextTokens,
          fileName: prompt.fileName,
        };
        clearRetry();
        if (!send({ type: 'generate', id, request })) return;
        lastGenerate = { id, request };
        set({
          run: startRun(id, n, settings.attention, waiting),
          runKind: auto ? 'auto' : 'explicit',
          prompt,
          selected: 0,
          ghostIndex: 0,
          panelActive: false,
          syntax: { status: 'off' },
        });
      },

      listLocalModels() {
        const lm = get().localModels;
        // One listing at a time (the host shares one anyway).
        if (lm.status === 'listing') return;
        const id = newId('models');
        const previous = lm.status === 'listed' ? lm.list : null;
        set({ localModels: { status: 'listing', id, list: previous } });
        try {
          deps.transport.send({ type: 'list-models', id });
        } catch (e) {
          set({ localModels: { status: 'failed', message: `Engine not connected: ${(e as Error).message}.`, hint: NOT_CONNECTED_HINT } });
        }
      },

      cancel() {
        const { run } = get();
        if (run?.status !== 'generating') return;
        if (retryTimer !== undefined) {
          // Refused as busy and not re-sent yet: the host holds nothing to cancel.
          clearRetry();
          set({ run: { ...run, status: 'cancelled', waiting: undefined }, selected: 0 });
          return;
        }
        send({ type: 'cancel', id: run.id });
      },

      dropAuto() {
        const s = get();
        if (s.runKind !== 'auto' || !s.run) return;
        if (s.run.status === 'generating') s.cancel();
        set({ run: null, prompt: null, selected: 0, ghostIndex: 0, panelActive: false, syntax: { status: 'off' } });
      },

      acceptedSuggestion() {
        const s = get();
        if (!s.run) return;
        if (s.run.status === 'generating') s.cancel();
        set({ run: null, prompt: null, selected: 0, ghostIndex: 0, panelActive: false, syntax: { status: 'off' } });
      },

      cycleGhost(delta) {
        set({ ghostIndex: get().ghostIndex + delta });
      },

      suggestionsAt(prefix, suffix) {
        const s = get();
        if (s.run && s.prompt) {
          const live = continuations({ prefix: s.prompt.prefix, suffix: s.prompt.suffix, texts: rankedGroups(s).map((g) => g.text) }, prefix, suffix);
          if (live.length > 0) return live;
        }
        return suggestions.lookup(prefix, suffix);
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
        const { tabs, activeTab } = get();
        ring.rename(activeTab, file.name);
        set({
          file,
          tabs: tabs.map((t) => (t.id === activeTab ? { id: t.id, name: file.name, ...(file.path ? { path: file.path } : {}), dirty: t.dirty } : t)),
        });
      },

      addTab(file) {
        const { tabs, activeTab } = get();
        const tab = newTab(file ?? { name: untitledName(tabs) });
        const at = tabs.findIndex((t) => t.id === activeTab) + 1;
        set({ tabs: [...tabs.slice(0, at), tab, ...tabs.slice(at)] });
        get().activateTab(tab.id);
        return tab.id;
      },

      activateTab(id) {
        const s = get();
        const tab = s.tabs.find((t) => t.id === id);
        if (!tab || id === s.activeTab) return;
        if (s.run?.status === 'generating') s.cancel();
        set({
          activeTab: id,
          file: { name: tab.name, ...(tab.path ? { path: tab.path } : {}) },
          run: null,
          prompt: null,
          selected: 0,
          ghostIndex: 0,
          panelActive: false,
          syntax: { status: 'off' },
        });
      },

      closeTab(id) {
        const s = get();
        if (!s.tabs.some((t) => t.id === id)) return s.activeTab;
        let tabs = s.tabs;
        let next = activeAfterClose(tabs, id, s.activeTab);
        if (next === undefined) {
          const fresh = newTab({ name: untitledName([]) });
          tabs = [...tabs, fresh];
          next = fresh.id;
        }
        get().activateTab(next);
        set({ tabs: tabs.filter((t) => t.id !== id) });
        return next;
      },

      setTabDirty(id, dirty) {
        const { tabs } = get();
        if (!tabs.some((t) => t.id === id && t.dirty !== dirty)) return;
        set({ tabs: tabs.map((t) => (t.id === id ? { ...t, dirty } : t)) });
      },

      pickContext(id, text, line) {
        const tab = get().tabs.find((t) => t.id === id);
        if (tab) ring.pick(id, tab.path ?? tab.name, text, line);
      },

      contextFor(prefix, suffix) {
        return ring.chunksFor(get().activeTab, prefix + suffix);
      },
    };
  });
}

const NO_GROUPS: RankedGroup[] = [];
const rankCache = new WeakMap<Run, { mode: RerankMode; syntax: SyntaxState; groups: RankedGroup[] }>();

/** While decoding: the last ranking of a run, kept while no further sample finished (token events change `run`). */
let liveRank: { id: string; finished: number; mode: RerankMode; groups: RankedGroup[] } | null = null;

/**
 * The run's candidates, grouped and ranked by the selected mode (memoised per run/mode/syntax). While the
 * run decodes, its finished samples are ranked as they arrive (progressive: the ghost text and the panel
 * show the best so far); the result only changes when another sample finishes.
 */
export function rankedGroups(s: Pick<AppState, 'run' | 'settings' | 'syntax'>): RankedGroup[] {
  const { run } = s;
  if (!run) return NO_GROUPS; // one constant: React selectors need stable results
  const mode = s.settings.rerank;
  if (run.status === 'generating') {
    const finished = finishedCount(run);
    if (finished === 0) return NO_GROUPS;
    if (liveRank && liveRank.id === run.id && liveRank.finished === finished && liveRank.mode === mode) return liveRank.groups;
    // No syntax check yet (it runs on the finished run): parses-first orders by mean log-probability meanwhile.
    const groups = rerank(rankableCandidates(run), mode, {});
    liveRank = { id: run.id, finished, mode, groups };
    return groups;
  }
  const hit = rankCache.get(run);
  if (hit && hit.mode === mode && hit.syntax === s.syntax) return hit.groups;
  const addsSyntaxErrors = s.syntax.status === 'done' ? s.syntax.addsErrors : undefined;
  const groups = rerank(rankableCandidates(run), mode, { addsSyntaxErrors });
  rankCache.set(run, { mode, syntax: s.syntax, groups });
  return groups;
}

export type EnginePhase = 'offline' | 'connecting' | 'idle' | 'loading' | 'compiling' | 'ready';

/**
 * What the engine can do now, for the panel, the status bar and generate: offline (not connected),
 * connecting (connected; the host has not said yet what it does), idle (no model, none loading), loading
 * (weights), compiling (kernels), ready. Taken from the host's state;
 * for an older host without one, from the loaded model and this page's load.
 */
export function enginePhase(s: Pick<AppState, 'connection' | 'host' | 'hostKnown' | 'model' | 'loading'>): EnginePhase {
  if (s.connection.kind !== 'open') return 'offline';
  if (s.loading) return s.loading.phase ?? 'loading';
  // Connected, and the host has not said yet: not "no model" (it may be loading one for another page).
  if (!s.hostKnown) return 'connecting';
  if (s.host) return s.host.phase;
  return s.model ? 'ready' : 'idle';
}

/** The text that Enter would insert: the selected ranked group's text. */
export function selectedText(s: Pick<AppState, 'run' | 'settings' | 'syntax' | 'selected'>): string | undefined {
  return rankedGroups(s)[s.selected]?.text;
}

function visibleCount(s: AppState): number {
  return rankedGroups(s).length;
}
