// The keyboard-shortcuts overlay: every shortcut from renderer/shortcuts.ts (README.md has the same table).
import { useEffect, useRef } from 'react';
import { displayKeys, SHORTCUTS } from '../shortcuts.ts';

const MAC = /Mac|iPhone|iPad/.test(navigator.platform);

export function ShortcutsDialog({ onClose }: { onClose(): void }) {
  const closeRef = useRef<HTMLButtonElement>(null);
  useEffect(() => closeRef.current?.focus(), []);
  return (
    <div
      className="overlay"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="shortcuts-title"
        data-testid="shortcuts"
        onKeyDown={(e) => {
          if (e.key === 'Escape' || e.key === '?') {
            e.preventDefault();
            e.stopPropagation();
            onClose();
          }
        }}
      >
        <header className="dialog-head">
          <h2 id="shortcuts-title">Keyboard shortcuts</h2>
          <button ref={closeRef} className="icon-btn" aria-label="Close" title="Close (Esc)" onClick={onClose}>
            ×
          </button>
        </header>
        <table className="shortcuts">
          <tbody>
            {SHORTCUTS.map((s) => (
              <tr key={s.keys}>
                <td className="keys">
                  {/* "Alt+] / Alt+[" → each key in a <kbd>, the separators as text. */}
                  {displayKeys(s.keys, MAC)
                    .split(/( \/ |, )/)
                    .map((part, i) =>
                      i % 2 === 1 ? (
                        <span key={i}>{part}</span>
                      ) : (
                        <span key={i}>
                          {part.split(/\+(?=.)/).map((k, j) => (
                            <span key={j}>
                              {j > 0 && '+'}
                              <kbd>{k}</kbd>
                            </span>
                          ))}
                        </span>
                      ),
                    )}
                </td>
                <td>{s.does}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
