import { z } from "zod";
import { Island } from "../../components/Island.tsx";
import { DataTable, mono } from "../../components/ui.tsx";
import {
  deadLetterStatus,
  deleteDeadLetter,
  enableDeadLetters,
  listDeadLetters,
  replayDeadLetter,
} from "../../mods/jetstream/mod.ts";
import { ActionButton } from "../../islands/ActionButton.tsx";
import { account, accountNamed, consoleAccounts, validBody } from "../console.ts";
import type { AppContext } from "../context.ts";
import { param, parseParams } from "../query.ts";
import { endpoint, page, type Route } from "../route.ts";

const filterQuery = z.object({
  account: param.name(),
  stream: param.name(),
  consumer: param.name(),
});
const idParam = z.object({
  id: z.string().regex(/^\d+$/, "expected a dead letter's ID").transform(Number),
});
const idOf = (c: AppContext) => parseParams(idParam, { id: c.req.param("id") ?? "" }).id;

/**
 * Dead letters: messages that reached a consumer's MaxDeliver or that a client terminated, from
 * the advisories kept in each account's NUNECT_DEAD_LETTERS stream (enabled per account), listed
 * per stream and consumer with why and the message, replayed or deleted.
 */
export const deadLettersRoutes: readonly Route[] = [
  ...page({
    path: "/dead-letters",
    scope: "account",
    title: "Dead letters",
    query: filterQuery,
    twin: {
      path: "/api/dead-letters",
      title: "dead letters of an account (account, stream, consumer)",
    },
    load: async (c, q) => {
      const accounts = consoleAccounts(c);
      const name = q.account ?? accounts[0] ?? "";
      const ctx = await accountNamed(c, name);
      const status = await deadLetterStatus(ctx);
      const letters = status.enabled
        ? await listDeadLetters(ctx, { stream: q.stream, consumer: q.consumer })
        : [];
      return { account: name, accounts, status, letters };
    },
    render: (v, c) => {
      const api = `/api/dead-letters/${encodeURIComponent(v.account)}`;
      return (
        <>
          <form class="filters" method="get" action="/dead-letters">
            <select name="account">
              {v.accounts.map((a) => (
                <option key={a} value={a} selected={a === v.account}>{a}</option>
              ))}
            </select>
            <input name="stream" placeholder="stream" />
            <input name="consumer" placeholder="consumer" />
            <button type="submit">Show</button>
          </form>
          {!v.status.enabled && (
            <>
              <p>
                Dead letters are not kept in {v.account}{" "}
                yet: enabling creates the stream NUNECT_DEAD_LETTERS, which keeps the MAX_DELIVERIES
                and MSG_TERMINATED advisories for 7 days (the reason a client gives when it
                terminates a message requires nats-server ≥ 2.10.4).
              </p>
              <Island
                component={ActionButton}
                props={{ url: `${api}/enable`, csrf: c.var.csrf, label: "Enable dead letters" }}
              />
            </>
          )}
          {v.status.enabled && (
            <DataTable
              id="dead-letters"
              columns={[
                { label: "When", cell: (d) => d.time.slice(0, 19).replace("T", " ") },
                { label: "Stream", cell: (d) => d.stream },
                { label: "Consumer", cell: (d) => d.consumer },
                { label: "Seq", cell: (d) => String(d.streamSeq), num: true },
                { label: "Deliveries", cell: (d) => String(d.deliveries), num: true },
                {
                  label: "Why",
                  cell: (d) =>
                    d.cause === "max_deliveries"
                      ? "MaxDeliver reached"
                      : d.reason === null
                      ? "terminated"
                      : `terminated: ${d.reason}`,
                  wrap: true,
                },
                {
                  label: "Message",
                  cell: (
                    d,
                  ) => (d.message ? mono(`${d.message.subject}: ${d.message.preview}`) : "gone"),
                  wrap: true,
                },
                {
                  label: "",
                  cell: (d) => (
                    <>
                      <Island
                        component={ActionButton}
                        props={{ url: `${api}/${d.id}/replay`, csrf: c.var.csrf, label: "Replay" }}
                      />
                      <Island
                        component={ActionButton}
                        props={{
                          url: `${api}/${d.id}/delete`,
                          csrf: c.var.csrf,
                          label: "Delete",
                          body: { original: true },
                          confirm:
                            `Delete this dead letter and message ${d.streamSeq} of "${d.stream}"?`,
                          danger: true,
                        }}
                      />
                    </>
                  ),
                },
              ]}
              rows={v.letters}
              empty="No dead letters."
            />
          )}
        </>
      );
    },
  }),
  endpoint({
    method: "POST",
    path: "/api/dead-letters/:account/enable",
    title: "keep dead letters in an account (creates NUNECT_DEAD_LETTERS)",
    role: "admin",
    handle: async (c) => enableDeadLetters(await account(c)),
  }),
  endpoint({
    method: "POST",
    path: "/api/dead-letters/:account/:id/replay",
    title: "publish a dead letter's message again ({ to } for another subject)",
    role: "operator",
    handle: async (c) => {
      const { to } = await validBody(c, z.object({ to: z.string().optional() }).strict());
      return replayDeadLetter(await account(c), idOf(c), to);
    },
  }),
  endpoint({
    method: "POST",
    path: "/api/dead-letters/:account/:id/delete",
    title: "remove a dead letter ({ original: true } deletes the message too)",
    role: "operator",
    handle: async (c) => {
      const { original } = await validBody(
        c,
        z.object({ original: z.boolean().optional() }).strict(),
      );
      await deleteDeadLetter(await account(c), idOf(c), original === true);
      return { deleted: idOf(c) };
    },
  }),
];
