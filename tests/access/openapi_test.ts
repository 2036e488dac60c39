/**
 * The OpenAPI 3.1 description: every /api route of the table is in it, its request schemas are
 * the zod schemas that validate, and real answers of a running dashboard validate against the
 * response schemas.
 *
 * @module
 */
import assert from "node:assert/strict";
import { z } from "zod";
import { connect } from "@nats-io/transport-node";
import { ROUTES } from "../../routes/table.ts";
import { startNats } from "../_kit/mod.ts";
import { get, login, testDashboard } from "../dashboard/_harness.ts";
import { post } from "./_access.ts";

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components: { securitySchemes: Record<string, unknown> };
};

const oasPath = (path: string) => path.replace(/:(\w+)/g, "{$1}");
const input = (s: z.ZodType) => {
  const j = z.toJSONSchema(s, { target: "draft-2020-12", io: "input", unrepresentable: "any" });
  delete (j as Record<string, unknown>).$schema;
  return j;
};

Deno.test("openapi: every /api route is described, from the zod schemas that validate, and real answers validate", async (t) => {
  await using ns = await startNats();
  await using d = await testDashboard(ns);
  const admin = await login(d.app);
  const res = await get(d.app, admin, "/api/openapi.json");
  assert.equal(res.status, 200);
  const doc = await res.json() as Doc;
  const api = ROUTES.filter((r) => r.path === "/api" || r.path.startsWith("/api/"));

  await t.step(
    "OpenAPI 3.1 with every /api route of the table, its role, scope and audit action",
    () => {
      assert.equal(doc.openapi, "3.1.0");
      assert.ok(doc.components.securitySchemes.bearer);
      const ids = new Set<string>();
      for (const r of api) {
        const op = doc.paths[oasPath(r.path)]?.[r.method.toLowerCase()];
        assert.ok(op, `${r.method} ${r.path} is described`);
        assert.equal(op["x-nunect-role"], r.role);
        assert.equal(op["x-nunect-scope"], r.scope);
        assert.equal(op["x-nunect-audit-action"], r.action ?? undefined);
        const id = String(op.operationId);
        assert.ok(!ids.has(id), `operationId ${id} is unique`);
        ids.add(id);
        const params = op.parameters as { name: string; in: string }[];
        for (const m of r.path.matchAll(/:(\w+)/g)) {
          assert.ok(params.some((p) => p.in === "path" && p.name === m[1]), `${r.path}: ${m[1]}`);
        }
      }
      const described = Object.values(doc.paths).reduce((n, m) => n + Object.keys(m).length, 0);
      assert.equal(described, api.length, "and nothing else");
    },
  );

  await t.step("request schemas are the validating zod schemas", () => {
    for (const r of api) {
      const op = doc.paths[oasPath(r.path)]![r.method.toLowerCase()]!;
      if (r.schemas.body) {
        const body = (op.requestBody as { content: Record<string, { schema: unknown }> }).content[
          "application/json"
        ]!.schema;
        assert.deepEqual(body, input(r.schemas.body), `${r.path}: body`);
      }
      if (r.schemas.query) {
        const q = input(r.schemas.query) as { properties?: Record<string, unknown> };
        const names = (op.parameters as { name: string; in: string }[])
          .filter((p) => p.in === "query").map((p) => p.name);
        assert.deepEqual(names, Object.keys(q.properties ?? {}), `${r.path}: query`);
      }
    }
    // A body the schema refuses is a 400 naming the field, before the handler runs.
    return;
  });

  await t.step("every GET answer that has a schema validates against it, as admin", async () => {
    // Something in each list: a tenant's connection, a user, a token.
    const nc = await connect({
      servers: ns.url,
      ...(await ns.console("BRIDGE")).nats,
      name: "openapi",
    });
    await post(d.app, admin, "/api/tokens", { name: "openapi" });
    try {
      const checked: string[] = [];
      for (const r of api.filter((r) => r.method === "GET" && r.schemas.response)) {
        const path = r.path.replace(":name", "admin");
        if (path.includes(":")) continue;
        const res = await get(d.app, admin, path, { headers: { accept: "application/json" } });
        assert.equal(res.status, 200, `${path}: ${res.status}`);
        const parsed = r.schemas.response!.safeParse(await res.json());
        assert.ok(
          parsed.success,
          `${path}: ${parsed.error?.issues[0]?.path.join(".")} ${parsed.error?.issues[0]?.message}`,
        );
        checked.push(path);
      }
      assert.ok(checked.length >= 15, `answers checked: ${checked.join(" ")}`);
    } finally {
      await nc.close();
    }
  });

  await t.step("POST answers validate too, and a bad body is a 400 naming the field", async () => {
    const routeOf = (path: string) => ROUTES.find((r) => r.method === "POST" && r.path === path)!;
    const user = await post(d.app, admin, "/api/users", {
      name: "oas",
      role: "viewer",
      password: "openapi-password-1",
    });
    assert.ok(routeOf("/api/users").schemas.response!.safeParse(await user.json()).success);
    const token = await post(d.app, admin, "/api/tokens", { name: "x", days: 2 });
    assert.ok(routeOf("/api/tokens").schemas.response!.safeParse(await token.json()).success);
    const bad = await post(d.app, admin, "/api/users", { name: "bad name", role: "viewer" });
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error.message, /Invalid name/);
  });
});
