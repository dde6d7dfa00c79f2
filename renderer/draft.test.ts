import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DRAFT,
  DRAFT_KEY,
  DRAFT_KEY_V1,
  EXAMPLE_TEXT,
  loadDraft,
  LOCK_PREFIX,
  MANIFEST_PREFIX,
  MAX_DRAFT_TABS,
  MAX_WINDOWS,
  saveProblem,
  TEXT_PREFIX,
  UNREFERENCED_TTL_MS,
  WINDOW_KEY,
  type AdoptedTab,
  type Draft,
  type DraftEnv,
  type LocksLike,
  type SaveReport,
} from './draft.ts';

/** A Storage with an optional quota (characters of keys and values, as browsers count), that counts writes. */
class FakeStorage {
  m = new Map<string, string>();
  writes: string[] = [];
  constructor(public quota = Infinity) {}
  get length() {
    return this.m.size;
  }
  key(i: number) {
    return [...this.m.keys()][i] ?? null;
  }
  getItem(k: string) {
    return this.m.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    const used = [...this.m].reduce((n, [a, b]) => n + (a === k ? 0 : a.length + b.length), 0);
    if (used + k.length + v.length > this.quota) throw new DOMException('full', 'QuotaExceededError');
    this.m.set(k, v);
    this.writes.push(k);
  }
  removeItem(k: string) {
    this.m.delete(k);
  }
  /** A copy, as a browser copies sessionStorage into a duplicated tab. */
  clone() {
    const c = new FakeStorage(this.quota);
    c.m = new Map(this.m);
    return c;
  }
}

/** Web Locks shared by the pages of one browser: each page gets a client; a page that goes releases its locks. */
class FakeLockManager {
  held = new Map<string, { page: number; release: () => void }>();
  waiting: { name: string; page: number; grant: () => void }[] = [];
  client(page: number): LocksLike & { drop(): void } {
    const mgr = this;
    return {
      request(name, options, callback) {
        return new Promise((resolve) => {
          const grant = () => {
            let released = false;
            const release = () => {
              if (released) return;
              released = true;
              mgr.held.delete(name);
              const next = mgr.waiting.findIndex((w) => w.name === name);
              if (next >= 0) mgr.waiting.splice(next, 1)[0]!.grant();
            };
            mgr.held.set(name, { page, release });
            Promise.resolve(callback({ name })).then(release, release).then(resolve);
          };
          if (!mgr.held.has(name)) grant();
          else if (options.ifAvailable) Promise.resolve(callback(null)).then(resolve);
          else mgr.waiting.push({ name, page, grant });
        });
      },
      async query() {
        return { held: [...mgr.held.keys()].map((name) => ({ name })), pending: mgr.waiting.map((w) => ({ name: w.name })) };
      },
      drop() {
        mgr.waiting = mgr.waiting.filter((w) => w.page !== page);
        for (const [, h] of [...mgr.held]) if (h.page === page) h.release();
      },
    };
  }
}

const tick = () => new Promise((r) => setTimeout(r, 0));

interface PageTab {
  id: string;
  name: string;
  path?: string;
  dirty: boolean;
  text: string;
  version: number;
}

let pageSeq = 0;
let clock = 1_000_000;

/** A browser (one localStorage, one lock manager) whose pages run the draft as EditorPane does. */
class Browser {
  local: FakeStorage;
  locks = new FakeLockManager();
  constructor(public useLocks = true, quota = Infinity) {
    this.local = new FakeStorage(quota);
  }
  /** Opens a page: a new window (fresh session) or one with this session (a reload, a duplicated tab). */
  async open(session = new FakeStorage()): Promise<Page> {
    const p = new Page(this, session);
    await p.start();
    return p;
  }
}

class Page {
  readonly n = ++pageSeq;
  draft!: Draft;
  tabs: PageTab[] = [];
  active = '';
  reports: SaveReport[] = [];
  adopted: AdoptedTab[] = [];
  private seq = 0;
  private lockClient: (LocksLike & { drop(): void }) | undefined;
  constructor(private browser: Browser, public session: FakeStorage) {}

  async start() {
    this.lockClient = this.browser.useLocks ? this.browser.locks.client(this.n) : undefined;
    const env: DraftEnv = { session: this.session, locks: this.lockClient, now: () => (clock += 1000) };
    this.draft = loadDraft(this.browser.local, env);
    this.tabs = this.draft.tabs.map((t) => ({ id: this.newId(), name: t.name, path: t.path, dirty: t.dirty === true, text: t.text, version: 1 }));
    this.active = this.tabs[this.draft.active]!.id;
    this.draft.keeper!.attach(
      () => ({ tabs: this.tabs.map((t) => ({ ...t, text: () => t.text })), active: this.active }),
      this.tabs.map((t) => t.id),
      (r) => this.reports.push(r),
    );
    await this.draft.keeper!.whenReady();
    await tick();
  }
  private newId() {
    return `tab-${++this.seq}`;
  }
  get texts() {
    return this.tabs.map((t) => t.text);
  }
  get names() {
    return this.tabs.map((t) => t.name);
  }
  type(text: string, index = this.tabs.findIndex((t) => t.id === this.active)) {
    const t = this.tabs[index]!;
    t.text += text;
    t.dirty = true;
    t.version++;
    return this.save();
  }
  addTab(name: string, text = '', dirty = false) {
    const t = { id: this.newId(), name, dirty, text, version: 1 };
    this.tabs.push(t);
    this.active = t.id;
    return this.save();
  }
  closeTab(index: number) {
    this.tabs.splice(index, 1);
    this.active = this.tabs[0]!.id;
    return this.save();
  }
  save() {
    return this.draft.keeper!.flush();
  }
  /** pagehide: the page is closed or reloaded. */
  close() {
    this.draft.keeper!.flush({ closing: true });
    this.lockClient?.drop();
  }
  /** The page's process dies: nothing more is written, its locks go. */
  crash() {
    this.lockClient?.drop();
  }
  async adoptCrashed() {
    return this.draft.keeper!.adoptCrashed((tabs) => {
      this.adopted.push(...tabs);
      return tabs.map((t) => {
        const tab = { id: this.newId(), name: t.name, path: t.path, dirty: t.dirty === true, text: t.text, version: 1 };
        this.tabs.push(tab);
        return tab.id;
      });
    });
  }
  /** Reloads: pagehide, then the same session loads the app again. */
  async reload(): Promise<Page> {
    this.close();
    return this.browser.open(this.session);
  }
}

const draftKeys = (s: FakeStorage) => [...s.m.keys()].filter((k) => k.startsWith('fanout.draft'));

describe('draft: one window', () => {
  it('a reload restores every tab, its name, path, unsaved flag and the tab shown', async () => {
    const b = new Browser();
    const p = await b.open();
    expect(p.texts).toEqual([EXAMPLE_TEXT]);
    p.type('x');
    p.addTab('b.py', 'y', true);
    p.tabs[1]!.path = '/p/b.py';
    p.save();
    const r = await p.reload();
    expect(r.draft.tabs).toEqual([
      { name: 'untitled.ts', text: EXAMPLE_TEXT + 'x', dirty: true },
      { name: 'b.py', path: '/p/b.py', text: 'y', dirty: true },
    ]);
    expect(r.draft.active).toBe(1);
    expect(r.draft.notices).toEqual([]);
    // The same window: same id, nothing new in storage.
    expect(r.session.getItem(WINDOW_KEY)).toBe(p.session.getItem(WINDOW_KEY));
    expect(draftKeys(b.local).filter((k) => k.startsWith(MANIFEST_PREFIX))).toHaveLength(1);
  });

  it('writes only the tabs whose text changed; a closed tab leaves the storage', async () => {
    const b = new Browser();
    const p = await b.open();
    p.addTab('big.ts', 'x'.repeat(1000));
    p.addTab('c.ts', 'c');
    b.local.writes = [];
    p.type('!');
    const texts = b.local.writes.filter((k) => k.startsWith(TEXT_PREFIX));
    expect(texts).toHaveLength(1);
    const before = draftKeys(b.local).filter((k) => k.startsWith(TEXT_PREFIX)).length;
    p.closeTab(1);
    expect(draftKeys(b.local).filter((k) => k.startsWith(TEXT_PREFIX))).toHaveLength(before - 1);
    const r = await p.reload();
    expect(r.names).toEqual(['untitled.ts', 'c.ts']);
  });
});

describe('draft: several windows (each keeps its own; none overwrites another)', () => {
  it('two windows each keep their text across reloads, and a new window after both closed gets both', async () => {
    // Before per-window drafts, both saved to one key: the last to save won and the other's text was lost.
    const b = new Browser();
    const a = await b.open();
    const c = await b.open();
    a.type('// from A');
    c.type('// from C');
    a.type(' and more A'); // A saves last
    const a2 = await a.reload();
    const c2 = await c.reload();
    expect(a2.texts).toEqual([EXAMPLE_TEXT + '// from A and more A']);
    expect(c2.texts).toEqual([EXAMPLE_TEXT + '// from C']);
    a2.close();
    c2.close();
    const fresh = await b.open();
    expect(fresh.texts.sort()).toEqual([EXAMPLE_TEXT + '// from A and more A', EXAMPLE_TEXT + '// from C']);
    // The window closed last is the one shown; a notice says tabs of two windows were merged.
    expect(fresh.tabs.find((t) => t.id === fresh.active)!.text).toBe(EXAMPLE_TEXT + '// from C');
    expect(fresh.draft.notices!.map((n) => n.code)).toEqual(['draft-merged']);
    // Once this window's draft lists them, the two old drafts are gone.
    fresh.save();
    expect(draftKeys(b.local).filter((k) => k.startsWith(MANIFEST_PREFIX))).toEqual([MANIFEST_PREFIX + fresh.session.getItem(WINDOW_KEY)]);
  });

  it('a save after pagehide (Chromium fires visibilitychange after it) keeps the window marked closed', async () => {
    const b = new Browser();
    const a = await b.open();
    a.type('// typed');
    a.close(); // pagehide
    a.save(); // visibilitychange: hidden
    const fresh = await b.open();
    expect(fresh.texts).toEqual([EXAMPLE_TEXT + '// typed']);
  });

  it('a new window next to a live one does not take its draft', async () => {
    const b = new Browser();
    const a = await b.open();
    a.type('mine');
    const other = await b.open();
    expect(other.texts).toEqual([EXAMPLE_TEXT]);
    a.type(' still mine');
    other.type('theirs');
    expect((await a.reload()).texts).toEqual([EXAMPLE_TEXT + 'mine still mine']);
  });

  for (const useLocks of [true, false]) {
    it(`a duplicated browser tab (same session id) continues under its own id${useLocks ? '' : ' (no Web Locks)'}`, async () => {
      const b = new Browser(useLocks);
      const a = await b.open();
      a.type('A');
      const dup = await b.open(a.session.clone());
      expect(dup.texts).toEqual([EXAMPLE_TEXT + 'A']);
      dup.type(' dup');
      a.type(' original');
      expect(dup.session.getItem(WINDOW_KEY)).not.toBe(a.session.getItem(WINDOW_KEY));
      expect((await a.reload()).texts).toEqual([EXAMPLE_TEXT + 'A original']);
      expect((await dup.reload()).texts).toEqual([EXAMPLE_TEXT + 'A dup']);
    });
  }

  it('two new windows that restored the same closed draft write separate copies', async () => {
    const b = new Browser(false);
    const a = await b.open();
    a.type('shared');
    a.close();
    // Both start before either saved (both see the closed draft).
    const s1 = new FakeStorage();
    const s2 = new FakeStorage();
    const d1 = loadDraft(b.local, { session: s1 });
    const d2 = loadDraft(b.local, { session: s2 });
    expect(d1.tabs[0]!.text).toBe(EXAMPLE_TEXT + 'shared');
    expect(d2.tabs[0]!.text).toBe(EXAMPLE_TEXT + 'shared');
    const tab = (text: string, version: number) => ({ tabs: [{ id: 't', name: 'untitled.ts', dirty: true, version, text: () => text }], active: 't' });
    let t1 = EXAMPLE_TEXT + 'shared';
    let t2 = t1;
    d1.keeper!.attach(() => tab(t1, t1.length), ['t']);
    d2.keeper!.attach(() => tab(t2, t2.length), ['t']);
    t1 += ' one';
    d1.keeper!.flush();
    t2 += ' two';
    d2.keeper!.flush();
    t1 += '!';
    d1.keeper!.flush({ closing: true });
    d2.keeper!.flush({ closing: true });
    const fresh = await b.open();
    expect(fresh.texts.sort()).toEqual([EXAMPLE_TEXT + 'shared one!', EXAMPLE_TEXT + 'shared two']);
  });

  it('a page back from the back/forward cache whose draft another window took continues under a new id', async () => {
    const b = new Browser(false);
    const a = await b.open();
    a.type('A');
    a.draft.keeper!.flush({ closing: true }); // pagehide into the cache
    const taker = await b.open();
    expect(taker.texts).toEqual([EXAMPLE_TEXT + 'A']);
    taker.type(' taker');
    a.draft.keeper!.reopen(); // pageshow
    a.type(' back');
    expect((await taker.reload()).texts).toEqual([EXAMPLE_TEXT + 'A taker']);
    expect((await a.reload()).texts).toEqual([EXAMPLE_TEXT + 'A back']);
  });
});

describe('draft: crashes', () => {
  it('a crashed window (not closed, its lock free) is brought into the next new window', async () => {
    const b = new Browser();
    const a = await b.open();
    a.type('unsaved');
    a.addTab('b.ts', 'b', true);
    a.crash();
    clock += 10_000;
    const fresh = await b.open();
    // Not closed: not taken at start, but found through its free lock.
    expect(fresh.texts).toEqual([EXAMPLE_TEXT]);
    expect(fresh.draft.keeper!.startedEmpty).toBe(true);
    expect(await fresh.adoptCrashed()).toBe(2);
    expect(fresh.adopted.map((t) => t.text)).toEqual([EXAMPLE_TEXT + 'unsaved', 'b']);
    // Its draft is this window's now.
    expect(draftKeys(b.local).filter((k) => k.startsWith(MANIFEST_PREFIX))).toEqual([MANIFEST_PREFIX + fresh.session.getItem(WINDOW_KEY)]);
    expect(await (await b.open()).adoptCrashed()).toBe(0);
  });

  it('a live window is never taken as crashed; a crashed page restored with its session gets its own draft', async () => {
    const b = new Browser();
    const live = await b.open();
    live.type('live');
    clock += 10_000;
    const a = await b.open();
    a.type('crashed');
    const session = a.session;
    a.crash();
    clock += 10_000;
    const restored = await b.open(session); // the browser restores the tab after its crash
    expect(restored.texts).toEqual([EXAMPLE_TEXT + 'crashed']);
    expect(restored.session.getItem(WINDOW_KEY)).toBe(session.getItem(WINDOW_KEY));
    expect(await (await b.open()).adoptCrashed()).toBe(0);
    expect(b.locks.held.has(LOCK_PREFIX + live.session.getItem(WINDOW_KEY))).toBe(true);
  });
});

describe('draft: storage quota', () => {
  it('a tab too big for the quota fails alone; its older text is not restored over the newer; a notice names it', async () => {
    // Before: the whole draft was one entry; a write over the quota left the previous entry, whose older
    // text the next start restored.
    const b = new Browser(true, 4000);
    const p = await b.open();
    p.addTab('big.ts', 'small start', true);
    p.type('old text', 0);
    const r1 = p.type('x'.repeat(5000), 1);
    expect(r1.ok).toBe(false);
    expect(r1.sessionOnly).toEqual(['big.ts']);
    expect(saveProblem(r1)!.message).toMatch(/big\.ts is kept for a reload of this window only/);
    // The older text of big.ts is gone from localStorage, and the small tab is still written.
    expect([...b.local.m.values()].some((v) => v.includes('small start'))).toBe(false);
    p.type(' newest', 0);
    // A reload of this window has both (big.ts from sessionStorage).
    const r = await p.reload();
    expect(r.texts).toEqual([EXAMPLE_TEXT + 'old text newest', 'small start' + 'x'.repeat(5000)]);
    // A new window (another session) has the newest small tab, and says big.ts could not be kept.
    r.close();
    const fresh = await b.open();
    expect(fresh.texts).toEqual([EXAMPLE_TEXT + 'old text newest']);
    expect(fresh.draft.notices!.map((n) => n.code)).toEqual(['draft-not-restored']);
    expect(fresh.draft.notices![0]!.message).toMatch(/big\.ts/);
  });

  it('when sessionStorage is full too, the tab is reported as not kept; space freed later brings it back', async () => {
    const b = new Browser(true, 3000);
    const p = await b.open(new FakeStorage(100));
    p.addTab('a.ts', 'x'.repeat(1500), true);
    const r = p.addTab('b.ts', 'y'.repeat(1500), true);
    expect(r.notKept).toEqual(['b.ts']);
    expect(saveProblem(r)!.message).toMatch(/could not keep b\.ts/);
    // Closing a.ts frees its space: b.ts is written at once.
    const after = p.closeTab(1);
    expect(after.ok).toBe(true);
    expect(saveProblem(after)).toBeNull();
    p.close();
    expect((await b.open()).names).toEqual(['untitled.ts', 'b.ts']);
  });
});

describe('draft: the formats of before', () => {
  it('carries the v2 draft over once', async () => {
    const b = new Browser();
    const v2 = { tabs: [{ name: 'a.ts', text: 'x' }, { name: 'b.py', path: '/p/b.py', text: 'y', dirty: true }], active: 1 };
    b.local.setItem(DRAFT_KEY, JSON.stringify(v2));
    const p = await b.open();
    expect({ tabs: p.draft.tabs, active: p.draft.active }).toEqual(v2);
    expect(b.local.getItem(DRAFT_KEY)).toBeNull();
    p.type('!');
    p.close();
    const again = await b.open();
    expect(again.texts).toEqual(['x', 'y!']);
  });

  it('carries the one-file v1 draft over once', async () => {
    const b = new Browser();
    b.local.setItem(DRAFT_KEY_V1, JSON.stringify({ text: 'old', fileName: 'old.ts' }));
    const p = await b.open();
    expect(p.draft.tabs).toEqual([{ name: 'old.ts', text: 'old' }]);
    expect(b.local.getItem(DRAFT_KEY_V1)).toBeNull();
    const other = await b.open();
    expect(other.texts).toEqual([EXAMPLE_TEXT]);
  });

  it('a v2 draft written after this window saved (a tool, an older version) wins; the window\'s own draft stays for later', async () => {
    const b = new Browser();
    const p = await b.open();
    p.type('mine');
    p.close();
    b.local.setItem(DRAFT_KEY, JSON.stringify({ tabs: [{ name: 'edit.ts', text: 'seeded' }], active: 0 }));
    const r = await b.open(p.session);
    expect(r.texts).toEqual(['seeded']);
    r.close();
    // A tool that seeds each page load (e2e/bench-ux.ts) gets only what it seeded, every time.
    b.local.setItem(DRAFT_KEY, JSON.stringify({ tabs: [{ name: 'next.ts', text: 'seeded again' }], active: 0 }));
    const r2 = await b.open(r.session);
    expect(r2.texts).toEqual(['seeded again']);
    r2.close();
    const fresh = await b.open();
    expect(fresh.texts.sort()).toEqual([EXAMPLE_TEXT + 'mine', 'seeded', 'seeded again']);
  });

  it('frees the old draft when the new entries do not fit next to it', async () => {
    const b = new Browser(true, 2500);
    b.local.setItem(DRAFT_KEY, JSON.stringify({ tabs: [{ name: 'a.ts', text: 'z'.repeat(2000) }], active: 0 }));
    const p = await b.open();
    expect(p.reports.at(-1)!.ok).toBe(true);
    expect(b.local.getItem(DRAFT_KEY)).toBeNull();
    p.close();
    expect((await b.open()).texts).toEqual(['z'.repeat(2000)]);
  });
});

describe('draft: validation and bounds', () => {
  it('survives malformed and hostile entries', async () => {
    const b = new Browser();
    b.local.setItem(DRAFT_KEY, '{');
    b.local.setItem(MANIFEST_PREFIX + 'aaaaaaaa', '{');
    b.local.setItem(MANIFEST_PREFIX + 'bbbbbbbb', JSON.stringify({ v: 3, closed: true, tabs: 'x' }));
    b.local.setItem(MANIFEST_PREFIX + 'BAD/../', JSON.stringify({ v: 3, closed: true, tabs: [] }));
    b.local.setItem('fanout.settings.v1', JSON.stringify({ n: 3 }));
    b.local.setItem(
      MANIFEST_PREFIX + 'cccccccc',
      JSON.stringify({
        v: 3,
        at: 'x',
        closed: true,
        active: 99,
        tabs: [null, { k: '../../fanout.settings.v1', name: 'evil.ts' }, { k: 'dddddddd', name: '' }, { k: 'eeeeeeee', name: 'ok.ts', path: 7 }, { k: 'ffffffff', name: 'missing.ts' }],
      }),
    );
    b.local.setItem(TEXT_PREFIX + 'eeeeeeee', JSON.stringify({ text: 'fine', at: clock }));
    b.local.setItem(TEXT_PREFIX + 'ffffffff', JSON.stringify({ text: 42 }));
    const p = await b.open();
    expect(p.draft.tabs).toEqual([{ name: 'ok.ts', text: 'fine' }]);
    expect(p.draft.notices![0]!.message).toMatch(/missing\.ts/);
    expect(b.local.getItem('fanout.settings.v1')).toBe(JSON.stringify({ n: 3 }));
    expect(loadDraft({ getItem: () => '{', setItem() {} }, {}).tabs).toEqual(DEFAULT_DRAFT.tabs);
    const throwing = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('denied'); } };
    const d = loadDraft(throwing, { session: throwing });
    expect(d.tabs).toEqual(DEFAULT_DRAFT.tabs);
    d.keeper!.attach(() => ({ tabs: [{ id: 't', name: 'a.ts', dirty: true, version: 1, text: () => 'a' }], active: 't' }), ['t']);
    expect(d.keeper!.flush()).toMatchObject({ ok: false, notKept: ['a.ts'], listNotKept: true });
  });

  it('restores at most MAX_DRAFT_TABS tabs', async () => {
    const b = new Browser();
    const many = Array.from({ length: 1000 }, (_, i) => ({ name: `f${i}.ts`, text: '' }));
    b.local.setItem(DRAFT_KEY, JSON.stringify({ tabs: many, active: 0 }));
    expect((await b.open()).tabs).toHaveLength(MAX_DRAFT_TABS);
  });

  it('a new window merges closed windows within MAX_DRAFT_TABS; a draft that does not fit stays for the next one', async () => {
    const b = new Browser();
    const big = await b.open();
    big.type('big');
    for (let i = 0; i < MAX_DRAFT_TABS - 1; i++) big.addTab(`f${i}.ts`, `text ${i}`);
    const small = await b.open();
    small.type('small');
    big.close();
    small.close();
    const fresh = await b.open();
    expect(fresh.texts).toEqual([EXAMPLE_TEXT + 'small']);
    expect(fresh.draft.notices!.map((n) => n.code)).toEqual(['draft-left']);
    expect(fresh.draft.notices![0]!.message).toMatch(/^64 more tabs of a window/);
    // Another new window (this one still open) gets them.
    const next = await b.open();
    expect(next.tabs).toHaveLength(MAX_DRAFT_TABS);
    expect(next.texts[0]).toBe(EXAMPLE_TEXT + 'big');
  });

  it(`keeps at most ${MAX_WINDOWS} drafts of closed windows, deleting the oldest without unsaved text; unreferenced texts go after a week`, async () => {
    const b = new Browser();
    const put = (id: string, at: number, dirty: boolean) => {
      b.local.setItem(MANIFEST_PREFIX + id, JSON.stringify({ v: 3, at, owner: 'x', closed: true, active: 0, tabs: [{ k: `k${id}`, name: 'a.ts', ...(dirty ? { dirty } : {}) }] }));
      b.local.setItem(TEXT_PREFIX + `k${id}`, JSON.stringify({ text: id, at }));
    };
    for (let i = 0; i < MAX_WINDOWS + 4; i++) put(`win${String(i).padStart(5, '0')}`, 1000 + i, i < 2);
    b.local.setItem(TEXT_PREFIX + 'orphan00', JSON.stringify({ text: 'lost', at: clock - UNREFERENCED_TTL_MS - 10_000 }));
    b.local.setItem(TEXT_PREFIX + 'orphan01', JSON.stringify({ text: 'recent', at: clock }));
    // A window with its own id reloads: it merges nothing, but cleans up.
    const session = new FakeStorage();
    const own = 'ownwin00';
    session.setItem(WINDOW_KEY, own);
    b.local.setItem(MANIFEST_PREFIX + own, JSON.stringify({ v: 3, at: clock, owner: 'x', closed: true, active: 0, tabs: [{ k: 'ownkey00', name: 'o.ts' }] }));
    b.local.setItem(TEXT_PREFIX + 'ownkey00', JSON.stringify({ text: 'own', at: clock }));
    const p = await b.open(session);
    expect(p.texts).toEqual(['own']);
    const left = draftKeys(b.local).filter((k) => k.startsWith(MANIFEST_PREFIX)).map((k) => k.slice(MANIFEST_PREFIX.length)).sort();
    expect(left).toHaveLength(MAX_WINDOWS);
    // The two oldest hold unsaved text: kept; the next oldest clean ones went.
    expect(left.slice(0, 4)).toEqual(['ownwin00', 'win00000', 'win00001', 'win00007']);
    expect(b.local.getItem(TEXT_PREFIX + 'orphan00')).toBeNull();
    expect(b.local.getItem(TEXT_PREFIX + 'orphan01')).not.toBeNull();
  });
});

describe('saveProblem', () => {
  it('names tabs beyond the draft\'s limit', async () => {
    const b = new Browser();
    const p = await b.open();
    let r!: SaveReport;
    for (let i = 0; i < MAX_DRAFT_TABS; i++) r = p.addTab(`f${i}.ts`, String(i));
    expect(r.overLimit).toEqual([`f${MAX_DRAFT_TABS - 1}.ts`]);
    expect(saveProblem(r)!.code).toBe('draft-too-many-tabs');
    p.closeTab(3);
    expect(p.reports.at(-1)!.ok).toBe(true);
  });


  it('says nothing when all is kept', () => {
    expect(saveProblem({ ok: true, sessionOnly: [], notKept: [], listNotKept: false })).toBeNull();
    expect(saveProblem({ ok: false, sessionOnly: [], notKept: [], listNotKept: true })!.code).toBe('draft-not-saved');
  });
});
