// A React value that follows its source at most every `ms` (the latest value always arrives, late by at
// most `ms`). The live sample list re-rendering on every token event kept Chromium from painting: in e2e
// on lavapipe the first ghost text of a page showed only when the run ended, ~1 s after it was ready.
import { useEffect, useRef, useState } from 'react';

export function useThrottledValue<T>(value: T, ms: number): T {
  const [shown, setShown] = useState(value);
  const last = useRef(0);
  useEffect(() => {
    const wait = last.current + ms - Date.now();
    if (wait <= 0) {
      last.current = Date.now();
      setShown(value);
      return;
    }
    const timer = setTimeout(() => {
      last.current = Date.now();
      setShown(value);
    }, wait);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return shown;
}
