/**
 * Upgrades: nunect 0.1.0 starting on a data directory from before its first release (a real one,
 * captured from main at d5552a6 with tests/upgrade/_capture_layout0.md's steps), a second start,
 * a downgrade refused before anything runs, and the migration machinery itself (chains, a failed
 * step, the marker, `.env`).
 */
import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { AlertStore } from "../../mods/alerts/store.ts";
import {
  CURRENT_LAYOUT,
  DowngradeError,
  MARKER_FILE,
  migrateEnv,
  type Migration,
  type MigrationContext,
  MigrationError,
  planUpgrade,
  readMarker,
  runUpgrade,
} from "../../mods/upgrade/mod.ts";
import { NUNECT_VERSION } from "../../mods/protocol/mod.ts";
import {
  PROJECT_DIR,
  runScript,
  type Stack,
  stackConnect,
  stackCreds,
  startStack,
  testEnv,
} from "../_kit/mod.ts";

const FIXTURE = `${PROJECT_DIR}/tests/upgrade/fixtures/layout0-d5552a6`;

function parseEnv(text: string): Record<string, string> {
  return Object.fromEntries(
    text.split("\n").filter((l) => /^[A-Z0-9_]+=/.test(l)).map((l) => {
      const i = l.indexOf("=");
      return [l.slice(0, i), l.slice(i + 1)];
    }),
  );
}

/**
 * The fixture's data directory and .env in a new directory, on free ports, after
 * `deno task identity init` as `deno task start` runs it first (operator mode: the accounts'
 * JetStream data moves to their keys' directories).
 */
async function olderInstallation(): Promise<{ dir: string; env: Record<string, string> }> {
  const dir = await Deno.makeTempDir({ prefix: "nunect-upgrade-" });
  const fresh = await testEnv(dir);
  const old = parseEnv(await Deno.readTextFile(`${FIXTURE}.env`));
  const env = {
    ...old,
    ...Object.fromEntries(
      [
        "NATS_PORT",
        "NATS_HTTP_PORT",
        "NATS_WS_PORT",
        "NATS_LEAF_PORT",
        "DASHBOARD_PORT",
        "NATS_URL",
        "NATS_DATA_DIR",
        "NATS_IDENTITY_DIR",
        "NATS_SERVER_BIN",
      ].map((k) => [k, fresh[k]!]),
    ),
    NUNECT_ENV_FILE: `${dir}/.env`,
  };
  const untar = await new Deno.Command("tar", {
    args: ["-xzf", `${FIXTURE}.tar.gz`, "-C", `${dir}/data`],
  }).output();
  assert.ok(untar.success);
  await Deno.writeTextFile(
    `${dir}/.env`,
    Object.entries(env).filter(([k]) => k !== "NUNECT_ENV_FILE").map(([k, v]) => `${k}=${v}\n`)
      .join(""),
  );
  const init = await runScript("identity.sh", ["init"], {
    ...Deno.env.toObject(),
    NUNECT_ENV_FILE: `${dir}/.env`,
    DENO: Deno.execPath(),
  });
  assert.equal(init.code, 0, init.stderr);
  assert.match(init.stderr, /Moved JetStream data of .*OPS/);
  return { dir, env };
}

Deno.test("0.1.0 on a data directory from before it: migrated, said, kept; then left alone", async () => {
  const { dir, env } = await olderInstallation();
  const testStart = Date.now();
  try {
    {
      await using stack = await startStack({ reuse: { dir, env } as unknown as Stack });
      const out = stack.supervisor.output().stdout;
      assert.match(out, /Data layout 0 -> 1: nunect 0\.1\.0 takes over a data directory/);
      assert.match(out, /\[upgrade\] Upgrading data layout 0 -> 1/);
      assert.match(out, /\[upgrade\]\s+- \.env: has every secret 0\.1\.0 needs/);
      assert.match(out, /\[upgrade\]\s+- units: \d+ records kept/);
      assert.match(out, /\[upgrade\]\s+- alert rules: 1 kept/);
      // The upgrade ran before the first module started.
      assert.ok(out.indexOf("[upgrade] Upgrading") < out.indexOf("dashboard started"));
      const marker = await readMarker(`${dir}/data`);
      assert.equal(marker?.layout, CURRENT_LAYOUT);
      assert.equal(marker?.version, NUNECT_VERSION);
      assert.equal(marker?.values.nunect_units, 1);
      assert.equal(marker?.history.length, 1);
      assert.equal(marker?.history[0]?.from, 0);

      const ops = await stackConnect(stack, await stackCreds(stack, "OPS"));
      const bridge = await stackConnect(stack, await stackCreds(stack, "BRIDGE"));
      try {
        assert.deepEqual((await (await AlertStore.open(ops)).rules()).map((r) => r.id), [
          "hub-silent",
        ]);
        const hub = await (await new Kvm(ops).open("nunect_units")).get("layout0-hub");
        assert.ok(hub, "the older installation's unit is still there");
        assert.ok(hub.json<{ firstSeen: number }>().firstSeen < testStart);
        assert.equal(
          (await (await jetstreamManager(bridge)).streams.info("orders")).state.messages,
          5,
        );
      } finally {
        await ops.close();
        await bridge.close();
      }
    }
    {
      await using again = await startStack({ reuse: { dir, env } as unknown as Stack });
      assert.doesNotMatch(again.supervisor.output().stdout, /Upgrading|Data layout/);
      assert.equal((await readMarker(`${dir}/data`))?.history.length, 1);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a data directory a newer nunect wrote is refused before nats-server starts", async () => {
  const { dir, env } = await olderInstallation();
  try {
    await Deno.writeTextFile(
      `${dir}/data/${MARKER_FILE}`,
      JSON.stringify({ layout: CURRENT_LAYOUT + 1, version: "9.0.0", values: {}, history: [] }),
    );
    const stack = await startStack({ reuse: { dir, env } as unknown as Stack, wait: false });
    await stack.supervisor.child.status;
    // stop() of an exited program returns once its output is read to the end.
    const { code, stdout, stderr } = await stack.supervisor.stop();
    assert.equal(code, 2, stdout + stderr);
    assert.match(
      stderr,
      new RegExp(
        `Refusing to start: NATS_DATA_DIR=${dir}/data holds data layout ${
          CURRENT_LAYOUT + 1
        }, written by nunect 9\\.0\\.0; this is nunect ${NUNECT_VERSION}.*does not downgrade.*deno task restore`,
      ),
    );
    assert.doesNotMatch(stdout, /nats-server started/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task upgrade --check reads a data directory outside the project", async () => {
  // The installation lives in a temporary directory: NATS_DATA_DIR and .env are both outside the
  // project, which the `upgrade` permission set alone may not read.
  const { dir } = await olderInstallation();
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["task", "--quiet", "upgrade", "--check"],
      cwd: PROJECT_DIR,
      env: { NUNECT_ENV_FILE: `${dir}/.env`, DENO: Deno.execPath(), NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    const said = dec.decode(out.stdout) + dec.decode(out.stderr);
    assert.equal(out.code, 0, said);
    assert.match(said, new RegExp(`Data layout 0 -> ${CURRENT_LAYOUT}: `));
    assert.equal(await readMarker(`${dir}/data`), null, "--check changes nothing");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function step(from: number, fail = false): Migration {
  return {
    from,
    to: from + 1,
    title: `step ${from}`,
    values: { [`bucket_${from}`]: from + 1 },
    apply: () => fail ? Promise.reject(new Error("disk full")) : Promise.resolve([`did ${from}`]),
  };
}

Deno.test("the planner: fresh, current, chains in order, no path, downgrade", () => {
  const running = { layout: 3, version: "0.3.0" };
  const migrations = [step(2), step(0), step(1)];
  assert.deepEqual(planUpgrade(null, false, running, migrations, "/d"), { kind: "fresh" });
  const chain = planUpgrade(null, true, running, migrations, "/d");
  assert.equal(chain.kind, "upgrade");
  assert.deepEqual(chain.kind === "upgrade" && chain.steps.map((s) => s.from), [0, 1, 2]);
  const marker = (layout: number, version: string) => ({
    layout,
    version,
    values: {},
    history: [],
  });
  assert.deepEqual(planUpgrade(marker(3, "0.3.0"), true, running, migrations, "/d"), {
    kind: "current",
  });
  assert.match(
    (planUpgrade(marker(3, "0.3.1"), true, running, migrations, "/d") as { note: string }).note,
    /nunect 0\.3\.1 ran on this data directory before; this is 0\.3\.0, with the same data layout 3/,
  );
  assert.throws(
    () => planUpgrade(marker(1, "0.1.0"), true, running, [step(0)], "/d"),
    (e) => e instanceof MigrationError && /no migration from it/.test(e.message),
  );
  assert.throws(
    () => planUpgrade(marker(4, "0.4.0"), true, running, migrations, "/d"),
    (e) =>
      e instanceof DowngradeError &&
      /holds data layout 4, written by nunect 0\.4\.0/.test(e.message),
  );
});

Deno.test("the runner writes the marker after every step; a failed step leaves the last layout", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "nunect-upgrade-runner-" });
  try {
    const ctx = { dataDir } as MigrationContext;
    const running = { layout: 3, version: "0.3.0" };
    const lines: string[] = [];
    const plan = planUpgrade(null, true, running, [step(0), step(1, true), step(2)], dataDir);
    await assert.rejects(
      runUpgrade(plan, null, ctx, running, {}, (l) => lines.push(l)),
      (e) =>
        e instanceof MigrationError &&
        /layout 1 -> 2 failed: disk full\. Nothing after it ran; the data directory stays at layout 1/
          .test(e.message),
    );
    const marker = await readMarker(dataDir);
    assert.equal(marker?.layout, 1);
    assert.deepEqual(marker?.values, { bucket_0: 1 });
    assert.deepEqual(marker?.history.map((h) => h.did), [["did 0"]]);
    assert.deepEqual(lines, [
      "Upgrading data layout 0 -> 1: step 0",
      "  - did 0",
      "Upgrading data layout 1 -> 2: step 1",
    ]);
    const rest = planUpgrade(marker, true, running, [step(0), step(1), step(2)], dataDir);
    const done = await runUpgrade(rest, marker, ctx, running, {}, () => {});
    assert.equal(done.layout, 3);
    assert.deepEqual(done.history.map((h) => h.from), [0, 1, 2]);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test(".env migration: new secrets get fresh values, unknown variables are named", () => {
  const example = "# a comment\nNATS_PORT=4222\nNEW_SECRET=change-me-x\nOLD_SECRET=change-me-y\n";
  const env = "NATS_PORT=4333\nOLD_SECRET=kept-value\nLEFTOVER=1\n";
  const m = migrateEnv(
    env,
    example,
    ["NATS_PORT", "NEW_SECRET", "OLD_SECRET"],
    ["NEW_SECRET", "OLD_SECRET"],
    () => "fresh-random",
    "0.1.0",
  );
  assert.deepEqual(m.added, ["NEW_SECRET"]);
  assert.deepEqual(m.unknown, ["LEFTOVER"]);
  assert.ok(m.text.startsWith(env), "nothing before is touched");
  assert.match(m.text, /# Added by nunect 0\.1\.0's upgrade.*\nNEW_SECRET=fresh-random\n$/);
  const same = migrateEnv(
    m.text,
    example,
    ["NATS_PORT", "NEW_SECRET", "OLD_SECRET", "LEFTOVER"],
    [
      "NEW_SECRET",
      "OLD_SECRET",
    ],
    () => "x",
    "0.1.0",
  );
  assert.equal(same.text, m.text, "a second run changes nothing");
});
