// The draggable bar between the editor and the candidates panel. Pointer drag or Left/Right keys
// change the panel's width; the width is saved (renderer/layout.ts) when a drag or key press ends.
import { useRef } from 'react';
import { clampSideWidth } from '../layout.ts';

export function Splitter({ width, onChange, onCommit }: { width: number; onChange(w: number): void; onCommit(w: number): void }) {
  const drag = useRef<{ x: number; width: number; last: number } | null>(null);
  return (
    <div
      className="splitter"
      data-testid="splitter"
      role="separator"
      aria-orientation="vertical"
      aria-label="Resize the candidates panel"
      aria-valuenow={width}
      tabIndex={0}
      onPointerDown={(e) => {
        e.preventDefault();
        e.currentTarget.setPointerCapture(e.pointerId);
        drag.current = { x: e.clientX, width, last: width };
      }}
      onPointerMove={(e) => {
        const d = drag.current;
        if (!d) return;
        // The panel is on the right: dragging left widens it.
        d.last = clampSideWidth(d.width + (d.x - e.clientX), window.innerWidth);
        onChange(d.last);
      }}
      onPointerUp={() => {
        const d = drag.current;
        drag.current = null;
        if (d) onCommit(d.last);
      }}
      onKeyDown={(e) => {
        if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
        e.preventDefault();
        const w = clampSideWidth(width + (e.key === 'ArrowLeft' ? 24 : -24), window.innerWidth);
        onChange(w);
        onCommit(w);
      }}
    />
  );
}
