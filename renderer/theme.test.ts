import { describe, expect, it, vi } from 'vitest';

// theme.ts imports Monaco (for setTheme), which needs a DOM; the pure parts are tested without it.
vi.mock('./monaco.ts', () => ({ editor: { setTheme: () => {} } }));
const { MONACO_THEME, resolveTheme, toggledTheme } = await import('./theme.ts');

describe('theme', () => {
  it('resolves the setting, system following the OS preference', () => {
    expect(resolveTheme('dark', false)).toBe('dark');
    expect(resolveTheme('light', true)).toBe('light');
    expect(resolveTheme('system', true)).toBe('dark');
    expect(resolveTheme('system', false)).toBe('light');
  });

  it('toggles between what is shown and the other one; Monaco themes vs-dark and vs', () => {
    expect(toggledTheme('dark')).toBe('light');
    expect(toggledTheme('light')).toBe('dark');
    expect(MONACO_THEME).toEqual({ dark: 'vs-dark', light: 'vs' });
  });
});
