import assert from "node:assert/strict";
import { SMTPServer } from "smtp-server";
import { connect } from "@nats-io/transport-node";
import {
  type AlertEvent,
  type ChannelSettings,
  deliver,
  pagerDutyPayload,
  signWebhook,
} from "../../mods/alerts/mod.ts";
import { loadConfig } from "../../mods/config/mod.ts";
import { freePorts, startNats } from "../_kit/mod.ts";

const FAST = { attempts: 4, backoff: { initialMs: 20, factor: 2, maxMs: 100, resetAfterMs: 0 } };
const SECRET = "a-webhook-secret-of-some-length";

const event: AlertEvent = {
  v: 1,
  id: "lag.T1BTL28.1.firing",
  kind: "firing",
  ruleId: "lag",
  ruleName: "Consumer lag",
  type: "consumer_lag",
  severity: "critical",
  target: "OPS/orders/worker",
  value: 1500,
  threshold: 1000,
  at: "2025-01-01T00:00:00.000Z",
  episode: 1,
  summary: "Consumer lag: OPS/orders/worker at 1500 (above 1000, messages)",
  channels: ["webhook"],
};

interface Received {
  path: string;
  headers: Headers;
  body: string;
}

/** A real HTTP receiver on a free port that answers with the given statuses in turn. */
function receiver(statuses: number[] = [200]) {
  const got: Received[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    got.push({ path: new URL(req.url).pathname, headers: req.headers, body: await req.text() });
    return new Response("ok", { status: statuses[Math.min(got.length, statuses.length) - 1] });
  });
  return {
    got,
    url: `http://127.0.0.1:${server.addr.port}`,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

function settings(env: Record<string, string>): ChannelSettings {
  return loadConfig(["alerts"], (n) => env[n]).alerts;
}

Deno.test("webhook: JSON body signed with HMAC-SHA256 over timestamp and body; a receiver verifies it", async () => {
  await using r = receiver();
  const s = settings({ ALERT_WEBHOOK_URL: `${r.url}/hook`, ALERT_WEBHOOK_SECRET: SECRET });
  const outcome = await deliver(s, null as never, "webhook", event, FAST);
  assert.equal(outcome.ok, true, outcome.error);
  assert.equal(outcome.attempts, 1);
  const [req] = r.got;
  assert.deepEqual(JSON.parse(req!.body), event);
  assert.equal(req!.headers.get("x-nunect-event-id"), event.id);
  const ts = req!.headers.get("x-nunect-timestamp")!;
  assert.ok(Math.abs(Number(ts) - Date.now() / 1000) < 60);
  assert.equal(
    req!.headers.get("x-nunect-signature"),
    `sha256=${await signWebhook(SECRET, ts, req!.body)}`,
  );
  // A tampered body does not verify.
  assert.notEqual(
    req!.headers.get("x-nunect-signature"),
    `sha256=${await signWebhook(SECRET, ts, req!.body.replace("1500", "1"))}`,
  );
});

Deno.test("webhook: 503 and 429 are retried with backoff, 400 is final, and the outcome says so", async () => {
  await using flaky = receiver([503, 429, 200]);
  const ok = await deliver(
    settings({ ALERT_WEBHOOK_URL: flaky.url }),
    null as never,
    "webhook",
    event,
    FAST,
  );
  assert.deepEqual([ok.ok, ok.attempts, ok.status], [true, 3, 200]);
  assert.equal(flaky.got.length, 3);
  assert.equal(flaky.got[0]!.headers.get("x-nunect-signature"), null, "no secret: unsigned");

  await using bad = receiver([400]);
  const no = await deliver(
    settings({ ALERT_WEBHOOK_URL: bad.url }),
    null as never,
    "webhook",
    event,
    FAST,
  );
  assert.deepEqual([no.ok, no.attempts, no.status, no.error], [false, 1, 400, "HTTP 400"]);

  const [closed] = freePorts(1);
  const down = await deliver(
    settings({ ALERT_WEBHOOK_URL: `http://127.0.0.1:${closed}` }),
    null as never,
    "webhook",
    event,
    FAST,
  );
  assert.deepEqual([down.ok, down.attempts], [false, 4]);
  assert.match(down.error!, /onnect|refused/);
});

Deno.test("Slack-compatible and PagerDuty Events v2 payloads reach their receivers", async () => {
  await using r = receiver();
  const s = settings({
    ALERT_SLACK_URL: `${r.url}/slack`,
    ALERT_PAGERDUTY_URL: `${r.url}/v2/enqueue`,
    ALERT_PAGERDUTY_ROUTING_KEY: "R0UT1NGKEY",
  });
  assert.equal((await deliver(s, null as never, "slack", event, FAST)).ok, true);
  assert.equal((await deliver(s, null as never, "pagerduty", event, FAST)).ok, true);
  const resolved = { ...event, kind: "resolved" as const, id: "lag.T1BTL28.1.resolved" };
  assert.equal((await deliver(s, null as never, "pagerduty", resolved, FAST)).ok, true);
  const slack = JSON.parse(r.got[0]!.body);
  assert.equal(r.got[0]!.path, "/slack");
  assert.match(slack.text, /^:rotating_light: \[FIRING\] Consumer lag: OPS\/orders\/worker/);
  assert.equal(slack.attachments[0].color, "#d62728");
  const trigger = JSON.parse(r.got[1]!.body);
  assert.equal(trigger.event_action, "trigger");
  assert.equal(trigger.dedup_key, "nunect/lag/OPS/orders/worker");
  assert.equal(trigger.payload.severity, "critical");
  assert.equal(trigger.payload.source, "OPS/orders/worker");
  assert.deepEqual(trigger, pagerDutyPayload("R0UT1NGKEY", event));
  const resolve = JSON.parse(r.got[2]!.body);
  assert.deepEqual(Object.keys(resolve).sort(), [
    "client",
    "dedup_key",
    "event_action",
    "routing_key",
  ]);
  assert.equal(resolve.event_action, "resolve");
  assert.equal(resolve.dedup_key, trigger.dedup_key);
});

Deno.test("email goes through a real SMTP server (smtp-server) with login, via nodemailer", async () => {
  const mails: { from: string; to: string[]; data: string; user?: string }[] = [];
  const smtp = new SMTPServer({
    secure: false,
    disabledCommands: ["STARTTLS"],
    authOptional: false,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === "alerts" && auth.password === "smtp-secret-1") {
        cb(null, { user: auth.username });
      } else cb(new Error("Invalid username or password"));
    },
    onData(stream, session, cb) {
      let data = "";
      stream.on("data", (c: Uint8Array) => data += new TextDecoder().decode(c));
      stream.on("end", () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          data,
          user: session.user as string | undefined,
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", () => resolve()));
  const port = (smtp.server.address() as { port: number }).port;
  try {
    const env = {
      ALERT_SMTP_URL: `smtp://127.0.0.1:${port}`,
      ALERT_SMTP_USER: "alerts",
      ALERT_SMTP_PASSWORD: "smtp-secret-1",
      ALERT_EMAIL_FROM: "nunect@example.test",
      ALERT_EMAIL_TO: "ops@example.test, oncall@example.test",
    };
    const ok = await deliver(settings(env), null as never, "email", event);
    assert.equal(ok.ok, true, ok.error);
    assert.equal(mails.length, 1);
    assert.equal(mails[0]!.user, "alerts");
    assert.equal(mails[0]!.from, "nunect@example.test");
    assert.deepEqual(mails[0]!.to, ["ops@example.test", "oncall@example.test"]);
    assert.match(mails[0]!.data, /Subject: \[nunect FIRING\] Consumer lag/);
    assert.match(mails[0]!.data, /X-Nunect-Event-ID: lag\.T1BTL28\.1\.firing/);
    const refused = await deliver(
      settings({ ...env, ALERT_SMTP_PASSWORD: "wrong" }),
      null as never,
      "email",
      event,
    );
    assert.equal(refused.ok, false);
    assert.match(refused.error!, /Invalid login|Invalid username/);
  } finally {
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  }
});

Deno.test("NATS subject channel publishes the event; an unconfigured channel fails with what to set", async () => {
  await using ns = await startNats();
  const nc = await connect({ servers: ns.url, ...ns.users.ops.nats });
  try {
    const sub = nc.subscribe("ops.alerts", { max: 1 });
    const got = (async () => {
      for await (const m of sub) return m.json();
    })();
    const ok = await deliver(settings({ ALERT_NATS_SUBJECT: "ops.alerts" }), nc, "nats", event);
    assert.equal(ok.ok, true);
    assert.deepEqual(await got, event);
    const no = await deliver(settings({}), nc, "email", event);
    assert.deepEqual([no.ok, no.error], [false, 'Channel "email" is not configured in .env']);
  } finally {
    await nc.close();
  }
});
