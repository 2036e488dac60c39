import assert from "node:assert/strict";
import { type NatsConnection, PermissionViolationError } from "@nats-io/nats-core";

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
