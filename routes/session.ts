import { timingSafeEqual } from "node:crypto";

/**
 * A logged-in browser session, as carried in the signed cookie. The signature only proves the
 * cookie was made here; whether the session still lives is the session store's to say
 * (mods/dashboard SessionStore): logout, idle time or an admin end it at once.
 */
export interface Session {
  /** The user name. */
  readonly user: string;
  /** Random session ID (secret: the store keeps only its hash); the CSRF token derives from it. */
  readonly id: string;
  /** Expiry, milliseconds since the Unix epoch. */
  readonly exp: number;
}

const encoder = new TextEncoder();

function b64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromB64url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    const s = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(s, (ch) => ch.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/**
 * Signs and verifies session cookies and derives CSRF tokens, all with HMAC-SHA256 under
 * DASHBOARD_SECRET: a forged or altered cookie is refused before the session store is asked. A
 * new secret ends every session.
 */
export class SessionSigner {
  readonly #key: Promise<CryptoKey>;
  /** Session lifetime in milliseconds. */
  readonly ttlMs: number;

  /**
   * @param secret DASHBOARD_SECRET (32+ characters)
   * @param ttlMs how long a login lasts (default 12 hours)
   */
  constructor(secret: string, ttlMs = 12 * 3600_000) {
    this.ttlMs = ttlMs;
    this.#key = crypto.subtle.importKey(
      "raw",
      encoder.encode(secret),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
  }

  async #mac(purpose: string, text: string): Promise<Uint8Array> {
    const sig = await crypto.subtle.sign(
      "HMAC",
      await this.#key,
      encoder.encode(`${purpose}\n${text}`),
    );
    return new Uint8Array(sig);
  }

  /**
   * The cookie value of a session.
   *
   * @param session the session (its ID from the session store)
   * @returns the signed cookie value
   */
  async sign(session: Session): Promise<string> {
    const body = b64url(encoder.encode(JSON.stringify(session)));
    return `${body}.${b64url(await this.#mac("session", body))}`;
  }

  /**
   * A signed cookie for a new random session ID (one no store knows: for tests).
   *
   * @param user the user name
   * @param now the current time in ms
   * @returns the session and its cookie value
   */
  async create(user: string, now = Date.now()): Promise<{ session: Session; cookie: string }> {
    const session: Session = {
      user,
      id: b64url(crypto.getRandomValues(new Uint8Array(18))),
      exp: now + this.ttlMs,
    };
    return { session, cookie: await this.sign(session) };
  }

  /**
   * Verifies a cookie value.
   *
   * @param cookie the cookie value
   * @param now the current time in ms
   * @returns the session, or undefined when the cookie is missing, forged, malformed or expired
   */
  async verify(cookie: string | undefined, now = Date.now()): Promise<Session | undefined> {
    if (!cookie || cookie.length > 1024) return undefined;
    const [body, sig, ...rest] = cookie.split(".");
    if (body === undefined || sig === undefined || rest.length > 0) return undefined;
    const given = fromB64url(sig);
    if (!given || !bytesEqual(given, await this.#mac("session", body))) return undefined;
    const raw = fromB64url(body);
    if (!raw) return undefined;
    try {
      const s = JSON.parse(new TextDecoder().decode(raw)) as Partial<Session>;
      if (typeof s.user !== "string" || typeof s.id !== "string" || typeof s.exp !== "number") {
        return undefined;
      }
      if (s.exp <= now) return undefined;
      return { user: s.user, id: s.id, exp: s.exp };
    } catch {
      return undefined;
    }
  }

  /**
   * Signs a short text for a purpose (e.g. the half-done login waiting for its second factor).
   *
   * @param purpose what it is for; a value signed for one purpose does not verify for another
   * @param text the text (base64url-safe characters, dots and colons)
   * @returns `<text>.<signature>`
   */
  async signValue(purpose: string, text: string): Promise<string> {
    return `${text}.${b64url(await this.#mac(purpose, text))}`;
  }

  /**
   * Verifies what {@linkcode SessionSigner.signValue} made.
   *
   * @param purpose the same purpose
   * @param signed the signed value
   * @returns the text, or undefined when it was altered or signed for something else
   */
  async verifyValue(purpose: string, signed: string | undefined): Promise<string | undefined> {
    if (signed === undefined || signed.length > 1024) return undefined;
    const at = signed.lastIndexOf(".");
    if (at < 0) return undefined;
    const text = signed.slice(0, at);
    const given = fromB64url(signed.slice(at + 1));
    if (!given || !bytesEqual(given, await this.#mac(purpose, text))) return undefined;
    return text;
  }

  /**
   * The CSRF token of a session (or of a pre-login nonce): forms send it as `_csrf`, scripts as
   * the `X-CSRF-Token` header.
   *
   * @param id the session ID or login nonce
   * @returns the token
   */
  async csrfToken(id: string): Promise<string> {
    return b64url(await this.#mac("csrf", id));
  }

  /**
   * Checks a CSRF token in constant time.
   *
   * @param id the session ID or login nonce
   * @param token the token the request carried
   * @returns whether it matches
   */
  async checkCsrf(id: string, token: string | undefined): Promise<boolean> {
    if (!token) return false;
    return safeEqual(token, await this.csrfToken(id));
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Compares two strings in time independent of where they differ: both are hashed first, so
 * neither the content nor the length of the expected value leaks.
 *
 * @param given the value the user sent
 * @param expected the value it must equal
 * @returns whether they are equal
 */
export async function safeEqual(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(given)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  return timingSafeEqual(new Uint8Array(a), new Uint8Array(b)) && given.length === expected.length;
}
