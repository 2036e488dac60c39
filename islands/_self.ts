/**
 * Which unit this browser is, for islands that mark it (Activity marks the viewer's own
 * connection): the browser unit announces its ID, the others follow it.
 *
 * @module
 */
import { useEffect, useState } from "preact/hooks";

let self: string | undefined;
const watchers = new Set<(unitId: string) => void>();

/**
 * Says which unit this browser is (its connection carries the unit ID as its name).
 *
 * @param unitId the browser unit's ID
 */
export function announceSelf(unitId: string): void {
  if (unitId === self) return;
  self = unitId;
  for (const w of watchers) w(unitId);
}

/**
 * This browser's unit ID, once the browser unit announced it.
 *
 * @returns the unit ID, or undefined before
 */
export function useSelf(): string | undefined {
  // Undefined on the first render, like the server's: hydration does not patch attributes.
  const [id, setId] = useState<string | undefined>(undefined);
  useEffect(() => {
    watchers.add(setId);
    setId(self);
    return () => void watchers.delete(setId);
  }, []);
  return id;
}
