import type { MiddlewareHandler } from "hono";
import { HttpError } from "./errors.ts";

/**
 * The most a request body may hold, in bytes: the login form a few KB; API writes 2 MiB (a NATS
 * message of the default 1 MiB `max_payload`, base64 in JSON, fits); an object upload, streamed
 * into the object store, 1 GiB.
 */
export interface BodyLimits {
  /** POST /login. */
  readonly login: number;
  /**
   * Object uploads (`POST /api/objects/:account/:bucket/upload`) and stream restores
   * (`POST /api/streams/:account/restore`), streamed, never buffered.
   */
  readonly upload: number;
  /** Every other request. */
  readonly other: number;
}

/** The defaults: 4 KiB for the login form, 1 GiB for uploads, 2 MiB for everything else. */
export const BODY_LIMITS: BodyLimits = Object.freeze({
  login: 4096,
  upload: 1024 * 1024 * 1024,
  other: 2 * 1024 * 1024,
});

const UPLOAD = /^\/api\/(objects\/[^/]+\/[^/]+\/upload|streams\/[^/]+\/restore)$/;

function limitFor(path: string, limits: BodyLimits): number {
  return path === "/login" ? limits.login : UPLOAD.test(path) ? limits.upload : limits.other;
}

/**
 * Enforces {@linkcode BodyLimits} on every request while the body is read, never by reading it
 * ahead: a declared length over the limit is refused from the header, and a body without one is
 * counted as it streams and cut at the limit. Nothing is buffered here, and a request refused
 * before its body is wanted (no session, say) never has it read at all. The answer is 413 with
 * `Connection: close`: the rest of the body is not waited for.
 *
 * @param limits the limits (default {@linkcode BODY_LIMITS})
 * @returns the middleware
 */
export function bodyLimits(limits: BodyLimits = BODY_LIMITS): MiddlewareHandler {
  return async (c, next) => {
    const raw = c.req.raw;
    if (raw.body === null) return next();
    const max = limitFor(c.req.path, limits);
    const tooLarge = () => {
      c.header("Connection", "close");
      return new HttpError(
        413,
        `Request body over ${max} bytes refused: this dashboard takes at most ${max} bytes here`,
      );
    };
    const declared = raw.headers.get("content-length");
    if (declared !== null && !raw.headers.has("transfer-encoding") && Number(declared) > max) {
      throw tooLarge();
    }
    let seen = 0;
    let exceeded = false;
    const counted = raw.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen > max) {
            exceeded = true;
            controller.error(tooLarge());
          } else controller.enqueue(chunk);
        },
      }),
    );
    c.req.raw = new Request(raw, { body: counted, duplex: "half" } as RequestInit);
    try {
      await next();
    } catch (e) {
      // Whatever a reader made of the cut stream, the answer is the 413.
      throw exceeded ? tooLarge() : e;
    }
    if (exceeded && c.res.status !== 413) throw tooLarge();
  };
}
