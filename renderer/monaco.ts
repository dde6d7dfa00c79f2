// The Monaco build the app uses: every editor contribution, Monarch highlighting for all basic languages,
// and the TypeScript/JavaScript language service. The CSS/HTML/JSON language services and the LSP client
// that monaco-editor's editor.main also pulls in are left out (each would need another worker bundle).
import 'monaco-editor/internal/common/workers.js'; // the editor contributions (same list as editor.main)
import 'monaco-editor/languages/definitions/register.all.js';
import { javascriptDefaults, typescriptDefaults } from 'monaco-editor/languages/features/typescript/register.js';

export * from 'monaco-editor/editor/editor.api.js';

// The editor usually holds a fragment of a project: imports and globals cannot resolve, so semantic
// errors would be noise. Syntax errors stay on.
for (const defaults of [typescriptDefaults, javascriptDefaults]) {
  defaults.setDiagnosticsOptions({ noSemanticValidation: true, noSyntaxValidation: false });
}

/**
 * Worker bundles built by scripts/build-renderer.mjs next to index.html. Monaco asks by label: the
 * TypeScript service for typescript/javascript, the generic editor worker for everything else.
 */
export function installMonacoWorkers(base: string = document.baseURI): void {
  (self as unknown as { MonacoEnvironment: unknown }).MonacoEnvironment = {
    getWorker(_workerId: string, label: string): Worker {
      const file = label === 'typescript' || label === 'javascript' ? 'ts.worker.js' : 'editor.worker.js';
      return new Worker(new URL(file, base), { type: 'module', name: label });
    },
  };
}
