// The controller's view of routers' claims links (mods/controller/claims_links.ts), with its own
// system-account user: it hears a link come up (the hub's connect event in the system account)
// only once the hub shows the link's interest in claims updates (an update sent before that would
// not reach the router), and it knows whether any claims link is connected (LEAFZ), so it sends
// nothing when none is.
import assert from "node:assert/strict";
import { connect as natsConnect } from "@nats-io/transport-node";
import { connect } from "../../mods/client/mod.ts";
import {
  CLAIMS_UPDATE_SUBJECT,
  ClaimsLinks,
  type ClaimsLinkUp,
  systemCredsFiles,
} from "../../mods/controller/mod.ts";
import { startLeafNode, startNats, TEST_HUB_UNIT, testIdentity, until } from "../_kit/mod.ts";

Deno.test("the controller hears a claims link come up with its interest, and whether any is up", async () => {
  await using hub = await startNats();
  const sysKey = (await (await hub.controller()).account("SYS")).publicKey;
  const creds = await Deno.readTextFile(
    systemCredsFiles(hub.identityDir, TEST_HUB_UNIT).controllerSys,
  );
  await using nc = await natsConnect({
    servers: hub.url,
    ...testIdentity(creds, "SYS", "controller-sys").nats,
  });
  const links = new ClaimsLinks(nc, sysKey);
  assert.equal(await links.anyConnected(), false);

  const seen: { link: ClaimsLinkUp; hubShows: boolean }[] = [];
  links.watch(async (link) => {
    const leafz = await (await fetch(`${hub.monitorUrl}/leafz?subs=1`)).json();
    const hubShows = (leafz.leafs ?? []).some((
      l: { account: string; subscriptions_list?: string[] },
    ) => l.account === sysKey && (l.subscriptions_list ?? []).includes(CLAIMS_UPDATE_SUBJECT));
    seen.push({ link, hubShows });
  });
  await nc.flush();
  // A unit connecting in OPS is no claims link (and not in the system account's events at all).
  const unit = await hub.unit("press-c1", { role: "app" });
  await (await connect({ servers: hub.url, ...unit.client })).close();

  await using leaf = await startLeafNode(hub, { unitId: "router-c1" });
  await until(() => seen.length > 0, "the claims link to be announced");
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.link.unitId, "router-c1");
  assert.equal(seen[0]!.link.interest, true);
  assert.ok(seen[0]!.hubShows, "announced before the hub had the link's interest");
  assert.equal(await links.anyConnected(), true);
  assert.equal(links.stats.malformed, 0);

  await leaf.stop();
  await until(async () => !(await links.anyConnected()), "no claims link to be connected");
});
