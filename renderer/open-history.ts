// Opening a file replaces the editor's text as one undoable edit (so nothing typed is lost), and the
// file's identity (name, path) must follow the text through undo and redo: after Ctrl+Z the old text is
// back, and Save must write it under the old name, not the opened file's. Monaco gives every state of
// the undo history an "alternative version id" that undo and redo return to; each open remembers the
// file on both sides of its edit under those ids.

export interface FileIdentity {
  name: string;
  path?: string;
}

export class OpenHistory {
  private readonly byVersion = new Map<number, FileIdentity>();

  /** An open took the text from version `before` (file `from`) to version `after` (file `to`). */
  opened(before: number, from: FileIdentity, after: number, to: FileIdentity): void {
    this.byVersion.set(before, from);
    this.byVersion.set(after, to);
  }

  /**
   * After an undo or redo landed on `version`: the file that text belongs to when the step crossed an
   * open, else undefined (the file does not change).
   */
  fileAt(version: number): FileIdentity | undefined {
    return this.byVersion.get(version);
  }

  /** The editor got a new model (a reload): earlier versions are gone. */
  clear(): void {
    this.byVersion.clear();
  }
}
