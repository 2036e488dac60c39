import { z } from "zod";
import type { AuditSearch, StoredAuditRecord } from "../../mods/audit/mod.ts";
import { auditRecordSchema } from "../../mods/audit/record.ts";
import { formatTime } from "../../components/format.ts";
import { Card, DataTable } from "../../components/ui.tsx";
import { param } from "../query.ts";
import { endpoint, page, type Route } from "../route.ts";

/** A time as the filters take it: ms since the epoch, or an ISO 8601 date or date-time. */
const time = z.string().transform((v, ctx) => {
  const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: "custom", message: "expected an ISO 8601 time or ms since the epoch" });
    return z.NEVER;
  }
  return ms;
}).optional();

/** The Audit page's filters, shared by the page, its twin and the export. */
const auditQuery = z.object({
  user: param.name(),
  action: param.name(),
  target: z.string().max(256).optional(),
  from: time,
  to: time,
  ok: param.flag(),
  limit: param.int(1000),
  before: param.int(Number.MAX_SAFE_INTEGER),
});

type AuditQuery = z.output<typeof auditQuery>;

const exportQuery = auditQuery.extend({
  format: param.oneOf(["json", "ndjson", "csv"]),
  limit: param.int(100_000),
});

function searchOf(q: AuditQuery): AuditSearch {
  return {
    actor: q.user,
    action: q.action,
    target: q.target,
    from: q.from,
    to: q.to,
    ok: q.ok,
    limit: q.limit ?? 100,
    before: q.before,
  };
}

const storedSchema = auditRecordSchema.extend({ seq: z.number().int() });

const pageSchema = z.object({
  records: z.array(storedSchema),
  next: z.number().int().nullable(),
  scanned: z.number().int(),
});

function when(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 10)} ${formatTime(ms)}`;
}

function link(q: AuditQuery, patch: Record<string, string | number | undefined>): string {
  const p = new URLSearchParams();
  const merged: Record<string, unknown> = {
    user: q.user,
    action: q.action,
    target: q.target,
    from: q.from,
    to: q.to,
    ok: q.ok,
    ...patch,
  };
  for (const [k, v] of Object.entries(merged)) {
    if (v !== undefined && v !== "") p.set(k, String(v));
  }
  return p.toString();
}

const CSV_COLUMNS = [
  "seq",
  "at",
  "actor",
  "role",
  "scope",
  "via",
  "action",
  "target",
  "ok",
  "status",
  "error",
  "request",
  "address",
  "before",
  "after",
] as const;

function csvCell(v: unknown): string {
  const text = v === undefined || v === null
    ? ""
    : typeof v === "object"
    ? JSON.stringify(v)
    : String(v);
  // Quoted, and cells that a spreadsheet would run as a formula are defused.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replaceAll('"', '""')}"`;
}

function csvLine(r: StoredAuditRecord): string {
  return CSV_COLUMNS.map((k) => csvCell(k === "at" ? new Date(r.at).toISOString() : r[k])).join(
    ",",
  );
}

/**
 * Audit (admin): the audit trail of every state-changing request, logins and logouts included,
 * newest first, filtered by user, action (or a group: `users` matches `users.create`), target
 * text, time and outcome; paged backwards through the stream; exported as JSON, NDJSON or CSV.
 * The dashboard only reads it: no route changes or deletes a record, the stream refuses
 * deletes and purges, and the JetStream console cannot reach it.
 */
export const auditRoutes: readonly Route[] = [
  ...page({
    path: "/audit",
    title: "Audit",
    nav: true,
    role: "admin",
    needs: ["audit"],
    query: auditQuery,
    twin: {
      path: "/api/audit",
      title: "the audit trail, newest first (user, action, target, from, to, ok, limit, before)",
    },
    response: pageSchema,
    load: (c, q) => c.var.services.need("audit").search(searchOf(q)),
    render: (v, _c, q) => (
      <>
        <form class="filters" method="get" action="/audit" id="audit-filters">
          <label>
            User <input name="user" value={q.user ?? ""} placeholder="any" />
          </label>
          <label>
            Action <input name="action" value={q.action ?? ""} placeholder="e.g. users, auth" />
          </label>
          <label>
            Target <input name="target" value={q.target ?? ""} placeholder="contains" />
          </label>
          <label>
            From{" "}
            <input
              name="from"
              value={q.from === undefined ? "" : new Date(q.from).toISOString()}
              placeholder="2026-12-01T00:00Z"
            />
          </label>
          <label>
            To{" "}
            <input
              name="to"
              value={q.to === undefined ? "" : new Date(q.to).toISOString()}
              placeholder="now"
            />
          </label>
          <label>
            Outcome
            <select name="ok">
              <option value="">any</option>
              <option value="true" selected={q.ok === true}>succeeded</option>
              <option value="false" selected={q.ok === false}>failed or refused</option>
            </select>
          </label>
          <button type="submit">Filter</button>
          <a href="/audit">Reset</a>
        </form>
        <div class="pager">
          <span id="audit-count">
            {v.records.length} records ({v.scanned} read)
          </span>
          {v.next !== null && <a href={`/audit?${link(q, { before: v.next })}`}>Older →</a>}
          {(["csv", "ndjson", "json"] as const).map((f) => (
            <a href={`/api/audit/export?${link(q, { format: f })}`} download>
              Export {f.toUpperCase()}
            </a>
          ))}
        </div>
        <Card>
          <DataTable
            id="audit"
            rows={v.records}
            empty="No records match these filters."
            columns={[
              { label: "Time (UTC)", cell: (r) => when(r.at) },
              { label: "User", cell: (r) => r.actor },
              { label: "Role", cell: (r) => r.role ?? "–" },
              { label: "Scope", cell: (r) => r.scope ?? "–" },
              { label: "Action", cell: (r) => <code>{r.action}</code> },
              { label: "Target", cell: (r) => r.target, wrap: true },
              {
                label: "Result",
                cell: (r) =>
                  r.ok ? `ok ${r.status ?? ""}` : `failed ${r.status ?? ""}: ${r.error ?? ""}`,
                wrap: true,
              },
              { label: "Via", cell: (r) => r.via ?? "–" },
              {
                label: "Change",
                cell: (r) =>
                  r.before === null && r.after === null ? "" : (
                    <details>
                      <summary>before / after</summary>
                      <pre class="json">{JSON.stringify({ before: r.before, after: r.after }, null, 2)}</pre>
                    </details>
                  ),
              },
            ]}
          />
        </Card>
      </>
    ),
  }),
  endpoint({
    path: "/api/audit/export",
    title: "export the audit trail (format json, ndjson, csv; the filters of /api/audit)",
    role: "admin",
    needs: ["audit"],
    query: exportQuery,
    handle: async (c, q) => {
      const format = q.format ?? "ndjson";
      const audit = c.var.services.need("audit");
      const records: StoredAuditRecord[] = [];
      const want = q.limit ?? 100_000;
      let before = q.before;
      while (records.length < want) {
        const page = await audit.search({
          ...searchOf(q),
          limit: Math.min(10_000, want - records.length),
          before,
        });
        records.push(...page.records);
        if (page.next === null) break;
        before = page.next;
      }
      const body = format === "json"
        ? JSON.stringify(records)
        : format === "ndjson"
        ? records.map((r) => JSON.stringify(r)).join("\n") + (records.length ? "\n" : "")
        : [CSV_COLUMNS.join(","), ...records.map(csvLine)].join("\r\n") + "\r\n";
      const type = {
        json: "application/json",
        ndjson: "application/x-ndjson",
        csv: "text/csv; charset=utf-8",
      }[format];
      const stamp = new Date().toISOString().slice(0, 19).replaceAll(":", "");
      return new Response(body, {
        headers: {
          "Content-Type": type,
          "Content-Disposition": `attachment; filename="nunect-audit-${stamp}.${format}"`,
        },
      });
    },
  }),
];
