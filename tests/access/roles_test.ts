/**
 * The route table's roles and scopes, enforced: every route is walked as a viewer, an operator
 * and an account-scoped operator against a real server, and every refusal is checked to come
 * from the table (403 naming the rule) before the handler could change anything.
 *
 * @module
 */
import assert from "node:assert/strict";
import { roleAllows } from "../../mods/access/mod.ts";
import { ROUTES } from "../../routes/table.ts";
import { startNats } from "../_kit/mod.ts";
import { get, login, testDashboard } from "../dashboard/_harness.ts";
import { pathOf, post, userSession } from "./_access.ts";

Deno.test("roles: every write endpoint refuses a viewer, every admin endpoint refuses an operator, a BRIDGE operator every server-wide route", async (t) => {
  await using ns = await startNats();
  await using d = await testDashboard(ns);
  const admin = await login(d.app);
  const viewer = await userSession(d.app, admin, "vera", "viewer");
  const operator = await userSession(d.app, admin, "otto", "operator");
  const bridge = await userSession(d.app, admin, "bea", "operator", ["BRIDGE"]);

  const call = async (s: typeof admin, r: (typeof ROUTES)[number], values = {}) => {
    const path = pathOf(r, values);
    const res = r.method === "POST"
      ? await post(d.app, s, path)
      : await get(d.app, s, path, { headers: { accept: "application/json" } });
    const text = await res.text();
    return { status: res.status, text };
  };

  const writes = ROUTES.filter((r) => r.role !== "viewer");
  const admins = ROUTES.filter((r) => r.role === "admin");
  assert.ok(writes.filter((r) => r.method === "POST").length >= 55, "the table has its writes");
  assert.ok(admins.length >= 25, "and its admin routes");

  await t.step(
    `a viewer is refused each of the ${writes.length} operator and admin routes`,
    async () => {
      for (const r of writes) {
        const { status, text } = await call(viewer, r);
        assert.equal(status, 403, `${r.method} ${r.path} as viewer: ${text.slice(0, 200)}`);
        assert.match(text, new RegExp(`needs role ${r.role}`), `${r.method} ${r.path}`);
      }
    },
  );

  await t.step(`an operator is refused each of the ${admins.length} admin routes`, async () => {
    for (const r of admins) {
      const { status, text } = await call(operator, r);
      assert.equal(status, 403, `${r.method} ${r.path} as operator: ${text.slice(0, 200)}`);
      assert.match(text, /needs role admin/);
    }
  });

  await t.step(
    "an operator passes the table on every operator route (what follows is the handler's)",
    async () => {
      for (const r of ROUTES.filter((r) => r.role === "operator")) {
        const { status, text } = await call(operator, r);
        assert.ok(
          !(status === 403 && /needs role/.test(text)),
          `${r.method} ${r.path}: ${status} ${text.slice(0, 120)}`,
        );
      }
    },
  );

  const global = ROUTES.filter((r) => r.scope === "global" && roleAllows("operator", r.role));
  await t.step(
    `a BRIDGE operator is refused each of the ${global.length} server-wide routes`,
    async () => {
      for (const r of global) {
        const { status, text } = await call(bridge, r);
        assert.equal(
          status,
          403,
          `${r.method} ${r.path} as BRIDGE operator: ${text.slice(0, 200)}`,
        );
        assert.match(text, /shows every account/);
      }
    },
  );

  const perAccount = ROUTES.filter((r) =>
    r.path.includes(":account") && roleAllows("operator", r.role)
  );
  await t.step(
    `a BRIDGE operator is refused OPS on each of the ${perAccount.length} per-account routes, not BRIDGE`,
    async () => {
      for (const r of perAccount) {
        const ops = await call(bridge, r, { account: "OPS" });
        assert.equal(ops.status, 403, `${r.method} ${r.path} in OPS: ${ops.text.slice(0, 200)}`);
        assert.match(ops.text, /outside the scope/);
        const own = await call(bridge, r, { account: "BRIDGE" });
        assert.ok(
          !(own.status === 403 && /scope|needs role/.test(own.text)),
          `${r.method} ${r.path} in BRIDGE: ${own.status} ${own.text.slice(0, 120)}`,
        );
      }
    },
  );

  await t.step("the navigation shows each user the pages it may open", async () => {
    const nav = async (s: typeof admin) => {
      const html = await (await get(d.app, s, "/me")).text();
      const side = html.match(/<nav class="side">(.*?)<\/nav>/s)?.[1] ?? "";
      return [...side.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
    };
    const all = await nav(admin);
    assert.ok(all.includes("/users") && all.includes("/audit") && all.includes("/routes"));
    const v = await nav(viewer);
    assert.ok(!v.includes("/users") && !v.includes("/audit") && v.includes("/routes"));
    const b = await nav(bridge);
    assert.deepEqual(
      b.filter((h) => ["/", "/routes", "/subscriptions", "/jetstream", "/users"].includes(h!)),
      [],
      "no server-wide page for a BRIDGE operator",
    );
    assert.ok(b.includes("/streams") && b.includes("/connections") && b.includes("/units"));
  });
});
