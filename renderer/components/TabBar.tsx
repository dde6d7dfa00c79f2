// The open files as tabs above the editor: click to show, × (or a middle click) to close, + for a new
// file. A dot marks unsaved edits. The texts live in Monaco models (editor-host.ts).
import { useApp, useServices } from '../app-context.ts';
import { closeTabAction, newTab, switchTab } from '../actions.ts';

export function TabBar() {
  const { store } = useServices();
  const tabs = useApp((s) => s.tabs);
  const active = useApp((s) => s.activeTab);
  return (
    <div className="tabbar" role="tablist" aria-label="Open files" data-testid="tabs">
      {tabs.map((t) => (
        <div
          key={t.id}
          role="tab"
          aria-selected={t.id === active}
          className={`tab${t.id === active ? ' active' : ''}`}
          data-testid="tab"
          title={t.path ?? t.name}
          onMouseDown={(e) => {
            if (e.button === 1) {
              e.preventDefault();
              closeTabAction(store, t.id);
            }
          }}
          onClick={() => switchTab(store, t.id)}
        >
          <span className="tab-name">{t.name}</span>
          {t.dirty ? <span className="tab-dirty" aria-label="unsaved changes" title="Unsaved changes" /> : null}
          <button
            className="tab-close"
            aria-label={`Close ${t.name}`}
            title="Close (Alt+W)"
            onClick={(e) => {
              e.stopPropagation();
              closeTabAction(store, t.id);
            }}
          >
            ×
          </button>
        </div>
      ))}
      <button className="tab-new" data-testid="new-tab" aria-label="New file" title="New file (Alt+N)" onClick={() => newTab(store)}>
        +
      </button>
    </div>
  );
}
