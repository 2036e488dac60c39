import { z } from "zod";
import { Island } from "../../components/Island.tsx";
import { Card } from "../../components/ui.tsx";
import { InvalidRequestError } from "../../mods/dashboard/mod.ts";
import { validateSubject } from "../../mods/protocol/mod.ts";
import type { Interest } from "../../mods/registry/mod.ts";
import { TopologyMap } from "../../islands/TopologyMap.tsx";
import type { AppContext } from "../context.ts";
import { param } from "../query.ts";
import { page, type Route } from "../route.ts";

const interestQuery = z.object({ subject: param.name() });

/** The leaf nodes that need `subject`, or null without one; a bad subject is a 400. */
function interest(c: AppContext, subject: string | undefined): Interest[] | null {
  if (subject === undefined) return null;
  try {
    validateSubject(subject, true);
  } catch (e) {
    throw new InvalidRequestError((e as Error).message);
  }
  return c.var.services.whoNeeds(subject);
}

/**
 * Topology: the hub, its leaf nodes (routers) with each link's round-trip time, and the units on
 * each leaf node, live from the subject registry; and "who needs this subject, and where":
 * the leaf nodes whose interest overlaps a subject (wildcards allowed), with the units there.
 */
export const topologyRoutes: readonly Route[] = [
  ...page({
    path: "/topology",
    title: "Topology",
    nav: true,
    live: ["topology"],
    query: interestQuery,
    twin: {
      path: "/api/topology",
      title: "hub, leaf nodes with link RTTs, units per leaf node; ?subject= who needs it",
    },
    load: (c, q) => ({
      topology: c.var.services.topology(),
      subject: q.subject ?? null,
      interest: interest(c, q.subject),
    }),
    render: ({ topology, subject, interest }) => (
      <>
        {!topology.available && (
          <div class="notice warn">
            The subject registry has not run yet: its bucket (nunect_registry) does not exist. `deno
            task start` runs it (mods/registry); leaf node names require nats-server ≥ 2.10.0.
          </div>
        )}
        <Island component={TopologyMap} props={{ initial: topology }} />
        <Card title="Who needs a subject, and where">
          <form method="get" action="/topology" class="inline" id="interest-form">
            <input
              type="text"
              name="subject"
              value={subject ?? ""}
              placeholder="bridge.audio.>"
              aria-label="subject"
            />
            <button type="submit">Find</button>
          </form>
          {interest !== null && (
            interest.length === 0
              ? <p class="muted" id="interest-none">No leaf node has interest in {subject}.</p>
              : (
                <div class="table-wrap">
                  <table id="interest">
                    <thead>
                      <tr>
                        <th>Leaf node</th>
                        <th>Account</th>
                        <th>Its subscriptions</th>
                        <th>Units there</th>
                      </tr>
                    </thead>
                    <tbody>
                      {interest.map((i) => (
                        <tr key={`${i.leaf}/${i.account}`}>
                          <td>{i.leaf}{i.up ? "" : " (cut off)"}</td>
                          <td>{i.account}</td>
                          <td class="wrap">{i.subjects.join(", ")}</td>
                          <td class="wrap">{i.units.join(", ") || "–"}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )
          )}
        </Card>
      </>
    ),
  }),
];
