import { useLayoutEffect, useRef, useState } from 'react';

/**
 * The height an element is given by the layout (the chart takes what the tiles and tables leave),
 * kept up to date with a ResizeObserver; `fallback` until the first measurement.
 */
export function useElementHeight<T extends HTMLElement>(fallback: number) {
  const ref = useRef<T>(null);
  const [height, setHeight] = useState<number | undefined>(undefined);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    setHeight(element.clientHeight);
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => setHeight(element.clientHeight));
    observer.observe(element);
    return () => observer.disconnect();
  }, []);
  return { ref, height: height !== undefined && height > 0 ? height : fallback };
}
