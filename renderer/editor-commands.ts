// Fanout's commands in Monaco's command palette (F1): each is an editor action labelled "Fanout: …".
// In a browser, Ctrl/Cmd+O and +S are bound here too (while the editor has focus), so the browser's own
// open/save dialogs never open; the desktop app's menu accelerators do those there.
import * as monaco from './monaco.ts';
import { acceptCandidate, closeTabAction, cycleTab, escape, generateAtCursor, newTab, openFileAction, saveFileAction } from './actions.ts';
import type { StoreApi } from 'zustand/vanilla';
import type { AppState } from './store.ts';
import { shownTheme, toggledTheme } from './theme.ts';
import { uiStore } from './ui-state.ts';

/** Registers the commands on `editor`; they go when the editor is disposed. */
export function registerFanoutCommands(editor: monaco.editor.IStandaloneCodeEditor, store: StoreApi<AppState>): void {
  const appMenu = typeof window.fanout?.onMenuCommand === 'function';
  // The desktop preload's native dialogs (what transport.files is); a browser has none (file input, download).
  const files = window.fanout?.files;
  const mod = monaco.KeyMod.CtrlCmd;
  const actions: monaco.editor.IActionDescriptor[] = [
    { id: 'fanout.generate', label: 'Fanout: Generate Completions', run: () => generateAtCursor(store) },
    { id: 'fanout.accept', label: 'Fanout: Accept Selected Candidate', run: () => acceptCandidate(store) },
    { id: 'fanout.dismiss', label: 'Fanout: Dismiss Candidates (or Cancel)', run: () => escape(store) },
    {
      id: 'fanout.open',
      label: 'Fanout: Open File…',
      keybindings: appMenu ? [] : [mod | monaco.KeyCode.KeyO],
      run: () => void openFileAction(store, files),
    },
    {
      id: 'fanout.save',
      label: 'Fanout: Save',
      keybindings: appMenu ? [] : [mod | monaco.KeyCode.KeyS],
      run: () => void saveFileAction(store, files),
    },
    { id: 'fanout.newTab', label: 'Fanout: New File (Tab)', keybindings: [monaco.KeyMod.Alt | monaco.KeyCode.KeyN], run: () => newTab(store) },
    { id: 'fanout.closeTab', label: 'Fanout: Close Tab', keybindings: [monaco.KeyMod.Alt | monaco.KeyCode.KeyW], run: () => closeTabAction(store) },
    { id: 'fanout.nextTab', label: 'Fanout: Next Tab', keybindings: [monaco.KeyMod.Alt | monaco.KeyCode.PageDown], run: () => cycleTab(store, 1) },
    { id: 'fanout.previousTab', label: 'Fanout: Previous Tab', keybindings: [monaco.KeyMod.Alt | monaco.KeyCode.PageUp], run: () => cycleTab(store, -1) },
    { id: 'fanout.settings', label: 'Fanout: Open Settings', run: () => uiStore.getState().setSettingsOpen(true) },
    { id: 'fanout.chooseModel', label: 'Fanout: Choose Model…', run: () => uiStore.getState().setModelsOpen(true) },
    { id: 'fanout.shortcuts', label: 'Fanout: Show Keyboard Shortcuts', run: () => uiStore.getState().setShortcutsOpen(true) },
    {
      id: 'fanout.toggleTheme',
      label: 'Fanout: Toggle Theme',
      run: () => store.getState().updateSettings({ theme: toggledTheme(shownTheme(store.getState().settings.theme)) }),
    },
  ];
  const registered = actions.map((a) => editor.addAction(a));
  editor.onDidDispose(() => registered.forEach((d) => d.dispose()));
}
