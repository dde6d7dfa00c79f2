// Errors, each with what to do about it. Dismissable; the app keeps working underneath.
import { useApp, useServices } from '../app-context.ts';

export function ErrorList() {
  const { store } = useServices();
  const errors = useApp((s) => s.errors);
  if (errors.length === 0) return null;
  return (
    <div className="errors" role="alert">
      {errors.map((e) => (
        <div key={e.key} className={e.level === 'info' ? 'error info' : 'error'} data-testid="error" data-code={e.code}>
          <div className="error-body">
            <div className="error-message">{e.message}</div>
            <div className="error-hint">{e.hint}</div>
          </div>
          <button className="icon-btn" aria-label="Dismiss" title="Dismiss" onClick={() => store.getState().dismissError(e.key)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
