// The service files: both name every guardian variable, and the OpenWRT init script (run here
// with stand-ins for OpenWRT's rc.common/procd/UCI shell functions) passes UCI values over the
// env file's and asks procd to respawn.
import assert from "node:assert/strict";
import { variableNames } from "../../mods/config/mod.ts";
import { GUARDIAN_SECTIONS } from "../../mods/guardian/mod.ts";
import { PROJECT_DIR } from "../_kit/mod.ts";

const names = variableNames(GUARDIAN_SECTIONS);
const initScript = `${PROJECT_DIR}/config/openwrt/nunect-guardian`;

Deno.test("the init script's and the env file's variables are the guardian's", async () => {
  const script = await Deno.readTextFile(initScript);
  const list = /VARIABLES="([^"]*)"/.exec(script)?.[1]?.replace(/\\\n/g, " ").split(/\s+/)
    .filter(Boolean);
  assert.deepEqual(list, names);
  const env = await Deno.readTextFile(`${PROJECT_DIR}/config/openwrt/guardian.env`);
  const keys = env.split("\n").filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split("=")[0]);
  assert.deepEqual(keys, names);
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
      'NATS_URL=nats://10.0.0.1:4222\nUNIT_ID=from-file\nNATS_GUARDIAN_PASSWORD="file-secret-123"\n',
    );
    // stand-ins for rc.common, UCI (config_*) and procd (procd_*), recording the calls
    const harness = `
      config_load() { :; }
      config_get() { eval "$1=\\"\\$UCI_$2_$3\\""; }
      config_get_bool() { eval "$1=\\"\\\${UCI_$2_$3:-$4}\\""; }
      procd_open_instance() { echo "open $1"; }
      procd_set_param() { echo "set $*"; }
      procd_append_param() { echo "append $*"; }
      procd_close_instance() { echo "close"; }
      procd_add_reload_trigger() { echo "trigger $*"; }
      . "${initScript}"
      ENV_FILE="${dir}/guardian.env"
      UCI_guardian_unit_id=router-07
      UCI_guardian_heartbeat_interval_ms=2000
      start_service
      service_triggers
      UCI_guardian_enabled=0
      echo "--- disabled"
      start_service`;
    const out = await new Deno.Command("sh", { args: ["-c", harness], stdout: "piped" })
      .output();
    const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
    assert.equal(out.code, 0);
    assert.deepEqual(lines, [
      "open guardian",
      "set command /usr/bin/nunect-guardian",
      "append env NATS_URL=nats://10.0.0.1:4222",
      "append env UNIT_ID=router-07",
      "append env NATS_GUARDIAN_PASSWORD=file-secret-123",
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
