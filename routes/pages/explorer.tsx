import { Island } from "../../components/Island.tsx";
import { ApiExplorer } from "../../islands/ApiExplorer.tsx";
import type { OpenApiDocument } from "../openapi.ts";
import { page, type Route } from "../route.ts";

/**
 * API: the OpenAPI 3.1 description of every `/api` endpoint (`/api/openapi.json`, generated from
 * the route table and its zod schemas) and an explorer that lists the operations with their
 * role, scope and parameters and sends a request with the session (and its CSRF token).
 *
 * @param describe the document for a dashboard version
 * @returns the page and its twin
 */
export function explorerRoutes(describe: (version: string) => OpenApiDocument): Route[] {
  return page({
    path: "/explorer",
    title: "API",
    nav: true,
    scope: "self",
    twin: {
      path: "/api/openapi.json",
      title: "the OpenAPI 3.1 description of every /api endpoint (from the zod schemas)",
    },
    load: (c) => describe(c.var.services.version),
    render: (_doc, c) => (
      <>
        <p class="muted">
          Every JSON endpoint, from the route table and the zod schemas that validate it:{" "}
          <a href="/api/openapi.json">/api/openapi.json</a>{" "}
          (OpenAPI 3.1). Scripts send an API token from the <a href="/me">Me</a> page as{" "}
          <code>Authorization: Bearer …</code>; requests sent from here use this login.
        </p>
        <Island component={ApiExplorer} props={{ url: "/api/openapi.json", csrf: c.get("csrf") }} />
      </>
    ),
  });
}
