import type { NatsConnection, Subscription } from "../client/nats_types.ts";
import { CONTROLLER_SUBJECT_PREFIX } from "./api.ts";
import type { Controller } from "./controller.ts";
import { type HandleContext, handleControllerRequest } from "./handle.ts";
import { openController, type OpenControllerOptions } from "./open.ts";

const decoder = new TextDecoder();

/**
 * Answers the controller's request API, `nunect.controller.<operation>`, on a system-account
 * connection (only SYS users — the dashboard and the controller — can reach it), one request at a
 * time: the store is locked per change anyway, and the order is kept.
 *
 * @param controller the controller
 * @param nc the controller's SYS connection
 * @param ctx defaults requests may omit
 * @returns the subscription; unsubscribe to stop
 */
export function serveControllerApi(
  controller: Controller,
  nc: NatsConnection,
  ctx: HandleContext,
): Subscription {
  const api = nc.subscribe(`${CONTROLLER_SUBJECT_PREFIX}.>`);
  (async () => {
    for await (const m of api) {
      let body: unknown;
      try {
        body = JSON.parse(decoder.decode(m.data));
      } catch {
        body = undefined;
      }
      const op = m.subject.slice(CONTROLLER_SUBJECT_PREFIX.length + 1);
      const reply = await handleControllerRequest(controller, op, body, ctx);
      if (m.reply) m.respond(JSON.stringify(reply));
    }
  })();
  return api;
}

/** How often the service sends the account JWTs again, for routers whose claims link was down. */
const REPUBLISH_MS = 10_000;

/** How often the service checks the resolver and forgets expired users. */
const HOUSEKEEPING_MS = 60_000;

/**
 * Runs the controller as a long-lived module (the supervisor's `controller`): connects as its own
 * users, moves journal records into the audit stream, and hands the resolver any account JWT it
 * lacks (after changes made while nats-server was down). Every 10 s it sends the account JWTs
 * again (`Controller.republish`, which also does that hand-over): a router whose claims link was
 * down takes the updates it missed within seconds of linking again. Every minute it forgets
 * expired browser users (their revocation entries go too, keeping account JWTs small). Retries
 * the connection until the server is there; stops on SIGTERM or SIGINT.
 *
 * @param o where the identity is and where the server listens
 */
export async function serveController(
  o: OpenControllerOptions & HandleContext,
): Promise<void> {
  let stopping = false;
  let wake: () => void = () => {};
  const stop = () => {
    stopping = true;
    wake();
  };
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
  const sleep = (ms: number) =>
    new Promise<void>((r) => {
      const t = setTimeout(r, ms);
      wake = () => (clearTimeout(t), r());
    });

  let session;
  for (let attempt = 1; !stopping; attempt++) {
    try {
      session = await openController(o);
      break;
    } catch (e) {
      console.error(`controller: cannot connect (attempt ${attempt}): ${(e as Error).message}`);
      await sleep(Math.min(10_000, 500 * attempt));
    }
  }
  if (session === undefined) return;
  const { controller, sys } = session;
  const api = serveControllerApi(controller, sys.nc, o);
  await sys.flush();
  console.log(
    `controller: serving ${CONTROLLER_SUBJECT_PREFIX}.> on ${o.natsUrl}` +
      (session.journalMoved > 0
        ? `; ${session.journalMoved} journal records now in the audit stream`
        : ""),
  );
  for (let tick = 1; !stopping; tick++) {
    await sleep(REPUBLISH_MS);
    if (stopping) break;
    // a republish is also the sync: the resolver gets any account JWT it lacks or holds older
    await session.controller.republish().then((synced) => {
      if (synced.length > 0) console.log(`controller: resolver updated for ${synced.join(", ")}`);
    }, (e) => {
      console.error(`controller: sending account JWTs to routers failed: ${(e as Error).message}`);
    });
    if (tick % (HOUSEKEEPING_MS / REPUBLISH_MS) !== 0) continue;
    try {
      await session.records.catchUp().catch(() => {});
      const pruned = await session.controller.pruneExpired();
      if (pruned > 0) console.log(`controller: forgot ${pruned} expired users`);
    } catch (e) {
      console.error(`controller: housekeeping failed: ${(e as Error).message}`);
    }
  }
  api.unsubscribe();
  await session.close();
}
