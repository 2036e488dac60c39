// The ≥ 2.10 actions from the dashboard, each behind a confirmation (form) or the CSRF header
// (API): disconnecting a client and sending it the lame-duck notice, a server's page with its
// health and Go memory, reloading its configuration, a profile download, and message tracing.
// On Debian's 2.9.10 each answers 501 "requires nats-server ≥ X" and changes nothing.
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { compareVersions } from "../../mods/monitor/mod.ts";
import { startNats, until } from "../_kit/mod.ts";
import { get, login, openStream, testDashboard } from "./_harness.ts";

const ORIGIN = "http://localhost";

Deno.test("dashboard actions: KICK and LDM with confirmation, server page, RELOAD, profile, trace", async () => {
  await using ns = await startNats();
  await using d = await testDashboard(ns);
  const s = await login(d.app);
  const modern = compareVersions(ns.version, "2.10.0") >= 0;
  const tracing = compareVersions(ns.version, "2.11.0") >= 0;
  const form = (path: string, fields: Record<string, string> = {}, csrf = s.csrf) =>
    get(d.app, s, path, {
      method: "POST",
      headers: { origin: ORIGIN, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: csrf, ...fields }),
    });
  const api = (path: string, body?: unknown) =>
    get(d.app, s, path, {
      method: "POST",
      headers: { origin: ORIGIN, "x-csrf-token": s.csrf, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  const victim = await connect({
    servers: ns.url,
    ...(await ns.console("BRIDGE")).nats,
    name: "kick-target",
  });
  const moved = await connect({
    servers: ns.url,
    ...(await ns.console("ENGINE")).nats,
    name: "ldm-target",
  });
  const statuses: string[] = [];
  (async () => {
    for await (const st of moved.status()) statuses.push(st.type);
  })();
  try {
    const cid = victim.info!.client_id;
    const page = await (await get(d.app, s, `/connections/${cid}`)).text();
    assert.equal(page.includes(`href="/connections/${cid}/kick"`), modern);
    assert.equal(page.includes("requires nats-server ≥ 2.10.0"), !modern);

    // Without the CSRF token nothing happens.
    const forged = await form(`/connections/${cid}/kick`, {}, "forged");
    assert.equal(forged.status, 403);
    await forged.body?.cancel();
    if (!modern) {
      const refused = await form(`/connections/${cid}/kick`);
      assert.equal(refused.status, 501);
      assert.match(
        await refused.text(),
        /requires nats-server ≥ 2\.10\.0 \(server &quot;[^&]+&quot; runs 2\.9\.10\)/,
      );
      const ldm = await api(`/api/connections/${moved.info!.client_id}/ldm`);
      assert.equal(ldm.status, 501);
      assert.match((await ldm.json()).error.message, /requires nats-server ≥ 2\.10\.0/);
      assert.equal(victim.isClosed(), false);
    } else {
      const confirm = await (await get(d.app, s, `/connections/${cid}/kick`)).text();
      assert.ok(confirm.includes(`action="/connections/${cid}/kick"`), "a confirmation form");
      assert.ok(confirm.includes("kick-target"));
      await using activity = await openStream(d.app, s, "topics=activity");
      const done = await form(`/connections/${cid}/kick`);
      assert.equal(done.status, 200);
      assert.match(await done.text(), /Client #\d+ on .+ disconnected/);
      const e = await activity.next(
        (e) =>
          e.event === "activity" && JSON.parse(e.data).name === "kick-target" &&
          JSON.parse(e.data).kind === "disconnect",
        "the DISCONNECT in the Activity stream",
      );
      assert.equal(JSON.parse(e.data).reason, "Kicked");

      const ldm = await api(`/api/connections/${moved.info!.client_id}/ldm`);
      assert.equal(ldm.status, 200, await ldm.clone().text());
      assert.equal((await ldm.json()).ldm, true);
      await until(() => statuses.includes("ldm"), "the client's lame-duck status");
      const none = await api("/api/connections/999999/kick");
      assert.equal(none.status, 409);
      assert.match((await none.json()).error.message, /refused KICK: no such client/);
    }

    // The server's page, reached from the Overview's cluster table.
    const { servers } = await (await get(d.app, s, "/api/cluster")).json();
    const id = servers[0].server.id as string;
    const serverPage = await (await get(d.app, s, `/servers/${id}`)).text();
    assert.ok(serverPage.includes(ns.env.NATS_SERVER_NAME!));
    assert.ok(serverPage.includes("healthy"));
    assert.equal(serverPage.includes("Heap in use"), modern, "Go memory (EXPVARZ, 2.10+)");
    assert.equal((await get(d.app, s, "/servers/NOPE")).status, 400);
    if (!modern) {
      assert.equal((await form(`/servers/${id}/reload`)).status, 501);
      assert.equal((await get(d.app, s, `/api/servers/${id}/profile?name=heap`)).status, 501);
    } else {
      const confirm = await (await get(d.app, s, `/servers/${id}/reload`)).text();
      assert.ok(confirm.includes(`action="/servers/${id}/reload"`));
      const reloaded = await form(`/servers/${id}/reload`);
      assert.equal(reloaded.status, 200);
      assert.match(await reloaded.text(), /re-read its configuration/);
      assert.deepEqual(await (await api(`/api/servers/${id}/reload`)).json(), {
        reloaded: ns.env.NATS_SERVER_NAME,
      });
      const profile = await get(d.app, s, `/api/servers/${id}/profile?name=heap`);
      assert.equal(profile.status, 200);
      assert.match(profile.headers.get("content-disposition") ?? "", /-heap\.pb\.gz"$/);
      const bytes = new Uint8Array(await profile.arrayBuffer());
      assert.deepEqual([bytes[0], bytes[1]], [0x1f, 0x8b]);
      assert.equal((await get(d.app, s, `/api/servers/${id}/profile?name=nope`)).status, 400);
    }

    // Tracing from the dashboard's OPS connection.
    const sink = await connect({ servers: ns.url, ...ns.users.ops.nats, name: "trace-sink" });
    sink.subscribe("ops.trace.>");
    await sink.flush();
    try {
      const bad = await api("/api/trace", { subject: "ops trace" });
      assert.equal(bad.status, 400);
      const traced = await api("/api/trace", { subject: "ops.trace.dashboard", payload: "x" });
      if (!tracing) {
        assert.equal(traced.status, 501);
        assert.match((await traced.json()).error.message, /requires nats-server ≥ 2\.11\.0/);
      } else {
        assert.equal(traced.status, 200, await traced.clone().text());
        const t = await traced.json();
        assert.equal(t.traceOnly, true);
        // The sink and the dashboard's own registry (it subscribes ops.>) would receive it.
        const out = t.hops[0].egress.map((e: { kind: string; name: string }) =>
          `${e.kind} ${e.name}`
        );
        assert.ok(out.includes("client trace-sink"), out.join(", "));
        const html = await (await form("/trace", { subject: "ops.trace.dashboard" })).text();
        assert.ok(html.includes('id="trace-hops"') && html.includes("trace-sink"));
      }
    } finally {
      await sink.close();
    }
  } finally {
    await victim.close().catch(() => {});
    await moved.close();
  }
});
