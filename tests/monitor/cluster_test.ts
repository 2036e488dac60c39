// The kit's startCluster against the monitoring API, $SYS pings and natscli: a 3-server cluster
// with a JetStream meta group, an R3 stream with its leader and replicas, and one member stopped
// and restarted.
import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import {
  compareVersions,
  FeatureUnavailableError,
  MonitorClient,
  SysMonitor,
} from "../../mods/monitor/mod.ts";
import { natscli, type NatsCluster, startCluster, until } from "../_kit/mod.ts";

type StreamCluster = { leader?: string; replicas?: { name: string; current: boolean }[] };

/** A stream's cluster block as one member's /jsz shows it. */
async function streamCluster(
  url: string,
  stream: string,
  ops: string,
): Promise<StreamCluster | undefined> {
  // Operator mode: the account by its key.
  const jsz = await new MonitorClient({ url }).jsz({ streams: true, acc: ops });
  return jsz.account_details?.flatMap((a) => a.stream_detail ?? []).find((s) => s.name === stream)
    ?.cluster as StreamCluster | undefined;
}

/**
 * The R3 stream's leader and members, once the leader reports both other members current. Only
 * the leader tracks its followers: a follower's /jsz lists the other follower as not current.
 */
async function replicated(cluster: NatsCluster, stream: string) {
  let leader = "";
  let members: string[] = [];
  await until(async () => {
    for (const s of cluster.servers) {
      const name = s.env.NATS_SERVER_NAME!;
      const info = await streamCluster(s.monitorUrl, stream, s.accounts.OPS!).catch(() =>
        undefined
      );
      if (info?.leader !== name) continue;
      const replicas = info.replicas ?? [];
      leader = name;
      members = [name, ...replicas.map((r) => r.name)].sort();
      return replicas.length === 2 && replicas.every((r) => r.current);
    }
    return false;
  }, `stream ${stream} to have a leader and two current replicas`);
  return { leader, members };
}

Deno.test("startCluster(3): routes, a JetStream meta group and an R3 stream, as the monitoring API and natscli see them", async () => {
  await using cluster = await startCluster(3);
  const names = cluster.servers.map((s) => s.env.NATS_SERVER_NAME!);
  assert.deepEqual(names, ["nunect_test-1", "nunect_test-2", "nunect_test-3"]);

  for (const [i, s] of cluster.servers.entries()) {
    const mon = new MonitorClient({ url: s.monitorUrl });
    const routez = await mon.routez();
    const peers = new Set(routez.routes?.map((r) => r.remote_name ?? r.remote_id));
    // 2.9 names no remote; every version routes to both other members.
    assert.equal(peers.size, 2, `${names[i]} routes to ${[...peers]}`);
    const jsz = await mon.jsz();
    assert.equal(jsz.meta_cluster?.cluster_size, 3);
    assert.ok(
      names.includes(jsz.meta_cluster?.leader ?? ""),
      `meta leader ${jsz.meta_cluster?.leader}`,
    );
  }

  const nc = await connect({ servers: [...cluster.urls], ...cluster.users.ops.nats });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "ORDERS", subjects: ["orders.>"], num_replicas: 3 });
    const { leader, members } = await replicated(cluster, "ORDERS");
    assert.ok(names.includes(leader));
    assert.deepEqual(members, names, "on every member");

    // Raft groups (2.11+): the meta group and the stream's, on every member, over HTTP and $SYS.
    const mon = new MonitorClient({ url: cluster.servers[0]!.monitorUrl });
    const sysNc = await connect({ servers: [...cluster.urls], ...cluster.users.sys.nats });
    await using sys = new SysMonitor(sysNc);
    try {
      if (compareVersions(cluster.servers[0]!.version, "2.11.0") < 0) {
        await assert.rejects(mon.raftz(), FeatureUnavailableError);
        assert.deepEqual(await sys.ping("RAFTZ", { windowMs: 300 }), []);
      } else {
        // Operator mode: accounts by key. Without an account the system account's groups: the
        // JetStream meta group.
        const [SYS, OPS] = [cluster.servers[0]!.accounts.SYS!, cluster.servers[0]!.accounts.OPS!];
        assert.equal((await mon.raftz())[SYS]?._meta_?.size, 3);
        const ops = await mon.raftz({ account: OPS });
        const group = Object.keys(ops[OPS] ?? {}).find((g) => g.startsWith("S-R3"));
        assert.ok(group, `the stream's group in ${JSON.stringify(ops)}`);
        assert.equal(ops[OPS]![group]!.size, 3);
        const replies = await sys.ping("RAFTZ", {
          windowMs: 2000,
          expected: 3,
          request: { account: OPS },
        });
        assert.deepEqual(
          replies.map((r) => r.ok && Object.keys(r.data[OPS] ?? {})),
          [[group], [group], [group]],
        );
        // One of them leads the stream's group.
        const leaders = replies.filter((r) => r.ok && r.data[OPS]?.[group]?.state === "LEADER");
        assert.deepEqual(leaders.map((r) => r.server!.name), [leader]);
      }
    } finally {
      await sysNc.close();
    }

    // natscli, connected as nunect's own users, sees the same cluster and stream.
    const list = await natscli(cluster.urls, cluster.users.sys, "server", "list", "3", "--json");
    assert.equal(list.code, 0, list.stderr);
    const listed = (JSON.parse(list.stdout) as { server: { name: string } }[])
      .map((r) => r.server.name).sort();
    assert.deepEqual(listed, names);
    const streams = await natscli(cluster.urls, cluster.users.ops, "stream", "ls", "--names");
    assert.equal(streams.code, 0, streams.stderr);
    assert.deepEqual(streams.stdout.trim().split("\n"), ["ORDERS"]);
    const info = await natscli(
      cluster.urls,
      cluster.users.ops,
      "stream",
      "info",
      "ORDERS",
      "--json",
    );
    const natsView = JSON.parse(info.stdout) as {
      cluster: { leader: string };
      config: { num_replicas: number };
    };
    assert.equal(natsView.config.num_replicas, 3);
    assert.equal(natsView.cluster.leader, leader);
  } finally {
    await nc.close();
  }
});

Deno.test("a stopped member goes missing from the cluster and comes back with its data", async () => {
  await using cluster = await startCluster(3);
  const nc = await connect({ servers: [...cluster.urls], ...cluster.users.ops.nats });
  const sysNc = await connect({
    servers: cluster.servers[0]!.url,
    ...cluster.users.sys.nats,
    maxReconnectAttempts: -1,
  });
  await using sys = new SysMonitor(sysNc);
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: "ORDERS", subjects: ["orders.>"], num_replicas: 3 });
    await replicated(cluster, "ORDERS");
    const answering = async () =>
      (await sys.ping("STATSZ", { windowMs: 500 })).filter((r) => r.ok).map((r) => r.server!.name)
        .sort();
    assert.deepEqual(await answering(), ["nunect_test-1", "nunect_test-2", "nunect_test-3"]);

    const gone = cluster.servers[2]!;
    await gone.stop();
    await until(async () => (await answering()).length === 2, "two servers to answer");
    assert.deepEqual(await answering(), ["nunect_test-1", "nunect_test-2"]);
    // The other two keep a quorum: the stream still takes messages (once a new leader is
    // elected, if the stopped member led it; the message ID makes a retried publish count once).
    const js = jetstream(nc);
    await until(async () => {
      try {
        const ack = await js.publish("orders.new", "while one member is down", { msgID: "down-1" });
        return ack.stream === "ORDERS";
      } catch {
        return false;
      }
    }, "the stream to take a message with one member down");

    await gone.restart();
    await cluster.formed();
    await until(async () => (await answering()).length === 3, "three servers to answer again");
    // It caught up: the message sent while it was down is on all three.
    await until(async () => {
      const jsz = await new MonitorClient({ url: gone.monitorUrl }).jsz({
        streams: true,
        acc: gone.accounts.OPS,
      });
      const s = jsz.account_details?.flatMap((a) => a.stream_detail ?? []).find((s) =>
        s.name === "ORDERS"
      );
      return s?.state.messages === 1;
    }, "the restarted member to hold the stream's message");
  } finally {
    await nc.close();
    await sysNc.close();
  }
});
