import { useEffect, useState } from "preact/hooks";

/** Props of {@linkcode ApiExplorer}. */
export interface ApiExplorerProps {
  /** Where the OpenAPI document is. */
  readonly url: string;
  /** The session's CSRF token (sent with POSTs). */
  readonly csrf: string;
}

interface Parameter {
  readonly name: string;
  readonly in: "path" | "query";
  readonly required: boolean;
  readonly schema: { readonly type?: string; readonly enum?: readonly string[] };
}

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly summary: string;
  readonly tag: string;
  readonly role: string;
  readonly scope: string;
  readonly action?: string;
  readonly parameters: readonly Parameter[];
  readonly body?: unknown;
  readonly response?: unknown;
}

type Doc = {
  paths: Record<string, Record<string, Record<string, unknown>>>;
};

function operations(doc: Doc): Operation[] {
  const out: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const content = (x: unknown) =>
        (x as { content?: Record<string, { schema?: unknown }> } | undefined)?.content?.[
          "application/json"
        ]?.schema;
      out.push({
        method: method.toUpperCase(),
        path,
        summary: String(op.summary ?? ""),
        tag: String((op.tags as string[] | undefined)?.[0] ?? ""),
        role: String(op["x-nunect-role"] ?? ""),
        scope: String(op["x-nunect-scope"] ?? ""),
        action: op["x-nunect-audit-action"] as string | undefined,
        parameters: (op.parameters ?? []) as Parameter[],
        body: content(op.requestBody),
        response: content((op.responses as Record<string, unknown> | undefined)?.["200"]),
      });
    }
  }
  return out;
}

function Try(p: { op: Operation; csrf: string }) {
  const [answer, setAnswer] = useState<{ status: number; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const send = async (e: Event) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget as HTMLFormElement);
    let path = p.op.path;
    const query = new URLSearchParams();
    for (const param of p.op.parameters) {
      const v = String(data.get(`p-${param.name}`) ?? "");
      if (param.in === "path") path = path.replace(`{${param.name}}`, encodeURIComponent(v));
      else if (v !== "") query.set(param.name, v);
    }
    const url = `${path}${query.size > 0 ? `?${query}` : ""}`;
    setBusy(true);
    try {
      const res = await fetch(url, {
        method: p.op.method,
        headers: p.op.method === "POST"
          ? { "content-type": "application/json", "x-csrf-token": p.csrf }
          : { accept: "application/json" },
        body: p.op.method === "POST" ? String(data.get("body") ?? "") || "{}" : undefined,
      });
      let text = await res.text();
      try {
        text = JSON.stringify(JSON.parse(text), null, 2);
      } catch { /* not JSON: shown as it is */ }
      setAnswer({ status: res.status, text: text.slice(0, 200_000) });
    } catch (err) {
      setAnswer({ status: 0, text: String(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="try" onSubmit={send}>
      {p.op.parameters.map((param) => (
        <label key={param.name}>
          {param.name}
          {param.in === "path" || param.required ? " *" : ""}
          {param.schema.enum
            ? (
              <select name={`p-${param.name}`}>
                <option value=""></option>
                {param.schema.enum.map((v) => <option key={v} value={v}>{v}</option>)}
              </select>
            )
            : <input name={`p-${param.name}`} required={param.in === "path"} />}
        </label>
      ))}
      {p.op.method === "POST" && (
        <label class="wide">
          JSON body
          <textarea name="body" rows={4} placeholder="{}" />
        </label>
      )}
      <button type="submit" disabled={busy}>Send</button>
      {answer && (
        <div class="answer">
          <strong>HTTP {answer.status}</strong>
          <pre class="json">{answer.text}</pre>
        </div>
      )}
    </form>
  );
}

/**
 * The API explorer: every operation of the OpenAPI document, filtered by text, with its role,
 * scope, audit action, parameters and schemas, and a form that sends it with this login.
 */
export function ApiExplorer(p: ApiExplorerProps) {
  const [ops, setOps] = useState<Operation[] | null>(null);
  const [error, setError] = useState("");
  const [filter, setFilter] = useState("");
  useEffect(() => {
    fetch(p.url, { headers: { accept: "application/json" } })
      .then((r) => r.json())
      .then((doc: Doc) => setOps(operations(doc)))
      .catch((e) => setError(String(e)));
  }, [p.url]);
  if (error) return <p class="error-text">{error}</p>;
  if (ops === null) return <p class="muted">Loading the API description…</p>;
  const f = filter.toLowerCase();
  const shown = ops.filter((o) =>
    f === "" || `${o.method} ${o.path} ${o.summary} ${o.tag}`.toLowerCase().includes(f)
  );
  return (
    <div class="api-explorer">
      <input
        type="search"
        placeholder={`Filter ${ops.length} operations`}
        value={filter}
        onInput={(e) => setFilter((e.currentTarget as HTMLInputElement).value)}
      />
      {shown.map((o) => (
        <details key={`${o.method} ${o.path}`} class="operation" data-op={`${o.method} ${o.path}`}>
          <summary>
            <code class={`method ${o.method.toLowerCase()}`}>{o.method}</code> <code>{o.path}</code>
            {" "}
            <span class="muted">{o.summary}</span>{" "}
            <span class="role-tag">{o.role}{o.scope === "global" ? "" : ` · ${o.scope}`}</span>
          </summary>
          {o.action && (
            <p class="muted">
              Recorded in the audit trail as <code>{o.action}</code>.
            </p>
          )}
          <Try op={o} csrf={p.csrf} />
          {o.body !== undefined && Object.keys(o.body as object).length > 0 && (
            <details>
              <summary>Request body schema</summary>
              <pre class="json">{JSON.stringify(o.body, null, 2)}</pre>
            </details>
          )}
          {o.response !== undefined && Object.keys(o.response as object).length > 0 && (
            <details>
              <summary>Response schema</summary>
              <pre class="json">{JSON.stringify(o.response, null, 2)}</pre>
            </details>
          )}
        </details>
      ))}
    </div>
  );
}
