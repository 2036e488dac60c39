/**
 * Routers' claims links, measured with CLAIMS_BENCH_ACCOUNTS accounts (default 200): (1) one walk
 * over the accounts (`Controller.republish`: a lookup and an update per account); (2) the
 * controller service's idle CPU (and the hub's) per minute with a router's claims link connected,
 * resending every 10 s as it did before the connect events (`NATS_CLAIMS_RESEND_S=10`, the
 * baseline) against the default (300 s: nothing is sent while nothing changes); (3) catch-up: a
 * router cut off during a revocation links again, and the time from its claims link's connect
 * event to the router's server refusing the revoked unit (before: the next 10-s resend, so up to
 * 10 s plus a walk).
 *
 * @module
 */
import { connect as natsConnect } from "@nats-io/transport-node";
import { connect, ConnectError } from "../../mods/client/mod.ts";
import { systemConnectSubject } from "../../mods/controller/mod.ts";
import {
  cpuMs,
  type NatsServer,
  spawnProcess,
  startControllerService,
  startLeafNode,
  startNats,
  until,
} from "../../tests/_kit/mod.ts";
import { tiedCommand } from "../../tests/_kit/tied.ts";

const ACCOUNTS = Number(Deno.env.get("CLAIMS_BENCH_ACCOUNTS") ?? "200");
const ROUNDS = 5;
const WINDOW_MS = 30_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? NaN;
}

const refused = (e: unknown) =>
  e instanceof ConnectError && /Authorization Violation|authentication/i.test(e.message);

/** CPU of the service and the hub over the window, per minute. */
async function idle(hub: NatsServer, pid: number) {
  const s0 = cpuMs(pid);
  const h0 = cpuMs(hub.pid);
  await new Promise((r) => setTimeout(r, WINDOW_MS));
  const perMin = 60_000 / WINDOW_MS;
  return { service: (cpuMs(pid) - s0) * perMin, hub: (cpuMs(hub.pid) - h0) * perMin };
}

/** Runs the suite and prints its figures and ratios. */
export async function bench(): Promise<void> {
  await using hub = await startNats();
  const version = (await (await fetch(`${hub.monitorUrl}/varz`)).json()).version;
  const controller = await hub.controller();
  for (let i = (await controller.accounts()).length; i < ACCOUNTS; i++) {
    await controller.createAccount({ name: `T${String(i).padStart(4, "0")}` }, "bench");
  }
  const accounts = (await controller.accounts()).length;

  // --- (1) one walk --------------------------------------------------------------------------
  const walks: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await controller.republish();
    walks.push(performance.now() - t);
  }

  // --- (2) idle, a claims link connected -----------------------------------------------------
  await using leaf = await startLeafNode(hub, { unitId: "router-bench" });
  let before;
  {
    await using s = await startControllerService(hub, { NATS_CLAIMS_RESEND_S: "10" });
    before = await idle(hub, s.child.pid);
  }
  await using s = await startControllerService(hub);
  const after = await idle(hub, s.child.pid);

  // --- (3) catch-up after a cut-off ----------------------------------------------------------
  await using sys = await natsConnect({ servers: hub.url, ...hub.users.sys.nats });
  const sysKey = (await controller.account("SYS")).publicKey;
  let linkedAt = 0;
  sys.subscribe(systemConnectSubject(sysKey), {
    callback: () => {
      linkedAt = performance.now();
    },
  });
  await sys.flush();
  const latencies: number[] = [];
  await leaf.stop();
  for (let r = 0; r < ROUNDS; r++) {
    const unit = await hub.unit(`bench-unit-${r}`, { role: "app" });
    await controller.revoke("OPS", { unitId: `bench-unit-${r}` }, "bench");
    linkedAt = 0;
    const p = spawnProcess(
      tiedCommand(hub.bin, {
        args: ["-c", `${leaf.dir}/leaf.conf`],
        clearEnv: true,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }),
    );
    try {
      await until(
        () =>
          connect({ servers: leaf.url, ...unit.client, reconnect: false }).then(
            (c) => c.close().then(() => false),
            (e) => refused(e) && linkedAt > 0,
          ),
        "the router's server to refuse the revoked unit",
        30_000,
        5,
      );
      latencies.push(performance.now() - linkedAt);
    } finally {
      await p.stop();
    }
    await until(async () => !(await leaf.linked()), "the hub to drop the router's links");
  }

  const ms = (x: number) => `${x.toFixed(0).padStart(6)} ms`;
  console.log(`claims: nats-server ${version}, ${accounts} accounts`);
  console.log(
    `  one walk (lookup + update per account)  median ${ms(median(walks))} of ${walks.length}`,
  );
  console.log(
    `  idle per minute, one claims link up     controller CPU: resend every 10 s ${
      ms(before.service)
    }   connect events + 300 s ${ms(after.service)}   ratio ${
      (after.service / before.service).toFixed(2)
    }`,
  );
  console.log(
    `                                          hub CPU:        resend every 10 s ${
      ms(before.hub)
    }   connect events + 300 s ${ms(after.hub)}   ratio ${(after.hub / before.hub).toFixed(2)}`,
  );
  console.log(
    `  catch-up: link's connect event to the revoked unit refused   median ${
      ms(median(latencies))
    }   max ${ms(Math.max(...latencies))} of ${ROUNDS}   (before: the next 10-s resend, up to ${
      ms(10_000 + median(walks))
    })`,
  );
}
