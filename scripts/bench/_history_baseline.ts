/**
 * Baseline child of the history benchmark: what any collector must do anyway, under the same
 * load — the units table fed by `ops.>` and the same four `$SYS` requests every step — without
 * building, downsampling or writing frames.
 *
 * Arguments: <nats url> <sys .creds file> <ops .creds file> <step ms>
 *
 * @module
 */
import { connect } from "@nats-io/transport-node";
import { credsAuthenticator } from "@nats-io/nats-core";
import { SysMonitor, UnitRegistry } from "../../mods/monitor/mod.ts";
import { sysSampler } from "../../mods/history/mod.ts";

const [url, sysCreds, opsCreds, stepMs] = Deno.args;
const auth = (file: string) => ({ authenticator: credsAuthenticator(Deno.readFileSync(file)) });
const sysNc = await connect({ servers: url, ...auth(sysCreds!) });
const opsNc = await connect({ servers: url, ...auth(opsCreds!) });
const units = await UnitRegistry.start(opsNc, { persist: false, historyStream: null });
const sample = sysSampler(new SysMonitor(sysNc), () => units.units());
console.log("ready");
for (;;) {
  const now = Date.now();
  await new Promise((r) => setTimeout(r, Number(stepMs) - (now % Number(stepMs))));
  await sample();
}
