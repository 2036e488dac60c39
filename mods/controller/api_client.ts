import type { NatsConnection } from "@nats-io/nats-core";
import { NunectError } from "../protocol/mod.ts";
import {
  type ControllerOperation,
  type ControllerReply,
  type ControllerRequest,
  controllerSubject,
} from "./api.ts";

/** The controller refused a request or could not be reached; `status` as HTTP would say it. */
export class ControllerCallError extends NunectError {
  /**
   * 400 bad request, 404 unknown, 502 nats-server refused, 503 controller unreachable (or the
   * change made but its record stored nowhere), 500.
   */
  readonly status: number;
  /**
   * Whether the audit trail holds the controller's record of this failure, with the request's
   * `audit` fields (a change it tried for a dashboard request): then the caller stores none.
   */
  readonly recorded: boolean;

  /**
   * Creates it.
   *
   * @param status the status
   * @param message what went wrong
   * @param options the cause, and whether the failure is in the audit trail
   */
  constructor(
    status: number,
    message: string,
    options?: ErrorOptions & { readonly recorded?: boolean },
  ) {
    super(message, options);
    this.status = status;
    this.recorded = options?.recorded ?? false;
  }
}

/**
 * The dashboard's side of the controller service: requests over its SYS connection to
 * `nunect.controller.<operation>`. The dashboard holds no signing key; every change it asks for is
 * made, and recorded with the actor it names, by the controller.
 */
export class ControllerClient {
  readonly #nc: NatsConnection;
  readonly #timeoutMs: number;

  /**
   * Creates it.
   *
   * @param nc a system-account connection allowed to publish `nunect.controller.>`
   * @param timeoutMs how long to wait for the controller (default 10000)
   */
  constructor(nc: NatsConnection, timeoutMs = 10_000) {
    this.#nc = nc;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Runs an operation.
   *
   * @param op the operation
   * @param request its request (with the actor)
   * @returns its result
   * @throws {ControllerCallError} when the controller refuses or does not answer
   */
  async call<O extends ControllerOperation>(
    op: O,
    request: ControllerRequest<O>,
  ): Promise<unknown> {
    return (await this.change(op, request)).result;
  }

  /**
   * Runs an operation, and says whether the audit trail holds the controller's record of it
   * (a change made for a dashboard request, with its `audit` fields).
   *
   * @param op the operation
   * @param request its request (with the actor, and the dashboard request's `audit` fields)
   * @returns its result, and whether its record is in the trail (acknowledged before the reply)
   * @throws {ControllerCallError} when the controller refuses or does not answer (its
   *   `recorded` says whether the failure is in the trail)
   */
  async change<O extends ControllerOperation>(
    op: O,
    request: ControllerRequest<O>,
  ): Promise<{ result: unknown; recorded: boolean }> {
    let reply: ControllerReply;
    try {
      const msg = await this.#nc.request(controllerSubject(op), JSON.stringify(request), {
        timeout: this.#timeoutMs,
      });
      reply = msg.json<ControllerReply>();
    } catch (e) {
      throw new ControllerCallError(
        503,
        `The controller did not answer "${op}": is the controller module running? (${
          (e as Error).message
        })`,
        { cause: e },
      );
    }
    if (!reply.ok) {
      throw new ControllerCallError(reply.status, reply.error, {
        recorded: reply.recorded === true,
      });
    }
    return { result: reply.result, recorded: reply.recorded === true };
  }
}
