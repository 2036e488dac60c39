/**
 * A CycloneDX 1.5 software bill of materials of nunect's npm dependencies, written from deno.lock:
 * every npm package the lock pins (name, version, package URL, the registry's SHA-512), which
 * depends on which, whether nunect's programs need it at run time or only its tests and builds
 * (`scope: optional`), and the licence each declares when Deno's npm cache has its package.json.
 *
 * @module
 */

/** The parts of deno.lock (version 4 or 5) the bill reads. */
export interface DenoLock {
  /** `npm:<name>@<range>` → the resolved key (`<version>` with peer suffixes). */
  readonly specifiers?: Readonly<Record<string, string>>;
  /** `<name>@<version>` → integrity and dependencies (`<name>` alone or `<name>@<version>`). */
  readonly npm?: Readonly<
    Record<string, { readonly integrity?: string; readonly dependencies?: readonly string[] }>
  >;
}

/** What the bill says about the project itself. */
export interface SbomProject {
  /** `nunect` */
  readonly name: string;
  /** nunect's version. */
  readonly version: string;
  /** The project's licence (SPDX ID). */
  readonly license: string;
  /** npm names that nunect's programs import (everything else is for tests and builds). */
  readonly runtimeImports: readonly string[];
  /** npm name and version → the licence its package.json declares, where known. */
  readonly licenses?: ReadonlyMap<string, string>;
  /** The document's time (ISO 8601) and serial number (a UUID): fixed for a reproducible bill. */
  readonly timestamp: string;
  /** A UUID. */
  readonly serial: string;
}

/** A package of the lock: name and version. */
interface Pkg {
  readonly key: string;
  readonly name: string;
  readonly version: string;
}

/**
 * Splits a lock key: `@nats-io/kv@3.4.0`, `preact@11.2.0_preact-render-to-string@6.8.2`.
 *
 * @param key the key
 * @returns name and version (peer suffix dropped)
 */
export function parseLockKey(key: string): { name: string; version: string } {
  const at = key.indexOf("@", 1);
  if (at < 0) return { name: key, version: "" };
  const version = key.slice(at + 1).split("_")[0]!;
  return { name: key.slice(0, at), version };
}

/**
 * The package URL of an npm package (`pkg:npm/%40nats-io/kv@3.4.0`).
 *
 * @param name the npm name
 * @param version the version
 * @returns the purl
 */
export function npmPurl(name: string, version: string): string {
  return `pkg:npm/${name.startsWith("@") ? `%40${name.slice(1)}` : name}@${version}`;
}

function sha512Hex(integrity: string | undefined): string | undefined {
  const m = /^sha512-(.+)$/.exec(integrity ?? "");
  if (m === null) return undefined;
  return [...atob(m[1]!)].map((c) => c.charCodeAt(0).toString(16).padStart(2, "0")).join("");
}

/**
 * The bill of materials.
 *
 * @param lock deno.lock, parsed
 * @param project the project, its runtime imports and what is known of licences
 * @returns a CycloneDX 1.5 JSON document
 * @throws {Error} when the lock names a dependency it does not pin
 */
export function cycloneDx(lock: DenoLock, project: SbomProject): Record<string, unknown> {
  const npm = lock.npm ?? {};
  const pkgs = new Map<string, Pkg>();
  for (const key of Object.keys(npm)) pkgs.set(key, { key, ...parseLockKey(key) });
  const byName = new Map<string, Pkg[]>();
  for (const p of pkgs.values()) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  const resolve = (dep: string, from: string): Pkg => {
    if (pkgs.has(dep)) return pkgs.get(dep)!;
    const { name, version } = parseLockKey(dep);
    const candidates = byName.get(name) ?? [];
    const found = version === ""
      ? (candidates.length === 1 ? candidates[0] : undefined)
      : candidates.find((c) => c.version === version);
    if (found === undefined) {
      throw new Error(`deno.lock: "${from}" depends on "${dep}", which it does not pin`);
    }
    return found;
  };
  const deps = new Map<string, Pkg[]>();
  for (const [key, entry] of Object.entries(npm)) {
    deps.set(key, (entry.dependencies ?? []).map((d) => resolve(d, key)));
  }
  // Roots: the npm imports of deno.json, as the lock resolved them.
  const roots: { pkg: Pkg; runtime: boolean }[] = [];
  for (const [spec, resolved] of Object.entries(lock.specifiers ?? {})) {
    if (!spec.startsWith("npm:")) continue;
    const { name } = parseLockKey(spec.slice(4));
    const pkg = resolve(`${name}@${resolved}`, "deno.json");
    roots.push({ pkg, runtime: project.runtimeImports.includes(name) });
  }
  const runtime = new Set<string>();
  const walk = (p: Pkg) => {
    if (runtime.has(p.key)) return;
    runtime.add(p.key);
    for (const d of deps.get(p.key) ?? []) walk(d);
  };
  for (const r of roots) if (r.runtime) walk(r.pkg);

  const ref = (p: Pkg) => npmPurl(p.name, p.version);
  const sorted = [...pkgs.values()].sort((a, b) => ref(a).localeCompare(ref(b)));
  const seen = new Set<string>();
  const components = [];
  for (const p of sorted) {
    if (seen.has(ref(p))) continue; // one component per name and version (peer variants merged)
    seen.add(ref(p));
    const slash = p.name.indexOf("/");
    const hash = sha512Hex(npm[p.key]?.integrity);
    const license = project.licenses?.get(`${p.name}@${p.version}`);
    components.push({
      type: "library",
      "bom-ref": ref(p),
      ...(p.name.startsWith("@") ? { group: p.name.slice(0, slash) } : {}),
      name: p.name.startsWith("@") ? p.name.slice(slash + 1) : p.name,
      version: p.version,
      scope: runtime.has(p.key) ? "required" : "optional",
      purl: ref(p),
      ...(hash ? { hashes: [{ alg: "SHA-512", content: hash }] } : {}),
      ...(license ? { licenses: [{ expression: license }] } : {}),
    });
  }
  const projectRef = `pkg:generic/${project.name}@${project.version}`;
  const dependsOn = (list: readonly Pkg[]) => [...new Set(list.map(ref))].sort();
  const dependencies = [
    { ref: projectRef, dependsOn: dependsOn(roots.map((r) => r.pkg)) },
    ...[...new Map(sorted.map((p) => [ref(p), p])).values()].map((p) => ({
      ref: ref(p),
      dependsOn: dependsOn(deps.get(p.key) ?? []),
    })),
  ];
  return {
    bomFormat: "CycloneDX",
    specVersion: "1.5",
    serialNumber: `urn:uuid:${project.serial}`,
    version: 1,
    metadata: {
      timestamp: project.timestamp,
      tools: {
        components: [{
          type: "application",
          name: "nunect scripts/sbom.ts",
          version: project.version,
        }],
      },
      component: {
        type: "application",
        "bom-ref": projectRef,
        name: project.name,
        version: project.version,
        purl: projectRef,
        licenses: [{ license: { id: project.license } }],
      },
    },
    components,
    dependencies,
  };
}
