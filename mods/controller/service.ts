import type { NatsConnection, Subscription } from "../client/nats_types.ts";
import { CONTROLLER_SUBJECT_PREFIX } from "./api.ts";
import type { Controller } from "./controller.ts";
import { type HandleContext, handleControllerRequest } from "./handle.ts";
import { ClaimsLinks } from "./claims_links.ts";
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

/** How often the service checks the resolver and forgets expired users. */
const HOUSEKEEPING_MS = 60_000;

/** Options of {@linkcode serveController}. */
export interface ServeControllerOptions extends OpenControllerOptions, HandleContext {
  /**
   * How often the account JWTs are sent again while a router's claims link is connected, for an
   * update a link coming up did not get (NATS_CLAIMS_RESEND_S; default 300 000).
   */
  readonly claimsResendMs?: number;
}

/**
 * Runs the controller as a long-lived module (the supervisor's `controller`): connects as its own
 * users, moves journal records into the audit stream, and hands the resolver any account JWT it
 * lacks (after changes made while nats-server was down). When a router's claims link comes up
 * (its `$SYS.ACCOUNT.<system>.CONNECT` event, once the hub shows its interest) it sends every
 * account's JWT again (`Controller.republish`, one walk however many links came up meanwhile): the
 * router takes the updates it missed while cut off. It does so too at start and after its own
 * connection came back (events it missed), and every `claimsResendMs` while a claims link is
 * connected (an event lost some other way); with none connected it only checks the resolver.
 * Every minute it forgets expired browser users (their revocation entries go too, keeping account
 * JWTs small) and writes the unit key directory in full (`Controller.syncUnitKeys`: changes made by
 * the CLI meanwhile, writes that failed). Retries the connection until the server is there; stops on SIGTERM or SIGINT.
 *
 * @param o where the identity is, where the server listens, how often JWTs are sent again
 */
export async function serveController(o: ServeControllerOptions): Promise<void> {
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
  const systemKey = (await controller.accounts()).find((a) => a.kind === "system")!.publicKey;
  const links = new ClaimsLinks(sys.nc, systemKey);
  const resend = coalesced(async (why: string) => {
    try {
      const updated = await controller.republish();
      console.log(
        `controller: account JWTs sent again (${why})` +
          (updated.length > 0 ? `; resolver updated for ${updated.join(", ")}` : ""),
      );
    } catch (e) {
      console.error(`controller: sending account JWTs to routers failed: ${(e as Error).message}`);
    }
  });
  // Sent again when links may be up that no event announced: at start, after a reconnect, and
  // every resendMs; with none up, the resolver is checked (openController did that at start).
  const resendIfLinked = async (why: string) => {
    try {
      if (await links.anyConnected()) return await resend(why);
      if (why === "start") return;
      const updated = await controller.sync();
      if (updated.length > 0) console.log(`controller: resolver updated for ${updated.join(", ")}`);
    } catch (e) {
      console.error(`controller: checking claims links failed: ${(e as Error).message}`);
    }
  };
  const watch = links.watch((link) => {
    const who = link.unitId === null ? link.user : `router ${link.unitId}`;
    if (!link.interest) {
      console.error(`controller: the claims link of ${who} showed no interest in claims updates`);
    }
    resend(`claims link of ${who} connected`);
  });
  (async () => {
    for await (const s of sys.nc.status()) {
      if (s.type === "reconnect") resendIfLinked("reconnected");
    }
  })();
  await sys.flush();
  await resendIfLinked("start");
  console.log(
    `controller: serving ${CONTROLLER_SUBJECT_PREFIX}.> on ${o.natsUrl}` +
      (session.journalMoved > 0
        ? `; ${session.journalMoved} journal records now in the audit stream`
        : ""),
  );
  const resendMs = o.claimsResendMs ?? 300_000;
  const tickMs = Math.min(HOUSEKEEPING_MS, resendMs);
  let sinceResend = 0;
  let sinceHousekeeping = 0;
  while (!stopping) {
    await sleep(tickMs);
    if (stopping) break;
    sinceResend += tickMs;
    sinceHousekeeping += tickMs;
    if (sinceResend >= resendMs) {
      sinceResend = 0;
      await resendIfLinked(`every ${Math.round(resendMs / 1000)} s`);
    }
    if (sinceHousekeeping < HOUSEKEEPING_MS) continue;
    sinceHousekeeping = 0;
    try {
      await session.records.catchUp().catch(() => {});
      await session.controller.syncUnitKeys();
      const pruned = await session.controller.pruneExpired();
      if (pruned > 0) console.log(`controller: forgot ${pruned} expired users`);
    } catch (e) {
      console.error(`controller: housekeeping failed: ${(e as Error).message}`);
    }
  }
  watch.unsubscribe();
  api.unsubscribe();
  await session.close();
}

/**
 * `fn` run one call at a time: a call while it runs makes it run once more afterwards (with that
 * call's argument), however many calls came meanwhile. Every caller waits for a run that started
 * after its call.
 */
function coalesced(fn: (why: string) => Promise<void>): (why: string) => Promise<void> {
  let running: Promise<void> | undefined;
  let next: { why: string; done: Promise<void> } | undefined;
  const run = (why: string): Promise<void> => {
    running = fn(why).finally(() => {
      running = undefined;
    });
    return running;
  };
  return (why) => {
    if (running === undefined) return run(why);
    if (next !== undefined) return next.done;
    const done = running.then(() => {
      const w = next!.why;
      next = undefined;
      return run(w);
    });
    next = { why, done };
    return done;
  };
}
