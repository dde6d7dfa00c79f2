// The candidates panel's width beside the editor: dragged with the splitter, kept in localStorage.

export const LAYOUT_KEY = 'fanout.layout.v1';
/** Narrower than this the cards' meta row wraps badly; the editor keeps at least EDITOR_MIN. */
export const SIDE_MIN = 280;
export const EDITOR_MIN = 240;

/** The panel width to use for `wanted` in a window `windowWidth` wide (the splitter is part of it). */
export function clampSideWidth(wanted: number, windowWidth: number): number {
  const max = Math.max(SIDE_MIN, windowWidth - EDITOR_MIN);
  if (!Number.isFinite(wanted)) return defaultSideWidth(windowWidth);
  return Math.round(Math.min(max, Math.max(SIDE_MIN, wanted)));
}

/** 42% of the window, at least 360 px where it fits: the layout before anything was dragged. */
export function defaultSideWidth(windowWidth: number): number {
  return clampSideWidth(Math.max(360, windowWidth * 0.42), windowWidth);
}

/** The saved width, or undefined (nothing saved, or unreadable: then the default applies). */
export function loadSideWidth(storage: Pick<Storage, 'getItem'>): number | undefined {
  try {
    const raw = JSON.parse(storage.getItem(LAYOUT_KEY) ?? 'null') as { sideWidth?: unknown } | null;
    return typeof raw?.sideWidth === 'number' && Number.isFinite(raw.sideWidth) && raw.sideWidth > 0 ? raw.sideWidth : undefined;
  } catch {
    return undefined;
  }
}

export function saveSideWidth(storage: Pick<Storage, 'setItem'>, sideWidth: number): void {
  try {
    storage.setItem(LAYOUT_KEY, JSON.stringify({ sideWidth: Math.round(sideWidth) }));
  } catch {
    // Storage full or disabled: the width still applies to this window.
  }
}
