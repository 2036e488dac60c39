import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HttpError } from "./errors.ts";

/**
 * The most a request body may hold, in bytes: the login form a few KB, every other request
 * (API writes: small JSON or forms) 64 KiB. Larger bodies are answered 413 without being read:
 * a declared length is refused from the header, a chunked body as soon as it passes the limit.
 */
export const BODY_LIMITS = Object.freeze({ login: 4096, other: 65_536 });

/**
 * Enforces {@linkcode BODY_LIMITS} on every request, before anything reads a body.
 *
 * @returns the middleware
 */
export function bodyLimits(): MiddlewareHandler {
  const limit = (maxSize: number) =>
    bodyLimit({
      maxSize,
      onError: () => {
        throw new HttpError(
          413,
          `Request body over ${maxSize} bytes refused: this dashboard takes at most ${maxSize} bytes here`,
        );
      },
    });
  const login = limit(BODY_LIMITS.login);
  const other = limit(BODY_LIMITS.other);
  return async (c, next) => {
    try {
      await (c.req.path === "/login" ? login : other)(c, next);
    } catch (e) {
      // The rest of the body is never read: close the connection instead of leaving the client
      // sending into a socket nobody reads.
      if (e instanceof HttpError && e.status === 413) c.header("Connection", "close");
      throw e;
    }
  };
}
