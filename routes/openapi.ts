import { z } from "zod";
import type { Route } from "./route.ts";

/** An OpenAPI 3.1 document, as JSON. */
export type OpenApiDocument = Record<string, unknown>;

/** What every error answer of the API looks like (the one error renderer's JSON). */
const errorSchema = z.object({
  error: z.object({
    status: z.number().int(),
    title: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    field: z.string().nullable().optional(),
    requires: z.string().optional(),
  }),
});

const ERRORS: Record<string, string> = {
  "400": "Bad request: the message names the parameter or field and what is expected",
  "401": "Login or API token required (or invalid, expired, revoked)",
  "403": "Forbidden: a role below the route's, an account outside the scope, or no CSRF token",
  "404": "Not found (also: something of an account outside the scope)",
  "429": "Too many requests",
  "501": "Requires a newer nats-server",
  "503": "NATS or a service of the dashboard is not reachable yet",
};

/**
 * A zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect), as requests send it (`input`):
 * query strings before their transforms, bodies as written. What zod cannot express in JSON
 * Schema (a transform's output, a custom check) is left open.
 */
function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const out = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io: "input",
    unrepresentable: "any",
  }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

function operationId(r: Route): string {
  const words = r.path.replace(/^\/api\/?/, "").split(/[/:_-]+/).filter((w) => w !== "");
  return [r.method.toLowerCase(), ...words.map((w) => w[0]!.toUpperCase() + w.slice(1))].join("");
}

function tagOf(r: Route): string {
  return r.path.split("/")[2] ?? "api";
}

/**
 * The OpenAPI 3.1 description of every `/api` route of the route table, generated from the
 * same zod schemas that validate the requests (query strings and JSON bodies) and describe the
 * answers. Each operation also says its least role (`x-nunect-role`), its account scope
 * (`x-nunect-scope`) and, for writes, its audit action (`x-nunect-audit-action`).
 *
 * @param routes the route table
 * @param version the dashboard's version
 * @returns the document
 */
export function openApiDocument(routes: readonly Route[], version: string): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    if (r.path !== "/api" && !r.path.startsWith("/api/")) continue;
    const path = r.path.replace(/:(\w+)/g, "{$1}");
    const parameters: Record<string, unknown>[] = [...r.path.matchAll(/:(\w+)/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    if (r.schemas.query) {
      const q = jsonSchema(r.schemas.query) as {
        properties?: Record<string, Record<string, unknown>>;
        required?: string[];
      };
      for (const [name, schema] of Object.entries(q.properties ?? {})) {
        parameters.push({
          name,
          in: "query",
          required: q.required?.includes(name) ?? false,
          schema,
        });
      }
    }
    const ok = r.schemas.response
      ? { "application/json": { schema: jsonSchema(r.schemas.response) } }
      : { "application/json": { schema: {} } };
    paths[path] ??= {};
    paths[path][r.method.toLowerCase()] = {
      operationId: operationId(r),
      summary: r.title,
      tags: [tagOf(r)],
      parameters,
      ...(r.method === "POST"
        ? {
          requestBody: {
            required: false,
            content: {
              "application/json": { schema: r.schemas.body ? jsonSchema(r.schemas.body) : {} },
            },
          },
        }
        : {}),
      responses: {
        "200": { description: "OK", content: ok },
        ...Object.fromEntries(
          Object.entries(ERRORS).map(([status, description]) => [
            status,
            {
              description,
              content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
            },
          ]),
        ),
      },
      "x-nunect-role": r.role,
      "x-nunect-scope": r.scope,
      ...(r.action ? { "x-nunect-audit-action": r.action } : {}),
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "nunect dashboard API",
      version,
      description: "Every JSON endpoint of the nunect dashboard, generated from its route table " +
        "and the zod schemas that validate it. Scripts authenticate with an API token " +
        "(`Authorization: Bearer nunect_…`, made on the Me page or with `deno task cli tokens " +
        "create`); browsers with their login session, sending the session's CSRF token as " +
        "`X-CSRF-Token` on every POST. Each operation names its least role (viewer < operator " +
        "< admin) and whether account-scoped users may use it.",
    },
    servers: [{ url: "/" }],
    security: [{ bearer: [] }, { session: [] }],
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "An API token of a user" },
        session: { type: "apiKey", in: "cookie", name: "nunect_session" },
      },
      schemas: { Error: jsonSchema(errorSchema) },
    },
    paths,
  };
}
