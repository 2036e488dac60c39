import { serverFeatures } from "../mods/monitor/mod.ts";
import { RequiresNotice } from "./ui.tsx";

/**
 * Notices for the named features the running server lacks ("requires nats-server ≥ X"); renders
 * nothing for features it has.
 */
export function Requires(p: { version: string; features: readonly string[] }) {
  const missing = serverFeatures(p.version).filter((f) =>
    p.features.includes(f.feature) && !f.available
  );
  return (
    <>
      {missing.map((f) => (
        <RequiresNotice feature={f.title} version={f.requires} running={p.version} />
      ))}
    </>
  );
}
