// The editor's open files kept in the browser's storage, so a crash, reload or lost host never loses what
// was typed: every tab's name, path, text, whether it has unsaved edits, and which tab is shown.
//
// Each window (browser tab, desktop window) keeps its own draft, so two windows never overwrite each
// other's text:
//  - sessionStorage `fanout.window.v3` holds the window's id (a reload keeps it, a new window has none);
//  - localStorage `fanout.draft.v3.w.<window>` is the window's manifest: its tabs (name, path, dirty, the
//    key of the tab's text), the shown tab, when it was saved, which page instance wrote it and whether
//    the window was closed (pagehide);
//  - localStorage `fanout.draft.v3.t.<key>` holds one tab's text, so a tab too big for the storage quota
//    fails alone. Its text then goes to sessionStorage (same key: kept for a reload of this window only)
//    and the older text in localStorage is removed, so recovery never brings back older text over newer.
//
// A reload restores the window's own draft. A new window (no id) restores the drafts of windows that were
// closed: the tabs of the most recent one, then those of the others (bounded; what does not fit stays
// for the next new window); a window that crashed (not closed, its Web Lock released) is found a moment
// later and its tabs are added the same way. A draft is deleted only once another window's manifest
// lists its tabs, or when it has no unsaved text and more than MAX_WINDOWS drafts are kept.
// Ownership is checked on every save: a window whose manifest another page took over (a duplicated
// browser tab copies sessionStorage, so both pages start with the same id) moves to a new id, and a tab
// whose text key another window's manifest lists is written under a new key: two pages never write the
// same entry. The drafts of before (`fanout.draft.v2`: all tabs in one entry; `fanout.draft.v1`: one
// file) are carried over once, as the newest draft, and removed.
export interface DraftTab {
  name: string;
  path?: string;
  text: string;
  dirty?: boolean;
}

export interface Draft {
  tabs: DraftTab[];
  /** Index into `tabs` of the tab shown. */
  active: number;
  /** Saves this window's tabs (loadDraft gives one; DEFAULT_DRAFT has none). */
  keeper?: DraftKeeper;
  /** What to tell the user at start (tabs that could not be restored, tabs brought in from other windows). */
  notices?: DraftNotice[];
}

export interface DraftNotice {
  code: string;
  message: string;
  hint: string;
  /** 'info': tabs brought in from other windows (news, not a failure). */
  level?: 'info';
}

/** The draft of before per-window drafts: all tabs in one entry; read once and carried over. */
export const DRAFT_KEY = 'fanout.draft.v2';
/** One file, before tabs: `{ text, fileName }`; read once and carried over. */
export const DRAFT_KEY_V1 = 'fanout.draft.v1';
/** sessionStorage: this window's id. */
export const WINDOW_KEY = 'fanout.window.v3';
export const MANIFEST_PREFIX = 'fanout.draft.v3.w.';
export const TEXT_PREFIX = 'fanout.draft.v3.t.';
/** Web Lock held by each live window (released by the browser when the page goes, even in a crash). */
export const LOCK_PREFIX = 'fanout.window.';
const ADOPT_LOCK = 'fanout.draft.adopt';

export const EXAMPLE_TEXT = [
  '// Type code, put the cursor where a completion should go and press Ctrl/Cmd+Enter.',
  'function fibonacci(n: number): number {',
  '  ',
  '}',
  '',
].join('\n');

export const DEFAULT_DRAFT: Draft = { tabs: [{ name: 'untitled.ts', text: EXAMPLE_TEXT }], active: 0 };

/** Most tabs a draft restores (a corrupted or hostile draft cannot make the editor create thousands). */
export const MAX_DRAFT_TABS = 64;
/** Drafts kept beyond this many are deleted, oldest first, when they hold no unsaved text. */
export const MAX_WINDOWS = 16;
/** At most this many manifests are read (a hostile storage cannot make start-up parse thousands). */
const MAX_MANIFESTS_READ = 256;
const MAX_PATH = 4096;
/** A tab kept outside localStorage is tried there again after this long (space may have been freed). */
export const RETRY_MS = 10_000;
/** A text entry no manifest lists (a crash between two writes) is deleted after this long. */
export const UNREFERENCED_TTL_MS = 7 * 24 * 3600_000;
/** Without Web Locks: a draft not marked closed counts as a crashed window's after this long. */
export const STALE_WITHOUT_LOCKS_MS = 3600_000;
/** A crashed window's manifest younger than this is left alone (its page may not hold its lock yet). */
const CRASH_MIN_AGE_MS = 2000;

const ID_RE = /^[a-z0-9]{6,32}$/;

type LocalStore = Pick<Storage, 'getItem' | 'setItem'> & Partial<Pick<Storage, 'removeItem' | 'key' | 'length'>>;

/** The part of the Web Locks API this uses (navigator.locks). */
export interface LocksLike {
  request(name: string, options: { ifAvailable?: boolean }, callback: (lock: unknown) => unknown): Promise<unknown>;
  query(): Promise<{ held?: { name?: string }[]; pending?: { name?: string }[] }>;
}

export interface DraftEnv {
  /** sessionStorage: the window id and texts that did not fit in localStorage. */
  session?: LocalStore;
  locks?: LocksLike;
  now?: () => number;
  /** A random id ([a-z0-9], 12 characters). */
  newId?: () => string;
}

/** One tab as the editor has it when the draft is saved. */
export interface SnapshotTab {
  /** The store's tab id. */
  id: string;
  name: string;
  path?: string;
  dirty: boolean;
  /** Changes whenever the text changes (Monaco's model version): an unchanged text is not written again. */
  version: number;
  text(): string;
}

export interface DraftSnapshot {
  tabs: SnapshotTab[];
  /** The store id of the tab shown. */
  active: string;
}

export interface SaveReport {
  /** Everything is in localStorage. */
  ok: boolean;
  /** Tabs whose text is kept only for a reload of this window (sessionStorage). */
  sessionOnly: string[];
  /** Tabs whose text is not kept at all. */
  notKept: string[];
  /** The list of tabs itself could not be written to localStorage. */
  listNotKept: boolean;
  /** Tabs beyond MAX_DRAFT_TABS (not kept in the draft). */
  overLimit?: string[];
}

/** A tab brought in from another window's draft (EditorPane adds it to the store). */
export interface AdoptedTab extends DraftTab {}

interface ManifestTab {
  k: string;
  name: string;
  path?: string;
  dirty?: boolean;
}

interface Manifest {
  id: string;
  at: number;
  owner: string;
  closed: boolean;
  active: number;
  tabs: ManifestTab[];
}

interface Kept {
  key: string;
  /** The text version last written; undefined: not written by this page. */
  version?: number;
  where?: 'local' | 'session' | 'none';
  retryAt?: number;
  name: string;
}

interface Source {
  /** A v3 window id, or null for the drafts of before. */
  id: string | null;
  at: number;
  active: number;
  tabs: SourceTab[];
  unkept: string[];
}

interface SourceTab {
  key?: string;
  /** Where its text was found: sessionStorage only holds it for reloads of this window. */
  where?: 'local' | 'session';
  tab: DraftTab;
}

// ---- storage helpers: every call may throw (disabled storage, quota), none may crash the app ----

function get(s: LocalStore | undefined, k: string): string | null {
  try {
    return s ? s.getItem(k) : null;
  } catch {
    return null;
  }
}

function put(s: LocalStore | undefined, k: string, v: string): boolean {
  if (!s) return false;
  try {
    s.setItem(k, v);
    return true;
  } catch {
    return false;
  }
}

function del(s: LocalStore | undefined, k: string): void {
  try {
    s?.removeItem?.(k);
  } catch {
    // nothing to do
  }
}

function keysOf(s: LocalStore): string[] {
  const out: string[] = [];
  try {
    const n = typeof s.length === 'number' && s.key ? s.length : 0;
    for (let i = 0; i < n; i++) {
      const k = s.key!(i);
      if (k !== null) out.push(k);
    }
  } catch {
    // an unreadable storage lists nothing
  }
  return out;
}

function parse(raw: string | null): unknown {
  if (raw === null) return null;
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}

function validName(n: unknown): n is string {
  return typeof n === 'string' && n.length > 0 && n.length <= 255;
}

function isDraftTab(t: unknown): t is DraftTab {
  const o = t as Partial<DraftTab> | null;
  return !!o && typeof o === 'object' && validName(o.name) && typeof o.text === 'string';
}

function cleanTab(t: { name: string; path?: unknown; dirty?: unknown }, text: string): DraftTab {
  return {
    name: t.name,
    text,
    ...(typeof t.path === 'string' && t.path && t.path.length <= MAX_PATH ? { path: t.path } : {}),
    ...(t.dirty === true ? { dirty: true } : {}),
  };
}

function parseManifest(id: string, raw: string | null): Manifest | null {
  const o = parse(raw) as Partial<Manifest> & { v?: unknown } | null;
  if (!o || typeof o !== 'object' || o.v !== 3 || !Array.isArray(o.tabs)) return null;
  const tabs: ManifestTab[] = [];
  for (const t of o.tabs.slice(0, MAX_DRAFT_TABS)) {
    const e = t as Partial<ManifestTab> | null;
    if (!e || typeof e !== 'object' || typeof e.k !== 'string' || !ID_RE.test(e.k) || !validName(e.name)) continue;
    tabs.push({ k: e.k, name: e.name, ...(typeof e.path === 'string' && e.path && e.path.length <= MAX_PATH ? { path: e.path } : {}), ...(e.dirty === true ? { dirty: true } : {}) });
  }
  const at = typeof o.at === 'number' && Number.isFinite(o.at) ? o.at : 0;
  const active = Number.isInteger(o.active) && o.active! >= 0 && o.active! < tabs.length ? o.active! : 0;
  return { id, at, owner: typeof o.owner === 'string' ? o.owner : '', closed: o.closed === true, active, tabs };
}

function readManifests(local: LocalStore): Map<string, Manifest> {
  const out = new Map<string, Manifest>();
  for (const k of keysOf(local)) {
    if (!k.startsWith(MANIFEST_PREFIX)) continue;
    const id = k.slice(MANIFEST_PREFIX.length);
    if (!ID_RE.test(id)) continue;
    const m = parseManifest(id, get(local, k));
    if (m) out.set(id, m);
    if (out.size >= MAX_MANIFESTS_READ) break;
  }
  return out;
}

/** A tab's text: localStorage, else (kept for reloads only) sessionStorage. */
function readText(local: LocalStore, session: LocalStore | undefined, key: string): { text: string; where: 'local' | 'session' } | null {
  for (const [s, where] of [[local, 'local'], [session, 'session']] as const) {
    const o = parse(get(s, TEXT_PREFIX + key)) as { text?: unknown } | null;
    if (o && typeof o === 'object' && typeof o.text === 'string') return { text: o.text, where };
  }
  return null;
}

function sourceOf(m: Manifest, local: LocalStore, session: LocalStore | undefined): Source {
  const tabs: Source['tabs'] = [];
  const unkept: string[] = [];
  let active = 0;
  m.tabs.forEach((t, i) => {
    const found = readText(local, session, t.k);
    if (found === null) {
      unkept.push(t.name);
      return;
    }
    if (i <= m.active) active = tabs.length;
    tabs.push({ key: t.k, where: found.where, tab: cleanTab(t, found.text) });
  });
  return { id: m.id, at: m.at, active: Math.min(active, Math.max(tabs.length - 1, 0)), tabs, unkept };
}

/** The draft of before (v2, else v1), and the entries to remove once it is carried over. */
function legacySource(local: LocalStore): { source: Source; raws: [string, string][] } | null {
  const raws: [string, string][] = [];
  for (const k of [DRAFT_KEY, DRAFT_KEY_V1]) {
    const raw = get(local, k);
    if (raw !== null) raws.push([k, raw]);
  }
  if (!raws.length) return null;
  const v2 = parse(get(local, DRAFT_KEY)) as { tabs?: unknown; active?: unknown } | null;
  if (v2 && typeof v2 === 'object' && Array.isArray(v2.tabs)) {
    const tabs = v2.tabs.filter(isDraftTab).slice(0, MAX_DRAFT_TABS).map((t) => ({ tab: cleanTab(t, t.text) }));
    if (tabs.length) {
      const a = v2.active;
      const active = typeof a === 'number' && Number.isInteger(a) && a >= 0 && a < tabs.length ? a : 0;
      return { source: { id: null, at: Number.MAX_SAFE_INTEGER, active, tabs, unkept: [] }, raws };
    }
  }
  const v1 = parse(get(local, DRAFT_KEY_V1)) as { text?: unknown; fileName?: unknown } | null;
  if (v1 && typeof v1 === 'object' && typeof v1.text === 'string' && validName(v1.fileName)) {
    return { source: { id: null, at: Number.MAX_SAFE_INTEGER, active: 0, tabs: [{ tab: { name: v1.fileName, text: v1.text } }], unkept: [] }, raws };
  }
  // Unreadable: nothing to carry over; removed with the first save (it is not text anyone can get back).
  return { source: { id: null, at: Number.MAX_SAFE_INTEGER, active: 0, tabs: [], unkept: [] }, raws };
}

const sameTab = (a: DraftTab, b: DraftTab) => a.name === b.name && a.path === b.path && a.text === b.text;
/** The example a new window starts with, untouched: not worth bringing into another window. */
const isPristineExample = (t: DraftTab) => !t.dirty && !t.path && t.text === EXAMPLE_TEXT;

/**
 * Merges drafts (newest first) into one window's tabs: all of the first's tabs (its shown tab stays
 * shown), then the others', skipping copies of a tab already there and untouched examples, within
 * `room` tabs. A draft whose tabs do not all fit is left out whole (it stays for another window).
 */
function mergeSources(sources: Source[], existing: DraftTab[], room: number): { tabs: SourceTab[]; active: number; used: Source[]; unkept: string[] } {
  const tabs: SourceTab[] = [];
  const used: Source[] = [];
  const unkept: string[] = [];
  let active = 0;
  const have = [...existing];
  for (const s of sources) {
    const add = s.tabs.filter((t, i) => !have.some((h) => sameTab(h, t.tab)) && !(used.length + existing.length > 0 && isPristineExample(t.tab)) && s.tabs.findIndex((u) => sameTab(u.tab, t.tab)) === i);
    if (tabs.length + add.length > room) continue;
    if (!used.length) active = Math.max(0, add.indexOf(s.tabs[s.active]!));
    tabs.push(...add);
    have.push(...add.map((t) => t.tab));
    used.push(s);
    unkept.push(...s.unkept);
  }
  return { tabs, active: tabs.length ? Math.min(active, tabs.length - 1) : 0, used, unkept };
}

function unkeptNotice(names: string[]): DraftNotice {
  const list = names.slice(0, 5).join(', ') + (names.length > 5 ? ` and ${names.length - 5} more` : '');
  return {
    code: 'draft-not-restored',
    message: `${names.length === 1 ? 'A tab' : `${names.length} tabs`} of the draft could not be restored (${list}): the browser's storage was full when ${names.length === 1 ? 'it' : 'they'} last changed.`,
    hint: 'The other tabs are restored. Save big files with Save so they do not depend on the draft.',
  };
}

function defaultEnv(): DraftEnv {
  const g = globalThis as { sessionStorage?: Storage; navigator?: { locks?: LocksLike } };
  let session: LocalStore | undefined;
  try {
    session = g.sessionStorage;
    session?.getItem(WINDOW_KEY);
  } catch {
    session = undefined;
  }
  let locks: LocksLike | undefined;
  try {
    locks = g.navigator?.locks;
  } catch {
    locks = undefined;
  }
  return { session, locks };
}

function randomId(): string {
  const bytes = new Uint8Array(12);
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (c?.getRandomValues) c.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => '0123456789abcdefghijklmnopqrstuvwxyz'[b % 36]).join('');
}

/**
 * This window's draft: its own after a reload, else what closed windows left (and the drafts of before).
 * `storage` is localStorage; sessionStorage and Web Locks are taken from the page unless `env` gives them.
 * Also deletes what is no longer needed (bounded, never unsaved text no other draft lists).
 */
export function loadDraft(storage: LocalStore, envIn: DraftEnv = defaultEnv()): Draft {
  const env: Required<Pick<DraftEnv, 'now' | 'newId'>> & DraftEnv = { now: () => Date.now(), newId: randomId, ...envIn };
  const local = storage;
  const session = env.session;
  const now = env.now();
  const manifests = readManifests(local);
  const legacy = legacySource(local);
  /** Drafts of before with tabs in them (an unreadable one is only removed). */
  const newer = legacy && legacy.source.tabs.length ? legacy.source : null;
  const notices: DraftNotice[] = [];
  const ownId = get(session, WINDOW_KEY);
  const own = ownId && ID_RE.test(ownId) ? manifests.get(ownId) ?? parseManifest(ownId, get(session, MANIFEST_PREFIX + ownId)) : null;

  let winId: string;
  let fresh: boolean;
  let entitled: boolean;
  let sources: Source[];
  const adopting = new Set<string>();
  if (own && !newer) {
    // A reload (or a browser tab restored with its session): this window's own draft.
    winId = own.id;
    fresh = false;
    // Closed: its page is gone (pagehide). Otherwise a crashed page, or a live one that shares the id
    // (a duplicated browser tab): the window's Web Lock tells which; without Web Locks, move to a new id.
    entitled = own.closed;
    sources = [sourceOf(own, local, session)];
  } else {
    // A new window, or the drafts of before were written after this window's: they are newer and become
    // this window's tabs (alone: what windows left stays, as closed windows' drafts, for the next new window).
    winId = env.newId();
    fresh = true;
    entitled = true;
    put(session, WINDOW_KEY, winId);
    const orphans = [...manifests.values()]
      .filter((m) => m.id !== ownId && (m.closed || (!env.locks && now - m.at > STALE_WITHOUT_LOCKS_MS)))
      .sort((a, b) => b.at - a.at)
      .map((m) => sourceOf(m, local, session));
    sources = newer ? [newer] : orphans;
  }
  const merged = mergeSources(sources, [], MAX_DRAFT_TABS);
  for (const s of merged.used) if (s.id && s.id !== winId) adopting.add(s.id);
  if (merged.unkept.length) notices.push(unkeptNotice(merged.unkept));
  const left = fresh ? sources.filter((s) => !merged.used.includes(s) && s.tabs.length) : [];
  if (left.length) {
    const n = left.reduce((a, s) => a + s.tabs.length, 0);
    notices.push({
      code: 'draft-left',
      level: 'info',
      message: `${n} more tabs of ${left.length === 1 ? 'a window' : `${left.length} windows`} closed earlier did not fit in this window (at most ${MAX_DRAFT_TABS} tabs).`,
      hint: 'Open Fanout in another browser tab or window to get them back; they stay kept until then.',
    });
  }
  const fromOthers = merged.used.filter((s) => s.id !== null && s.id !== winId).length;
  if (fromOthers > 1) {
    notices.push({
      code: 'draft-merged',
      level: 'info',
      message: `Tabs of ${fromOthers} windows that were closed are restored here.`,
      hint: 'Each window of Fanout keeps its own draft; a new window brings back what closed windows had open.',
    });
  }
  collectGarbage(local, manifests, new Set([winId, ...adopting]), now);

  const tabs: SourceTab[] = merged.tabs.length ? merged.tabs : DEFAULT_DRAFT.tabs.map((tab) => ({ tab }));
  const keeper = new DraftKeeper(env, local, {
    winId,
    fresh,
    entitled,
    keys: tabs.map((t) => (t.key ? { key: t.key, where: t.where ?? 'local' } : undefined)),
    adopting,
    legacy: legacy?.raws ?? [],
    startedEmpty: !merged.tabs.length,
  });
  return { tabs: tabs.map((t) => t.tab), active: merged.tabs.length ? merged.active : 0, keeper, notices };
}

/**
 * Deletes drafts beyond MAX_WINDOWS (oldest first; only those of closed windows that hold no unsaved
 * text) and text entries no manifest has listed for UNREFERENCED_TTL_MS.
 */
function collectGarbage(local: LocalStore, manifests: Map<string, Manifest>, keep: Set<string>, now: number): void {
  if (!local.removeItem) return;
  const all = [...manifests.values()].sort((a, b) => a.at - b.at);
  let count = all.length;
  for (const m of all) {
    if (count <= MAX_WINDOWS) break;
    if (keep.has(m.id) || !m.closed || m.tabs.some((t) => t.dirty)) continue;
    del(local, MANIFEST_PREFIX + m.id);
    manifests.delete(m.id);
    count--;
  }
  const listed = new Set([...manifests.values()].flatMap((m) => m.tabs.map((t) => t.k)));
  for (const k of keysOf(local)) {
    if (!k.startsWith(TEXT_PREFIX)) continue;
    const key = k.slice(TEXT_PREFIX.length);
    if (listed.has(key)) continue;
    const o = parse(get(local, k)) as { at?: unknown } | null;
    const at = o && typeof o === 'object' && typeof o.at === 'number' ? o.at : 0;
    if (now - at > UNREFERENCED_TTL_MS) del(local, k);
  }
}

interface KeeperInit {
  winId: string;
  fresh: boolean;
  entitled: boolean;
  /** Text keys of the draft's tabs, in order (undefined: not stored under this window's keys yet). */
  keys: ({ key: string; where: 'local' | 'session' } | undefined)[];
  adopting: Set<string>;
  legacy: [string, string][];
  startedEmpty: boolean;
}

/**
 * Writes one window's draft: each tab's text under its own key (only when it changed), then the
 * window's manifest. Never writes before it knows the window is its own (its Web Lock).
 */
export class DraftKeeper {
  /** This page's instance (a reload is another instance of the same window). */
  readonly instance: string;
  /** The window started with the example (nothing restored): an untouched example may be replaced. */
  readonly startedEmpty: boolean;
  private winId: string;
  private readonly fresh: boolean;
  private entitled: boolean;
  private ready: boolean;
  private pending = false;
  private wrote = false;
  /** pagehide was seen (and no pageshow since): the draft is written as a closed window's. */
  private closed = false;
  private snapshot?: () => DraftSnapshot;
  private onReport?: (r: SaveReport) => void;
  private initialKeys: KeeperInit['keys'];
  private readonly bound = new Map<string, Kept>();
  /** Text keys of closed tabs, removed once a manifest without them is written. */
  private readonly toRemove = new Set<string>();
  private readonly adopting: Set<string>;
  private legacy: [string, string][];
  private release?: () => void;
  private readyWaiters: (() => void)[] = [];
  private last: SaveReport = { ok: true, sessionOnly: [], notKept: [], listNotKept: false };
  private readonly now: () => number;
  private readonly newId: () => string;

  constructor(private readonly env: DraftEnv, private readonly local: LocalStore, init: KeeperInit) {
    this.now = env.now ?? (() => Date.now());
    this.newId = env.newId ?? randomId;
    this.instance = this.newId();
    this.winId = init.winId;
    this.fresh = init.fresh;
    this.entitled = init.entitled;
    this.initialKeys = init.keys;
    this.adopting = init.adopting;
    this.legacy = init.legacy;
    this.startedEmpty = init.startedEmpty;
    this.ready = !env.locks;
    if (env.locks) this.lock(this.winId, !this.entitled);
  }

  /** This window's id (sessionStorage). */
  get windowId(): string {
    return this.winId;
  }

  /** Resolves once the keeper may write (its window's lock is held, or there are no Web Locks). */
  whenReady(): Promise<void> {
    return this.ready ? Promise.resolve() : new Promise((r) => this.readyWaiters.push(r));
  }

  /** Holds the window's Web Lock; `check`: only if free (a live page holding it shares this window's id). */
  private lock(id: string, check: boolean): void {
    const locks = this.env.locks!;
    const onLock = (lock: unknown) => {
      if (id !== this.winId) return undefined; // moved to another id meanwhile
      if (check) this.entitled = lock !== null; // not free: another live page owns this id, so this page moves
      this.setReady();
      if (lock === null) return undefined;
      return new Promise<void>((r) => (this.release = r));
    };
    try {
      locks.request(LOCK_PREFIX + id, check ? { ifAvailable: true } : {}, onLock).catch(() => this.setReady());
    } catch {
      this.setReady(); // no lock: a window that is not known to be its own moves to a new id (entitled stays false)
    }
  }

  private setReady(): void {
    if (this.ready) return;
    this.ready = true;
    for (const w of this.readyWaiters.splice(0)) w();
    if (this.snapshot) this.flush();
  }

  /**
   * Connects the editor: `snapshot` reads the tabs at save time; `initialIds` are the store ids of the
   * draft's tabs, in the draft's order (their texts, as restored, are already stored); `onReport` hears
   * the outcome of every save.
   */
  attach(snapshot: () => DraftSnapshot, initialIds: string[], onReport?: (r: SaveReport) => void): void {
    this.snapshot = snapshot;
    this.onReport = onReport;
    const snap = snapshot();
    initialIds.forEach((id, i) => {
      const k = this.initialKeys[i];
      const t = snap.tabs.find((x) => x.id === id);
      if (k && t) this.bound.set(id, { key: k.key, version: t.version, where: k.where, retryAt: 0, name: t.name });
    });
    this.initialKeys = [];
    if (this.ready) this.flush();
  }

  /** Takes the store id of a tab brought in with `key` (its text is stored there already). */
  private bind(id: string, key: string | undefined, version: number, name: string): void {
    this.bound.set(id, key ? { key, version, where: 'local', name } : { key: this.newId(), name });
  }

  /** Moves this page to a new window id (its old one belongs to another page now). */
  private fork(): void {
    this.release?.();
    this.release = undefined;
    this.winId = this.newId();
    put(this.env.session, WINDOW_KEY, this.winId);
    this.wrote = false;
    this.entitled = true;
    if (this.env.locks) this.lock(this.winId, false);
  }

  /** Saves what changed. `closing`: the page is going away (pagehide): the draft is marked closed. */
  flush(opts: { closing?: boolean } = {}): SaveReport {
    // Once the page is hidden for good (pagehide), later saves keep the mark: Chromium fires
    // visibilitychange after pagehide, and that save must not make the draft look open again.
    if (opts.closing) this.closed = true;
    if (!this.snapshot) return this.last;
    if (!this.ready) {
      this.pending = true;
      return this.last;
    }
    this.pending = false;
    const { local } = this;
    const session = this.env.session;
    const now = this.now();
    const snap = this.snapshot();
    let all = readManifests(local);
    const mine = all.get(this.winId);
    // Another page took this window's draft over (or took its id): continue under a new id.
    if (this.wrote ? !mine || mine.owner !== this.instance : !this.entitled) {
      this.fork();
      all = readManifests(local);
    }
    const taken = new Set<string>();
    for (const m of all.values()) if (m.id !== this.winId && !this.adopting.has(m.id)) for (const t of m.tabs) taken.add(t.k);

    const entries: ManifestTab[] = [];
    for (const t of snap.tabs.slice(0, MAX_DRAFT_TABS)) {
      let kept = this.bound.get(t.id);
      // Another window lists this text key too (it restored the same draft): this window writes its own copy.
      if (!kept || taken.has(kept.key)) {
        kept = { key: this.newId(), name: t.name };
        this.bound.set(t.id, kept);
      }
      kept.name = t.name;
      if (kept.version !== t.version || (kept.where !== 'local' && now >= (kept.retryAt ?? 0))) {
        this.writeText(kept, t, now);
      }
      entries.push({ k: kept.key, name: t.name, ...(t.path ? { path: t.path } : {}), ...(t.dirty ? { dirty: true } : {}) });
    }
    const open = new Set(snap.tabs.map((t) => t.id));
    for (const [id, kept] of this.bound) {
      if (open.has(id)) continue;
      this.bound.delete(id);
      if (!taken.has(kept.key)) this.toRemove.add(kept.key);
    }
    const active = Math.max(0, Math.min(entries.length - 1, snap.tabs.findIndex((t) => t.id === snap.active)));
    const manifest = JSON.stringify({ v: 3, at: now, owner: this.instance, active, tabs: entries, ...(this.closed ? { closed: true } : {}) });
    const listed = this.writeManifest(manifest);
    let freed = false;
    // Not in localStorage (full): nobody can take it over, so no move is due next time.
    this.wrote = listed;
    if (listed) {
      const mineNow = new Set(entries.map((e) => e.k));
      for (const k of this.toRemove) {
        if (mineNow.has(k)) continue;
        del(local, TEXT_PREFIX + k);
        del(session, TEXT_PREFIX + k);
        freed = true;
      }
      this.toRemove.clear();
      // The drafts brought into this window: their manifests go, and texts of theirs this window did not take.
      for (const id of this.adopting) {
        const m = all.get(id);
        del(local, MANIFEST_PREFIX + id);
        for (const t of m?.tabs ?? []) if (!mineNow.has(t.k) && !taken.has(t.k)) del(local, TEXT_PREFIX + t.k);
        freed = true;
      }
      this.adopting.clear();
      if (this.freeLegacy()) freed = true;
    }
    // Space was freed: try again what did not fit.
    if (freed) {
      for (const t of snap.tabs) {
        const kept = this.bound.get(t.id);
        if (kept && kept.where !== 'local') this.writeText(kept, t, now);
      }
    }
    const overLimit = snap.tabs.slice(MAX_DRAFT_TABS).map((t) => t.name);
    const report: SaveReport = {
      ok: listed && !overLimit.length && [...this.bound.values()].every((k) => k.where === 'local'),
      sessionOnly: [...this.bound.values()].filter((k) => k.where === 'session').map((k) => k.name),
      notKept: [...this.bound.values()].filter((k) => k.where === 'none').map((k) => k.name),
      listNotKept: !listed,
      ...(overLimit.length ? { overLimit } : {}),
    };
    this.last = report;
    this.onReport?.(report);
    return report;
  }

  /** Removes the drafts of before, once carried over (only as they were read: a newer one stays). */
  private freeLegacy(): boolean {
    let freed = false;
    for (const [k, raw] of this.legacy) {
      if (get(this.local, k) === raw) {
        del(this.local, k);
        freed = true;
      }
    }
    this.legacy = [];
    return freed;
  }

  private writeText(kept: Kept, t: SnapshotTab, now: number): void {
    const { local } = this;
    const session = this.env.session;
    const key = TEXT_PREFIX + kept.key;
    const value = JSON.stringify({ text: t.text(), at: now });
    kept.version = t.version;
    if (put(local, key, value)) {
      if (kept.where !== 'local') del(session, key);
      kept.where = 'local';
      return;
    }
    // Never leave the older text where a later start would restore it over this one.
    del(local, key);
    if (this.legacy.length && this.freeLegacy() && put(local, key, value)) {
      del(session, key);
      kept.where = 'local';
      return;
    }
    kept.retryAt = now + RETRY_MS;
    if (put(session, key, value)) {
      kept.where = 'session';
      return;
    }
    del(session, key);
    kept.where = 'none';
  }

  private writeManifest(value: string): boolean {
    const key = MANIFEST_PREFIX + this.winId;
    const session = this.env.session;
    if (put(this.local, key, value) || (del(this.local, key), put(this.local, key, value))) {
      del(session, key);
      return true;
    }
    // Kept for a reload of this window at least.
    put(session, key, value);
    return false;
  }

  /** The page came back from the back/forward cache: its draft is open again (or moves if taken over). */
  reopen(): SaveReport {
    this.closed = false;
    return this.flush();
  }

  /**
   * A new window: finds drafts of windows that crashed (not closed, their Web Lock free) and hands their
   * tabs to `add` (which puts them in the editor and returns their store ids, in order). Resolves with
   * how many tabs were added.
   */
  async adoptCrashed(add: (tabs: AdoptedTab[], active: number) => string[]): Promise<number> {
    const locks = this.env.locks;
    if (!locks || !this.fresh) return 0;
    await this.whenReady();
    let added = 0;
    await locks.request(ADOPT_LOCK, {}, async () => {
      const q = await locks.query();
      const live = new Set([...(q.held ?? []), ...(q.pending ?? [])].map((l) => l.name));
      const now = this.now();
      const all = readManifests(this.local);
      const crashed = [...all.values()]
        .filter((m) => m.id !== this.winId && !m.closed && !this.adopting.has(m.id) && !live.has(LOCK_PREFIX + m.id) && now - m.at > CRASH_MIN_AGE_MS)
        .sort((a, b) => b.at - a.at)
        .map((m) => sourceOf(m, this.local, this.env.session));
      if (!crashed.length || !this.snapshot) return;
      const snap = this.snapshot();
      const existing = snap.tabs.map((t) => ({ name: t.name, ...(t.path ? { path: t.path } : {}), text: t.text() }));
      const merged = mergeSources(crashed, existing, MAX_DRAFT_TABS - snap.tabs.length);
      if (!merged.used.length) return;
      const ids = add(merged.tabs.map((t) => t.tab), merged.active);
      const after = this.snapshot();
      ids.forEach((id, i) => {
        const t = merged.tabs[i];
        const v = after.tabs.find((x) => x.id === id);
        if (t && v) this.bind(id, t.key, v.version, v.name);
      });
      for (const s of merged.used) if (s.id) this.adopting.add(s.id);
      this.flush();
      added = ids.length;
    });
    return added;
  }
}

/** The storage could not take the draft: what to tell the user (null when all is kept). */
export function saveProblem(r: SaveReport): DraftNotice | null {
  if (r.ok) return null;
  const names = (l: string[]) => l.slice(0, 3).join(', ') + (l.length > 3 ? ` and ${l.length - 3} more` : '');
  if (r.overLimit?.length && !r.notKept.length && !r.sessionOnly.length && !r.listNotKept) {
    return {
      code: 'draft-too-many-tabs',
      message: `The draft keeps the first ${MAX_DRAFT_TABS} tabs: ${names(r.overLimit)} ${r.overLimit.length === 1 ? 'is' : 'are'} not kept.`,
      hint: 'Save those files, or close tabs you no longer need.',
    };
  }
  if (r.notKept.length || r.listNotKept) {
    return {
      code: 'draft-not-saved',
      message: r.notKept.length
        ? `The draft could not keep ${names(r.notKept)}: this browser's storage is full or disabled.`
        : "The draft's list of tabs could not be saved: this browser's storage is full or disabled.",
      hint: 'Your text is still in the editor; use Save to keep a copy on disk.',
    };
  }
  return {
    code: 'draft-not-saved',
    message: `This browser's storage is full: ${names(r.sessionOnly)} ${r.sessionOnly.length === 1 ? 'is' : 'are'} kept for a reload of this window only, not after it closes.`,
    hint: 'Use Save to keep a copy on disk, or close big files you no longer need.',
  };
}
