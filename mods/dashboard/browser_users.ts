import {
  BROWSER_UNIT_PREFIX,
  ControllerCallError,
  type ControllerClient,
} from "../controller/mod.ts";
import { InvalidRequestError, ServiceUnavailableError } from "./errors.ts";
import { sessionRef } from "./session_store.ts";

/** A browser unit's ID: `browser-` and up to 56 letters, digits, `_` or `-`. */
const BROWSER_UNIT = new RegExp(`^${BROWSER_UNIT_PREFIX}[A-Za-z0-9_-]{1,56}$`);

/** The dashboard session a browser user belongs to (what the session cookie carries). */
export interface BrowserSession {
  /** The dashboard user. */
  readonly user: string;
  /** The random session ID (secret: the CSRF token is derived from it). */
  readonly id: string;
  /** The session's end, ms since the epoch. */
  readonly exp: number;
}

/** A browser user as the dashboard hands it to its page. */
export interface BrowserCredentials {
  /** The `.creds` file: JWT and seed, for this browser unit only. */
  readonly creds: string;
  /** When the user expires, s since the epoch (the session's end). */
  readonly expiresAt: number;
}

/**
 * A session's tag in the controller's records: derived from the session's reference (the hash
 * the session store keys it by, see `sessionRef`), stable for the session, and never the ID
 * itself (which is never stored or shown). An admin who ends a session by its reference thus
 * finds its browser users too.
 *
 * @param session the session
 * @returns 32 hex digits
 */
export async function sessionTag(session: BrowserSession): Promise<string> {
  return sessionRefTag(await sessionRef(session.id));
}

async function sessionRefTag(ref: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(`nunect-browser-user\n${ref}`),
  );
  return Array.from(new Uint8Array(digest).subarray(0, 16), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/**
 * Checks a browser unit ID.
 *
 * @param unit what the page sent
 * @returns the unit ID
 * @throws {InvalidRequestError} when it is not `browser-…`
 */
export function validateBrowserUnit(unit: string): string {
  if (!BROWSER_UNIT.test(unit)) {
    throw new InvalidRequestError(
      `Invalid browser unit "${
        unit.slice(0, 80)
      }": expected ${BROWSER_UNIT_PREFIX} and up to 56 letters, digits, "_" or "-"`,
    );
  }
  return unit;
}

/**
 * The browser users of dashboard sessions: one NATS user per session and browser unit, issued by
 * the controller on first use (not one per page load), whose permissions name only that unit,
 * expiring with the session and revoked at logout. No browser shares a credential with another.
 */
export class BrowserUsers {
  readonly #controller: () => ControllerClient | undefined;
  readonly #issued = new Map<string, BrowserCredentials>();

  /**
   * Creates it.
   *
   * @param controller the controller service, or undefined while there is no SYS connection
   */
  constructor(controller: () => ControllerClient | undefined) {
    this.#controller = controller;
  }

  /**
   * The session's user for a browser unit, issued now unless it has one lasting another minute.
   *
   * @param session the logged-in session
   * @param unit the browser's unit ID (`browser-…`)
   * @returns its `.creds` and expiry
   * @throws {InvalidRequestError} for a unit ID that is not a browser's
   * @throws {ServiceUnavailableError} before the SYS connection is up or when the controller does
   *   not answer
   * @throws {ControllerCallError} when the controller refuses
   */
  async credentials(session: BrowserSession, unit: string): Promise<BrowserCredentials> {
    validateBrowserUnit(unit);
    const tag = await sessionTag(session);
    const key = `${tag}/${unit}`;
    const now = Date.now();
    const kept = this.#issued.get(key);
    if (kept !== undefined && kept.expiresAt * 1000 > now + 60_000) return kept;
    const controller = this.#controller();
    if (controller === undefined) {
      throw new ServiceUnavailableError(
        "No connection to the NATS system account yet, so no browser credentials: check that " +
          "nats-server and the controller are running",
      );
    }
    let issued: BrowserCredentials;
    try {
      const r = await controller.call("browser.issue", {
        actor: session.user,
        unitId: unit,
        session: tag,
        expiresAt: session.exp,
      }) as BrowserCredentials;
      issued = { creds: r.creds, expiresAt: r.expiresAt };
    } catch (e) {
      if (e instanceof ControllerCallError && e.status === 503) {
        throw new ServiceUnavailableError(e.message, { cause: e });
      }
      throw e;
    }
    if (this.#issued.size > 10_000) {
      for (const [k, v] of this.#issued) if (v.expiresAt * 1000 <= now) this.#issued.delete(k);
    }
    this.#issued.set(key, issued);
    return issued;
  }

  /**
   * At logout: revokes the session's browser users; their connections close within moments.
   *
   * @param session the session that ends
   */
  async revoke(session: BrowserSession): Promise<void> {
    await this.revokeRef(await sessionRef(session.id), session.user);
  }

  /**
   * When an admin ends a session (by its reference): revokes its browser users as at logout.
   *
   * @param ref the session's reference (`sessionRef`)
   * @param actor who ends it (recorded)
   */
  async revokeRef(ref: string, actor: string): Promise<void> {
    const tag = await sessionRefTag(ref);
    for (const k of this.#issued.keys()) if (k.startsWith(`${tag}/`)) this.#issued.delete(k);
    await this.#controller()?.call("browser.revoke", { actor, session: tag });
  }
}
