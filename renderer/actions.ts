// User actions that involve both the editor and the store.
import type { StoreApi } from 'zustand/vanilla';
import { clearAnchor, focusEditor, insertAtAnchor, takePrompt } from './editor-host.ts';
import { rankedGroups, type AppState } from './store.ts';

/** Ctrl/Cmd+Enter: sample candidates for the cursor position. */
export function generateAtCursor(store: StoreApi<AppState>): void {
  const s = store.getState();
  if (s.run?.status === 'generating') return;
  const prompt = takePrompt(s.file.name);
  if (!prompt) return;
  s.generate(prompt);
  if (store.getState().run?.status !== 'generating') clearAnchor(); // not sent: nothing to anchor
}

/** Inserts the candidate at `index` (default: the selected one) and closes the list. */
export function acceptCandidate(store: StoreApi<AppState>, index?: number): void {
  const s = store.getState();
  const group = rankedGroups(s)[index ?? s.selected];
  if (!group) return;
  if (insertAtAnchor(group.text)) s.dismiss();
}

/** Esc: cancel a running request, otherwise close the list. Focus goes back to the editor. */
export function escape(store: StoreApi<AppState>): void {
  const s = store.getState();
  if (s.run?.status === 'generating') s.cancel();
  else if (s.run) {
    s.dismiss();
    clearAnchor();
  }
  focusEditor();
}
