import assert from "node:assert/strict";
import { PermissionViolationError } from "@nats-io/nats-core";
import type { NatsConnection } from "../../mods/client/nats_types.ts";
import { PROJECT_DIR } from "./project.ts";
import { runProgram } from "./program.ts";

function within<T>(p: Promise<T>, what: string, timeoutMs = 5000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Publishes and expects the server's permission error for exactly that subject (nats.js v3
 * reports it as a status event; the connection stays open).
 *
 * @param nc the connection of the user under test
 * @param subject the subject it must not publish to
 * @param options a reply subject to send with it
 * @throws {AssertionError} when no permission error for `subject` arrives within 5 s
 */
export async function expectPublishRefused(
  nc: NatsConnection,
  subject: string,
  options: { reply?: string } = {},
): Promise<void> {
  const status = nc.status();
  const refused = (async () => {
    for await (const s of status) {
      if (
        s.type === "error" && s.error instanceof PermissionViolationError &&
        s.error.subject === subject
      ) return s.error;
    }
    throw new Error("status ended");
  })();
  nc.publish(subject, "should be refused", options.reply ? { reply: options.reply } : undefined);
  await nc.flush();
  const err = await within(refused, `a permission error for publishing to ${subject}`);
  assert.equal(err.operation, "publish");
}

/**
 * Subscribes and expects the server to refuse: the subscription closes with the error.
 *
 * @param nc the connection of the user under test
 * @param subject the subject it must not subscribe to
 * @throws {AssertionError} when the subscription stays open
 */
export async function expectSubscribeRefused(nc: NatsConnection, subject: string): Promise<void> {
  const sub = nc.subscribe(subject);
  await nc.flush();
  const closed = await within(sub.closed, `the refused subscription to ${subject} to close`);
  assert.ok(closed instanceof PermissionViolationError, `subscribing to ${subject} was allowed`);
  assert.equal(closed.operation, "subscription");
}

/**
 * Subscribes and expects the server to accept (a flush round trip later the subscription is
 * still open and no permission error came back).
 *
 * @param nc the connection of the user under test
 * @param subject the subject it may subscribe to
 */
export async function expectSubscribeAllowed(nc: NatsConnection, subject: string): Promise<void> {
  const sub = nc.subscribe(subject);
  // The server answers a refused SUB with -ERR before the PONG of the next flush.
  await nc.flush();
  await nc.flush();
  assert.equal(sub.isClosed(), false, `subscribing to ${subject} was refused`);
  sub.unsubscribe();
}

/**
 * Runs the permission probe (tests/foundation/probes/probe.ts) under a deno.json permission set:
 * it tries one action (`net host:port`, `run command…`, `env NAME`, `read path`, `write path`).
 *
 * @param permissionSet the set, e.g. `"history"`
 * @param args the action
 * @param env the probe's whole environment (what `env NAME` may find)
 * @returns the verdict: `allowed` or `refused: <Deno's message>`
 */
export async function probeAccess(
  permissionSet: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<string> {
  const r = await runProgram({
    permissionSet,
    entry: "tests/foundation/probes/probe.ts",
    args,
    env,
  });
  assert.equal(r.code, 0, `probe ${args.join(" ")} under ${permissionSet} failed:\n${r.stderr}`);
  return r.stdout.trim();
}

/**
 * Asserts that a program's permission set reaches only the NATS server at 127.0.0.1:4222 and
 * reads NATS_URL, while other ports and hosts, processes, the project's files, writing, and the
 * given secrets are refused.
 *
 * @param permissionSet the set, e.g. `"registry"`
 * @param secrets variables the set must not read (each is set in the probe's environment)
 * @param unreadable files or directories the set must not read (other programs' credentials)
 */
export async function assertNatsOnly(
  permissionSet: string,
  secrets: readonly string[],
  unreadable: readonly string[] = [],
): Promise<void> {
  const env = {
    NATS_URL: "nats://127.0.0.1:4222",
    ...Object.fromEntries(secrets.map((s) => [s, "x"])),
  };
  const probe = (...args: string[]) => probeAccess(permissionSet, args, env);
  assert.equal(await probe("net", "127.0.0.1:4222"), "allowed");
  assert.match(await probe("net", "127.0.0.1:8222"), /^refused: Requires net access/);
  assert.match(await probe("net", "192.0.2.1:443"), /^refused: Requires net access/);
  assert.match(await probe("run", "sh", "-c", "true"), /^refused: Requires run access/);
  assert.match(
    await probe("read", `${PROJECT_DIR}/.env.example`),
    /^refused: Requires read access/,
  );
  assert.match(await probe("write", `/tmp/nunect-probe-${crypto.randomUUID()}`), /^refused/);
  assert.equal(await probe("env", "NATS_URL"), "allowed");
  for (const secret of secrets) {
    assert.match(await probe("env", secret), /^refused: Requires env access/, secret);
  }
  for (const path of unreadable) {
    assert.match(await probe("read", path), /^refused: Requires read access/, path);
  }
}
