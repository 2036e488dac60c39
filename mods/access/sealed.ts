const encoder = new TextEncoder();

function b64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromB64url(text: string): Uint8Array {
  const s = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(s, (ch) => ch.charCodeAt(0));
}

/**
 * Seals small secrets (TOTP secrets) with AES-256-GCM under a key derived from DASHBOARD_SECRET
 * (HKDF-SHA256), so that whoever reads the users' KV bucket still cannot compute anyone's codes.
 * A new DASHBOARD_SECRET makes the sealed values unreadable: users then log in with a recovery
 * code or an admin resets their second factor.
 */
export class SecretBox {
  readonly #key: Promise<CryptoKey>;

  /**
   * Derives the box's key from the secret.
   *
   * @param secret DASHBOARD_SECRET
   * @param purpose what the key is for (separate keys for separate uses)
   */
  constructor(secret: string, purpose = "nunect totp v1") {
    this.#key = crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, [
      "deriveKey",
    ]).then((base) =>
      crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(32), info: encoder.encode(purpose) },
        base,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt", "decrypt"],
      )
    );
  }

  /**
   * Seals a text.
   *
   * @param plain the text
   * @param context bound to the value (e.g. the user's name): a sealed value moved to another
   *   user does not open
   * @returns `v1.<iv>.<ciphertext>` (base64url)
   */
  async seal(plain: string, context: string): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const out = await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, additionalData: encoder.encode(context) },
      await this.#key,
      encoder.encode(plain),
    );
    return `v1.${b64url(iv)}.${b64url(new Uint8Array(out))}`;
  }

  /**
   * Opens a sealed text.
   *
   * @param sealed what {@linkcode SecretBox.seal} made
   * @param context the same context
   * @returns the text, or undefined when it was sealed under another secret or context
   */
  async open(sealed: string, context: string): Promise<string | undefined> {
    const [v, iv, data] = sealed.split(".");
    if (v !== "v1" || iv === undefined || data === undefined) return undefined;
    try {
      const out = await crypto.subtle.decrypt(
        {
          name: "AES-GCM",
          iv: fromB64url(iv) as Uint8Array<ArrayBuffer>,
          additionalData: encoder.encode(context),
        },
        await this.#key,
        fromB64url(data) as Uint8Array<ArrayBuffer>,
      );
      return new TextDecoder().decode(out);
    } catch {
      return undefined;
    }
  }
}

/**
 * SHA-256 of a text, hex: how high-entropy secrets (API token secrets, recovery codes) are
 * stored. A KDF is for what people choose; these are random and long, so a fast hash is enough
 * and keeps every token request cheap.
 *
 * @param text the secret
 * @returns 64 hex digits
 */
export async function sha256Hex(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Random text from an alphabet without look-alikes (for recovery codes people type).
 *
 * @param length characters
 * @returns the text
 */
export function randomCode(length: number): string {
  const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"; // 31 characters: ~4.95 bits each
  const out: string[] = [];
  while (out.length < length) {
    for (const b of crypto.getRandomValues(new Uint8Array(length))) {
      // Rejection sampling: no bias towards the first characters.
      if (b < 248 && out.length < length) out.push(alphabet[b % 31]!);
    }
  }
  return out.join("");
}

/**
 * base64url of random bytes.
 *
 * @param bytes how many
 * @returns the text
 */
export function randomToken(bytes: number): string {
  return b64url(crypto.getRandomValues(new Uint8Array(bytes)));
}
