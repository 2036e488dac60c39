/**
 * Baseline child of the history benchmark: what any collector must do anyway, under the same
 * load — the units table fed by `ops.>` and the same four `$SYS` requests every step — without
 * building, downsampling or writing frames.
 *
 * Arguments: <nats url> <sys user> <sys pass> <ops user> <ops pass> <step ms>
 *
 * @module
 */
import { connect } from "@nats-io/transport-node";
import { SysMonitor, UnitRegistry } from "../../mods/monitor/mod.ts";
import { sysSampler } from "../../mods/history/mod.ts";

const [url, sysUser, sysPass, opsUser, opsPass, stepMs] = Deno.args;
const sysNc = await connect({ servers: url, user: sysUser, pass: sysPass });
const opsNc = await connect({ servers: url, user: opsUser, pass: opsPass });
const units = await UnitRegistry.start(opsNc, { persist: false, historyStream: null });
const sample = sysSampler(new SysMonitor(sysNc), () => units.units());
console.log("ready");
for (;;) {
  const now = Date.now();
  await new Promise((r) => setTimeout(r, Number(stepMs) - (now % Number(stepMs))));
  await sample();
}
