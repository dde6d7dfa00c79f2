// Recent files and window state: the pure list and clamping logic, and their JSON files.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addRecent, MAX_RECENT, RecentFiles, removeRecent, validateRecent } from '../../electron/recent-files.ts';
import { DEFAULT_SIZE, fitToDisplays, loadWindowState, MIN_SIZE, saveWindowState, trackWindowState, validateWindowState, type Rect } from '../../electron/window-state.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fanout-state-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('recent files', () => {
  it('puts the newest first, without duplicates, at most MAX_RECENT', () => {
    let l: string[] = [];
    for (let i = 0; i < MAX_RECENT + 3; i++) l = addRecent(l, `/f${i}.ts`, 'linux');
    expect(l).toHaveLength(MAX_RECENT);
    expect(l[0]).toBe(`/f${MAX_RECENT + 2}.ts`);
    l = addRecent(l, '/f5.ts', 'linux');
    expect(l[0]).toBe('/f5.ts');
    expect(l.filter((p) => p === '/f5.ts')).toHaveLength(1);
    expect(removeRecent(l, '/f5.ts', 'linux')).not.toContain('/f5.ts');
  });
  it('compares case-insensitively on Windows and macOS only', () => {
    expect(addRecent(['C:\\A.ts'], 'c:\\a.ts', 'win32')).toEqual(['c:\\a.ts']);
    expect(addRecent(['/A.ts'], '/a.ts', 'darwin')).toEqual(['/a.ts']);
    expect(addRecent(['/A.ts'], '/a.ts', 'linux')).toEqual(['/a.ts', '/A.ts']);
  });
  it('keeps only valid entries from the file', () => {
    expect(validateRecent({ files: ['/a.ts', 'relative.ts', 7, '/a.ts', '', '/b\0.ts', '/b.ts'] }, 'linux')).toEqual(['/a.ts', '/b.ts']);
    expect(validateRecent(null)).toEqual([]);
    expect(validateRecent({ files: 'x' })).toEqual([]);
  });
  it('persists and reports changes', async () => {
    const file = join(dir, 'recent-files.json');
    const r = new RecentFiles(file);
    const seen: string[][] = [];
    r.onChange((l) => seen.push([...l]));
    r.add('/x/a.ts');
    r.add('/x/b.ts');
    r.add('/x/b.ts'); // no change, no event
    expect(seen).toEqual([['/x/a.ts'], ['/x/b.ts', '/x/a.ts']]);
    expect(new RecentFiles(file).files).toEqual(['/x/b.ts', '/x/a.ts']);
    expect(r.has('/x/a.ts')).toBe(true);
    r.clear();
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ files: [] });
  });
  it('starts empty from a corrupt file', async () => {
    const file = join(dir, 'recent-files.json');
    await writeFile(file, '{not json');
    expect(new RecentFiles(file).files).toEqual([]);
  });
});

describe('window state', () => {
  const primary: Rect = { x: 0, y: 0, width: 1920, height: 1040 };
  const right: Rect = { x: 1920, y: 0, width: 1280, height: 1024 };

  it('opens at the default size, centred, the first time', () => {
    const s = fitToDisplays(null, [primary]);
    expect(s).toEqual({ ...DEFAULT_SIZE, x: 260, y: 70, maximized: false, fullScreen: false });
  });
  it('keeps a position that is visible, on any display', () => {
    const saved = { x: 2000, y: 100, width: 1000, height: 700, maximized: true, fullScreen: false };
    expect(fitToDisplays(saved, [primary, right])).toEqual(saved);
  });
  it('moves a window whose display is gone back onto the primary display', () => {
    const s = fitToDisplays({ x: 2000, y: 100, width: 1000, height: 700, maximized: false, fullScreen: false }, [primary]);
    expect(s).toMatchObject({ x: 460, y: 170, width: 1000, height: 700 });
  });
  it('shrinks a window larger than its display and pulls it inside', () => {
    const small: Rect = { x: 0, y: 25, width: 1280, height: 775 };
    const s = fitToDisplays({ x: 100, y: 100, width: 3000, height: 2000, maximized: false, fullScreen: false }, [small]);
    expect(s).toMatchObject({ x: 0, y: 25, width: 1280, height: 775 });
  });
  it('moves a window whose title bar is off screen (above the top)', () => {
    const s = fitToDisplays({ x: 100, y: -500, width: 1000, height: 700, maximized: false, fullScreen: false }, [primary]);
    expect(s.y).toBeGreaterThanOrEqual(0);
  });
  it('enforces the minimum size', () => {
    const s = fitToDisplays({ x: 10, y: 10, width: 100, height: 100, maximized: false, fullScreen: false }, [primary]);
    expect(s).toMatchObject({ width: MIN_SIZE.width, height: MIN_SIZE.height });
  });
  it('validates the file and round-trips', () => {
    expect(validateWindowState({ width: 800, height: 600 })).toEqual({ width: 800, height: 600, maximized: false, fullScreen: false });
    expect(validateWindowState({ width: 'big', height: 600 })).toBeNull();
    expect(validateWindowState({ width: 1e9, height: 600 })).toBeNull();
    const file = join(dir, 'window-state.json');
    expect(loadWindowState(file)).toBeNull();
    saveWindowState(file, { x: 5, y: 6, width: 800, height: 600, maximized: true, fullScreen: false });
    expect(loadWindowState(file)).toEqual({ x: 5, y: 6, width: 800, height: 600, maximized: true, fullScreen: false });
  });
  it('saves the normal bounds when the window closes', () => {
    const file = join(dir, 'window-state.json');
    const handlers = new Map<string, () => void>();
    trackWindowState(
      {
        getNormalBounds: () => ({ x: 1, y: 2, width: 1000, height: 700 }),
        isMaximized: () => true,
        isFullScreen: () => false,
        isDestroyed: () => false,
        on: (ev, fn) => handlers.set(ev, fn),
      },
      file,
    );
    handlers.get('close')!();
    expect(loadWindowState(file)).toEqual({ x: 1, y: 2, width: 1000, height: 700, maximized: true, fullScreen: false });
  });
});
