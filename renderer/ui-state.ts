// Window-level UI state that commands outside React open and close (the F1 palette's "Open Settings",
// "Show Keyboard Shortcuts", "Choose Model…", the `?` key): which overlays show. Kept apart from the app store, which
// holds the engine's state and the user's settings.
import { createStore } from 'zustand/vanilla';

export interface UiState {
  settingsOpen: boolean;
  shortcutsOpen: boolean;
  /** The model list (components/ModelPicker.tsx). */
  modelsOpen: boolean;
  setSettingsOpen(open: boolean): void;
  setShortcutsOpen(open: boolean): void;
  setModelsOpen(open: boolean): void;
}

export const uiStore = createStore<UiState>()((set) => ({
  settingsOpen: false,
  shortcutsOpen: false,
  modelsOpen: false,
  setSettingsOpen: (settingsOpen) => set({ settingsOpen }),
  setShortcutsOpen: (shortcutsOpen) => set({ shortcutsOpen }),
  setModelsOpen: (modelsOpen) => set({ modelsOpen }),
}));
