/**
 * The browser as a unit: a stable unit ID from a fingerprint of the browser, its device type and
 * its OS; `?client=name` overrides it. Pure functions of their inputs, so they are testable in
 * Deno and run unchanged in the browser.
 *
 * @module
 */
import { isUnitId } from "../mods/protocol/mod.ts";

/** What the ID is derived from (all of it available to a page script). */
export interface BrowserTraits {
  readonly userAgent: string;
  readonly language: string;
  readonly platform: string;
  readonly timezone: string;
  readonly screen: string;
  readonly cores: number;
}

/** A browser's identity. */
export interface BrowserIdentity {
  /** The unit ID, e.g. `browser-linux-desktop-3fa9c2d1`. */
  readonly unitId: string;
  /** `desktop`, `mobile` or `tablet`. */
  readonly device: "desktop" | "mobile" | "tablet";
  /** `linux`, `windows`, `macos`, `android`, `ios`, `chromeos` or `other`. */
  readonly os: string;
  /** Whether `?client=` chose the ID. */
  readonly overridden: boolean;
}

/**
 * Detects the OS from a user agent string.
 *
 * @param ua the user agent
 * @returns a short lower-case OS name
 */
export function detectOs(ua: string): string {
  if (/android/i.test(ua)) return "android";
  if (/iphone|ipad|ipod/i.test(ua)) return "ios";
  if (/cros/i.test(ua)) return "chromeos";
  if (/windows/i.test(ua)) return "windows";
  if (/mac os x|macintosh/i.test(ua)) return "macos";
  if (/linux|x11/i.test(ua)) return "linux";
  return "other";
}

/**
 * Detects the device type from a user agent string.
 *
 * @param ua the user agent
 * @returns `mobile`, `tablet` or `desktop`
 */
export function detectDevice(ua: string): "desktop" | "mobile" | "tablet" {
  if (/ipad|tablet|playbook|silk/i.test(ua) || (/android/i.test(ua) && !/mobile/i.test(ua))) {
    return "tablet";
  }
  if (/mobi|iphone|ipod|phone/i.test(ua)) return "mobile";
  return "desktop";
}

/**
 * FNV-1a (32 bit), twice with different seeds: a short, stable, non-cryptographic fingerprint.
 *
 * @param text the input
 * @returns 8 hex digits
 */
export function fingerprint(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x01000193 + 2) >>> 0;
  }
  return ((a ^ (b >>> 7)) >>> 0).toString(16).padStart(8, "0");
}

/**
 * Derives the browser's unit ID.
 *
 * @param traits the browser's traits
 * @param override the `?client=` value, if any; ignored unless it is a valid unit ID. Browser
 *   units' IDs always start with `browser-` (the only IDs a browser session may get credentials
 *   for), so `?client=kiosk-3` names the unit `browser-kiosk-3`.
 * @returns the identity
 */
export function browserIdentity(traits: BrowserTraits, override?: string | null): BrowserIdentity {
  const os = detectOs(traits.userAgent);
  const device = detectDevice(traits.userAgent);
  if (override && isUnitId(override)) {
    const unitId = (override.startsWith("browser-") ? override : `browser-${override}`).slice(
      0,
      64,
    );
    return { unitId, device, os, overridden: true };
  }
  const fp = fingerprint(
    [
      traits.userAgent,
      traits.language,
      traits.platform,
      traits.timezone,
      traits.screen,
      traits.cores,
    ]
      .join("|"),
  );
  return { unitId: `browser-${os}-${device}-${fp}`, device, os, overridden: false };
}
