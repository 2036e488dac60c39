/** The repository the npm package names: what npm's provenance check compares. */
import assert from "node:assert/strict";
import { repositoryUrl } from "../../scripts/build_npm.ts";

Deno.test("the npm package names the repository that publishes it", () => {
  assert.deepEqual(repositoryUrl({ NUNECT_REPOSITORY_URL: "git+https://git.example/x/y.git" }), {
    url: "git+https://git.example/x/y.git",
    source: "NUNECT_REPOSITORY_URL",
  });
  // GitHub Actions sets these in every step: the workflow needs no setting of its own.
  assert.deepEqual(
    repositoryUrl({ GITHUB_REPOSITORY: "acme/nunect", GITHUB_SERVER_URL: "https://github.com" }),
    { url: "git+https://github.com/acme/nunect.git", source: "GITHUB_REPOSITORY" },
  );
  for (
    const origin of [
      "git@github.com:acme/nunect.git",
      "https://github.com/acme/nunect",
      "https://github.com/acme/nunect.git",
      "https://token@github.com/acme/nunect.git",
    ]
  ) {
    assert.deepEqual(repositoryUrl({}, origin), {
      url: "git+https://github.com/acme/nunect.git",
      source: "git remote",
    }, origin);
  }
  assert.equal(repositoryUrl({}).source, "default");
});
