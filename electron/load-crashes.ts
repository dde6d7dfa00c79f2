// Model folders that stopped the engine while it was loading them (its process crashed, it hung, or the
// GPU device was lost between the engine page's load-start and load-end reports). Such a folder is not
// loaded again by itself: the restarted engine window does not restore it, and the engine page's request
// to resolve it (IPC.resolveModel, made for every folder load) is refused with a message saying why. That
// refusal matters because the editor loads its model setting whenever it reconnects to an idle engine:
// without it, a folder that crashes the engine would be loaded again after every restart until the
// restart policy gave up.
//
// The user lifts it by choosing the folder explicitly with File > Open Model… (allow). In memory only: a
// new app start tries every folder again.
import { resolve } from 'node:path';

/** What to do after a model stopped the engine while loading (engine-stub.ts's notices say it too). */
export function loadCrashHint(path: string): string {
  return (
    'Choose another model (a smaller one, or one stored at lower precision) in Settings and press Load, or close other apps that use the GPU. ' +
    `To try ${path} again anyway, choose its folder with File > Open Model….`
  );
}

export class LoadCrashes {
  /** Absolute folder → why the engine stopped while loading it. */
  private readonly byPath = new Map<string, string>();

  /** The engine stopped (`reason`, e.g. "the engine process crashed (exit code 139)") while loading `path`. */
  add(path: string, reason: string): void {
    this.byPath.set(resolve(path), reason);
  }

  /** The user chose `path` explicitly: load it again when asked. */
  allow(path: string): void {
    this.byPath.delete(resolve(path));
  }

  /** Why a load of the folder `path` (absolute) is refused, or null when it may load. */
  refusal(path: string): { ok: false; message: string; hint: string } | null {
    const why = this.byPath.get(resolve(path));
    if (why === undefined) return null;
    return {
      ok: false,
      message: `Fanout does not load ${path} by itself again, because the engine stopped while loading it: ${why}.`,
      hint: loadCrashHint(path),
    };
  }
}
