// The theme setting applied: data-theme on <html> picks the CSS variables (styles.css), and Monaco's
// theme (one per window, shared by the editor and the colorized candidate previews) follows it.
import * as monaco from './monaco.ts';
import type { ThemeSetting } from './settings.ts';

export type Theme = 'dark' | 'light';

/** The theme to show for a setting; `system` follows the OS preference (prefers-color-scheme). */
export function resolveTheme(setting: ThemeSetting, systemPrefersDark: boolean): Theme {
  if (setting === 'system') return systemPrefersDark ? 'dark' : 'light';
  return setting;
}

/** Toggle Theme (command palette): the other of dark and light than what is shown now. */
export function toggledTheme(shown: Theme): ThemeSetting {
  return shown === 'dark' ? 'light' : 'dark';
}

export const MONACO_THEME: Record<Theme, string> = { dark: 'vs-dark', light: 'vs' };

const darkQuery = () => window.matchMedia?.('(prefers-color-scheme: dark)');

/** The theme shown now for `setting`. */
export function shownTheme(setting: ThemeSetting): Theme {
  return resolveTheme(setting, darkQuery()?.matches ?? true);
}

/**
 * Shows `setting` and, for `system`, follows later OS changes; returns the function that stops following.
 */
export function applyTheme(setting: ThemeSetting): () => void {
  const show = () => {
    const theme = shownTheme(setting);
    document.documentElement.dataset.theme = theme;
    monaco.editor.setTheme(MONACO_THEME[theme]);
  };
  show();
  const q = setting === 'system' ? darkQuery() : undefined;
  q?.addEventListener('change', show);
  return () => q?.removeEventListener('change', show);
}
