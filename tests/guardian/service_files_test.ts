// The service files: both name every guardian variable, and the OpenWRT init scripts of the
// guardian and the leaf node (run here with stand-ins for OpenWRT's rc.common/procd/UCI shell
// functions) pass UCI values over the env file's and ask procd to respawn.
import assert from "node:assert/strict";
import { variableNames } from "../../mods/config/mod.ts";
import { GUARDIAN_SECTIONS } from "../../mods/guardian/mod.ts";
import { PROJECT_DIR } from "../_kit/mod.ts";

const names = variableNames(GUARDIAN_SECTIONS);
const openwrt = `${PROJECT_DIR}/config/openwrt`;
const initScript = `${openwrt}/nunect-guardian`;

/** Stand-ins for rc.common, UCI (config_*) and procd (procd_*), recording the calls. */
const PROCD_STAND_INS = `
  config_load() { :; }
  config_get() { eval "$1=\\"\\$UCI_$2_$3\\""; }
  config_get_bool() { eval "$1=\\"\\\${UCI_$2_$3:-$4}\\""; }
  procd_open_instance() { echo "open $1"; }
  procd_set_param() { echo "set $*"; }
  procd_append_param() { echo "append $*"; }
  procd_close_instance() { echo "close"; }
  procd_add_reload_trigger() { echo "trigger $*"; }`;

/** Runs `script` (an init script's functions) after the stand-ins, its helper from config/openwrt. */
async function withStandIns(initFile: string, script: string) {
  const out = await new Deno.Command("sh", {
    args: ["-c", `${PROCD_STAND_INS}\n. "${initFile}"\nLIB="${openwrt}"\n${script}`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    lines: dec.decode(out.stdout).trim().split("\n"),
    stderr: dec.decode(out.stderr),
  };
}

/** The variable names assigned in an env file, in order. */
async function envFileKeys(path: string): Promise<string[]> {
  const env = await Deno.readTextFile(path);
  return env.split("\n").filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split("=")[0]!);
}

/** The VARIABLES list of an init script. */
async function initVariables(path: string): Promise<string[]> {
  const script = await Deno.readTextFile(path);
  return /VARIABLES="([^"]*)"/.exec(script)?.[1]?.replace(/\\\n/g, " ").split(/\s+/)
    .filter(Boolean) ?? [];
}

Deno.test("the init script's and the env file's variables are the guardian's", async () => {
  assert.deepEqual(await initVariables(initScript), names);
  assert.deepEqual(await envFileKeys(`${openwrt}/guardian.env`), names);
});

Deno.test("the leaf node's init script and env file name the bundle's leaf.conf, nothing else", async () => {
  assert.deepEqual(await envFileKeys(`${openwrt}/leaf.env`), ["NUNECT_LEAF_CONF"]);
  const init = await Deno.readTextFile(`${openwrt}/nunect-leaf`);
  assert.doesNotMatch(init, /PASSWORD|NATS_LEAF_REMOTE_URL/);
});

Deno.test("the systemd unit runs the binary with the env file and restarts it", async () => {
  const unit = await Deno.readTextFile(`${PROJECT_DIR}/config/systemd/nunect-guardian.service`);
  for (
    const line of [
      "EnvironmentFile=/etc/nunect/guardian.env",
      "ExecStart=/usr/local/bin/nunect-guardian",
      "Restart=always",
      "NoNewPrivileges=yes",
      "WantedBy=multi-user.target",
    ]
  ) assert.ok(unit.split("\n").includes(line), line);
  // systemd's own check, with the binary and env file of an installed host stood in for
  const dir = await Deno.makeTempDir({ prefix: "nunect-systemd-" });
  try {
    await Deno.writeTextFile(
      `${dir}/nunect-guardian.service`,
      unit.replace("ExecStart=/usr/local/bin/nunect-guardian", "ExecStart=/bin/true")
        .replace("EnvironmentFile=/etc/nunect/", "EnvironmentFile=-/etc/nunect/"),
    );
    const out = await new Deno.Command("systemd-analyze", {
      args: ["verify", `${dir}/nunect-guardian.service`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, text);
    assert.equal(text.trim(), "", text);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the OpenWRT init script: UCI wins over the env file, respawn, procd instance", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nunect-openwrt-" });
  try {
    await Deno.writeTextFile(
      `${dir}/guardian.env`,
      'NATS_URL=nats://10.0.0.1:4222\nUNIT_ID=from-file\nNATS_CREDS="/etc/nunect/from-file.creds"\n',
    );
    const { code, lines } = await withStandIns(
      initScript,
      `ENV_FILE="${dir}/guardian.env"
      UCI_guardian_unit_id=router-07
      UCI_guardian_heartbeat_interval_ms=2000
      start_service
      service_triggers
      UCI_guardian_enabled=0
      echo "--- disabled"
      start_service`,
    );
    assert.equal(code, 0);
    assert.deepEqual(lines, [
      "open guardian",
      "set command /usr/bin/nunect-guardian",
      "append env NATS_URL=nats://10.0.0.1:4222",
      "append env UNIT_ID=router-07",
      "append env NATS_CREDS=/etc/nunect/from-file.creds",
      "append env HEARTBEAT_INTERVAL_MS=2000",
      "set respawn 3600 5 0",
      "set stdout 1",
      "set stderr 1",
      `set file ${dir}/guardian.env`,
      "close",
      "trigger nunect",
      "--- disabled",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the leaf node's OpenWRT init script: UCI over the env file, refusal without the bundle", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nunect-openwrt-" });
  const leafInit = `${openwrt}/nunect-leaf`;
  try {
    await Deno.writeTextFile(`${dir}/leaf.env`, `NUNECT_LEAF_CONF=${dir}/missing.conf\n`);
    await Deno.writeTextFile(`${dir}/leaf.conf`, "server_name: router-07\n");
    const started = await withStandIns(
      leafInit,
      `ENV_FILE="${dir}/leaf.env"
      UCI_leaf_nunect_leaf_conf="${dir}/leaf.conf"
      start_service
      service_triggers`,
    );
    assert.equal(started.code, 0, started.stderr);
    assert.deepEqual(started.lines, [
      "open leaf",
      "set command /usr/lib/nunect-guardian/nunect-leaf",
      `append env NUNECT_LEAF_CONF=${dir}/leaf.conf`,
      "set respawn 3600 5 0",
      "set stdout 1",
      "set stderr 1",
      `set file ${dir}/leaf.conf`,
      "close",
      "trigger nunect",
    ]);
    // no bundle where the env file says: no instance, and a line saying what to install
    const refused = await withStandIns(leafInit, `ENV_FILE="${dir}/leaf.env"\nstart_service`);
    assert.equal(refused.code, 1);
    assert.deepEqual(refused.lines, [""]);
    assert.match(
      refused.stderr,
      /cannot read .*missing\.conf: install the router's bundle there \(deno task identity provision <router>/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
