// The editor window's size, position, maximized and full-screen state, kept in
// <userData>/window-state.json and restored on the next start — onto a display that still exists: a
// window saved on a monitor that is gone, or larger than the screen now, is moved and shrunk to fit.
// Pure except for loadWindowState/saveWindowState.
import { z } from 'zod';
import { readJson, writeJson } from './json-store.ts';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  /** The normal (not maximized) bounds; x/y absent = centred by the window manager. */
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
  fullScreen: boolean;
}

export const DEFAULT_SIZE = { width: 1400, height: 900 };
export const MIN_SIZE = { width: 720, height: 480 };

const int = z.number().int().min(-100_000).max(100_000);
const schema = z.object({
  x: int.optional(),
  y: int.optional(),
  width: int.min(1),
  height: int.min(1),
  maximized: z.boolean().default(false),
  fullScreen: z.boolean().default(false),
});

/** Whatever the file holds → a state, or null when it is not one. */
export function validateWindowState(raw: unknown): WindowState | null {
  const r = schema.safeParse(raw);
  return r.success ? r.data : null;
}

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)),
    height: Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)),
  };
}

/**
 * The state to open the window with, given the displays' work areas (`workAreas[0]` is the primary
 * display's). The size is at least MIN_SIZE and at most the chosen display's work area. The position is
 * kept when the window's top strip (where the title bar is, 40 px high) shows at least 100 px on some
 * display; otherwise the window is centred on the primary display.
 */
export function fitToDisplays(saved: WindowState | null, workAreas: readonly Rect[]): WindowState {
  const primary = workAreas[0];
  const state: WindowState = saved ?? { ...DEFAULT_SIZE, maximized: false, fullScreen: false };
  if (!primary) return state;

  const clampSize = (area: Rect) => ({
    width: Math.min(Math.max(state.width, MIN_SIZE.width), area.width),
    height: Math.min(Math.max(state.height, MIN_SIZE.height), area.height),
  });

  if (state.x !== undefined && state.y !== undefined) {
    const titleStrip: Rect = { x: state.x, y: state.y, width: state.width, height: 40 };
    const home = workAreas.find((a) => {
      const o = overlap(titleStrip, a);
      return o.width >= 100 && o.height >= 20;
    });
    if (home) {
      const size = clampSize(home);
      // Pull the window fully inside its display when it was shrunk or hangs over an edge.
      const x = Math.min(Math.max(state.x, home.x), home.x + home.width - size.width);
      const y = Math.min(Math.max(state.y, home.y), home.y + home.height - size.height);
      return { ...state, ...size, x, y };
    }
  }
  const size = clampSize(primary);
  return {
    ...state,
    ...size,
    x: primary.x + Math.round((primary.width - size.width) / 2),
    y: primary.y + Math.round((primary.height - size.height) / 2),
  };
}

export function loadWindowState(file: string): WindowState | null {
  return validateWindowState(readJson(file));
}

export function saveWindowState(file: string, state: WindowState): void {
  try {
    writeJson(file, state);
  } catch {
    // A read-only profile: the window opens at the default size next time.
  }
}

/** The parts of a BrowserWindow that trackWindowState uses. */
export interface TrackedWindow {
  getNormalBounds(): Rect;
  isMaximized(): boolean;
  isFullScreen(): boolean;
  isDestroyed(): boolean;
  on(event: 'resize' | 'move' | 'maximize' | 'unmaximize' | 'enter-full-screen' | 'leave-full-screen' | 'close', fn: () => void): unknown;
}

/** Saves the window's state when it changes (debounced) and when it closes. */
export function trackWindowState(win: TrackedWindow, file: string, debounceMs = 500): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const save = () => {
    clearTimeout(timer);
    timer = undefined;
    if (win.isDestroyed()) return;
    const b = win.getNormalBounds();
    saveWindowState(file, { x: b.x, y: b.y, width: b.width, height: b.height, maximized: win.isMaximized(), fullScreen: win.isFullScreen() });
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(save, debounceMs);
  };
  for (const ev of ['resize', 'move', 'maximize', 'unmaximize', 'enter-full-screen', 'leave-full-screen'] as const) win.on(ev, later);
  win.on('close', save);
}
