import { Island } from "../../components/Island.tsx";
import { publishMessage, requestMessage } from "../../mods/jetstream/mod.ts";
import { PublishForm } from "../../islands/PublishForm.tsx";
import { account, consoleAccounts, jsonBody } from "../console.ts";
import { endpoint, page, type Route } from "../route.ts";

/**
 * Publish and request: a message (subject, headers, payload) published or sent as a request in
 * the account the user chooses, with that account's credentials; the stream and sequence it
 * landed at, or the reply, are shown.
 */
export const publishRoutes: readonly Route[] = [
  ...page({
    path: "/publish",
    scope: "account",
    title: "Publish",
    role: "operator",
    twin: { path: "/api/console/accounts", title: "the accounts the JetStream console acts in" },
    load: (c) => ({ accounts: consoleAccounts(c) }),
    render: (v, c) => (
      <Island
        component={PublishForm}
        props={{
          accounts: v.accounts,
          account: c.req.query("account") ?? v.accounts[0] ?? "",
          subject: c.req.query("subject") ?? "",
          csrf: c.var.csrf,
        }}
      />
    ),
  }),
  endpoint({
    method: "POST",
    path: "/api/publish/:account",
    title: "publish ({ subject, headers: [[name, value]], payload, encoding })",
    role: "operator",
    handle: async (c) => publishMessage(await account(c), await jsonBody(c)),
  }),
  endpoint({
    method: "POST",
    path: "/api/request/:account",
    title: "send a request and return the reply (same body as publish)",
    role: "operator",
    handle: async (c) => requestMessage(await account(c), await jsonBody(c)),
  }),
];
