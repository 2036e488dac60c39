/**
 * The documents a user reads before building anything: they exist, docs/api.md is the route
 * table's (a new route without `deno task docs:api` fails here), every relative link and anchor
 * leads somewhere, and the changelog has a section for this version.
 */
import assert from "node:assert/strict";
import { API_DOC, currentApiReference } from "../../scripts/api_docs.ts";
import { NUNECT_VERSION } from "../../mods/protocol/mod.ts";
import { PROJECT_DIR } from "../_kit/mod.ts";

const DOCS = [
  "README.md",
  "LICENSE",
  "CHANGELOG.md",
  "CONTRIBUTING.md",
  "SECURITY.md",
  "docs/operator-guide.md",
  "docs/security.md",
  "docs/api.md",
];

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchor(heading: string): string {
  return heading.trim().toLowerCase().replace(/`/g, "").replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");
}

async function anchors(path: string): Promise<Set<string>> {
  const text = await Deno.readTextFile(path);
  return new Set(
    text.split("\n").filter((l) => /^#{1,6} /.test(l)).map((l) => anchor(l.replace(/^#+ /, ""))),
  );
}

Deno.test("the project's documents exist and docs/api.md is the route table's", async () => {
  for (const d of DOCS) {
    assert.ok((await Deno.stat(`${PROJECT_DIR}/${d}`)).size > 0, `${d} is empty`);
  }
  assert.equal(
    await Deno.readTextFile(API_DOC),
    currentApiReference(),
    "docs/api.md is stale: run `deno task docs:api`",
  );
  assert.match(await Deno.readTextFile(`${PROJECT_DIR}/LICENSE`), /^MIT License/);
});

Deno.test("every relative link of the documents leads to a file, and its #anchor to a heading", async () => {
  const broken: string[] = [];
  for (const d of DOCS.filter((d) => d.endsWith(".md"))) {
    const text = await Deno.readTextFile(`${PROJECT_DIR}/${d}`);
    const dir = d.includes("/") ? d.slice(0, d.lastIndexOf("/")) : ".";
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue;
      const [file, hash] = target!.split("#") as [string, string | undefined];
      const path = file === "" ? d : new URL(file, `file:///${dir}/`).pathname.slice(1);
      const exists = await Deno.stat(`${PROJECT_DIR}/${path}`).then(() => true, () => false);
      if (!exists) broken.push(`${d}: ${target} (no ${path})`);
      else if (hash !== undefined && path.endsWith(".md")) {
        if (!(await anchors(`${PROJECT_DIR}/${path}`)).has(hash)) {
          broken.push(`${d}: ${target} (no heading #${hash} in ${path})`);
        }
      }
    }
  }
  assert.deepEqual(broken, []);
});

Deno.test("CHANGELOG.md has an Unreleased section and one for this version", async () => {
  const log = await Deno.readTextFile(`${PROJECT_DIR}/CHANGELOG.md`);
  assert.match(log, /^## \[Unreleased\]$/m);
  assert.match(
    log,
    new RegExp(`^## \\[${NUNECT_VERSION.replaceAll(".", "\\.")}\\] - \\d{4}-\\d\\d-\\d\\d$`, "m"),
  );
  assert.match(
    log,
    /^\[Unreleased\]: .*\/compare\/v\d+\.\d+\.\d+\.\.\.HEAD$/m,
    "deno task version needs it",
  );
});
