import { FeatureUnavailableError } from "./errors.ts";
import { featureInfo, hasFeature } from "./features.ts";

/**
 * The check before using anything mods/monitor's `FEATURES` lists: throws
 * {@linkcode FeatureUnavailableError} unless the server's version has the feature.
 *
 * @param version the server's version
 * @param feature the feature's key
 * @param server the server's name or URL, for the message
 * @throws {FeatureUnavailableError} naming the release needed and what runs
 * @throws {TypeError} for an unknown feature
 * @example
 * ```ts
 * requireFeature(server.version, "kick", server.name); // before sending $SYS.REQ.SERVER.<id>.KICK
 * ```
 */
export function requireFeature(version: string, feature: string, server?: string): void {
  if (hasFeature(version, feature)) return;
  throw new FeatureUnavailableError(featureInfo(feature), version || "an unknown version", server);
}
