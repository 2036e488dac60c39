import { useEffect, useRef, useState } from "preact/hooks";
import type { EntryView, KeyPage, KeyUpdate } from "../mods/jetstream/mod.ts";
import { api, query } from "./_api.ts";

/** Props of {@linkcode KvBrowser}. */
export interface KvBrowserProps {
  /** The bucket's API base, `/api/kv/<account>/<bucket>`. */
  readonly api: string;
  /** The session's CSRF token. */
  readonly csrf: string;
  /** The first page of keys, from the server. */
  readonly first: KeyPage;
  /** Whether keys may carry their own TTL. */
  readonly keyTtl: boolean;
  /** Revisions kept per key. */
  readonly history: number;
}

/**
 * A KV bucket: keys paged and filtered (the server never reads them all), an entry with its
 * history and revert, put (with a per-key TTL where the bucket allows it), delete, purge, purge
 * all, and a live watch of a key or filter.
 */
export function KvBrowser(p: KvBrowserProps) {
  const [page, setPage] = useState(p.first);
  const [cursors, setCursors] = useState<number[]>([]);
  const [filter, setFilter] = useState("");
  const [contains, setContains] = useState("");
  const [entry, setEntry] = useState<EntryView | null>(null);
  const [history, setHistory] = useState<EntryView[]>([]);
  const [put, setPut] = useState({ key: "", value: "", ttl: "" });
  const [message, setMessage] = useState("");
  const [watching, setWatching] = useState(false);
  const [changes, setChanges] = useState<KeyUpdate[]>([]);
  const source = useRef<EventSource | null>(null);

  const load = async (after?: number) => {
    try {
      setPage(await api<KeyPage>(`${p.api}/keys${query({ filter, contains, after })}`));
    } catch (e) {
      setMessage((e as Error).message);
    }
  };
  const open = async (key: string) => {
    try {
      setEntry(await api<EntryView>(`${p.api}/entry${query({ key })}`));
      setHistory(await api<EntryView[]>(`${p.api}/history${query({ key })}`));
      setPut({ key, value: "", ttl: "" });
    } catch (e) {
      setMessage((e as Error).message);
    }
  };
  const post = async (path: string, key: string | undefined, body: unknown, done: string) => {
    setMessage("");
    try {
      const r = await api<{ revision?: number }>(`${p.api}/${path}${query({ key })}`, {
        body,
        csrf: p.csrf,
      });
      setMessage(`${done}${r?.revision ? ` (revision ${r.revision})` : ""}`);
      await load();
      if (key && path !== "purge-all") await open(key);
    } catch (e) {
      setMessage((e as Error).message);
    }
  };
  const watch = () => {
    if (watching) {
      source.current?.close();
      setWatching(false);
      return;
    }
    const es = new EventSource(`${p.api}/watch${query({ filter: filter || ">" })}`);
    source.current = es;
    es.addEventListener("change", (e) => {
      const u = JSON.parse((e as MessageEvent).data) as KeyUpdate;
      setChanges((cs) => [u, ...cs].slice(0, 100));
    });
    setWatching(true);
  };
  useEffect(() => () => source.current?.close(), []);

  return (
    <div class="kv-browser">
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setCursors([]);
          void load();
        }}
      >
        <input
          name="filter"
          placeholder="key filter (orders.*, orders.>)"
          value={filter}
          onInput={(e) => setFilter(e.currentTarget.value)}
        />
        <input
          name="contains"
          placeholder="key contains"
          value={contains}
          onInput={(e) => setContains(e.currentTarget.value)}
        />
        <button type="submit">Filter</button>
        <button type="button" class={watching ? "on" : ""} onClick={watch}>
          {watching ? "Stop watching" : "Watch"}
        </button>
        <button
          type="button"
          class="danger"
          onClick={() =>
            confirm("Purge every key of this bucket with all history?") &&
            void post("purge-all", undefined, {}, "Purged all keys")}
        >
          Purge all keys
        </button>
      </form>
      <div class="grid two">
        <div>
          <div class="table-wrap">
            <table class="keys">
              <thead>
                <tr>
                  <th>Key</th>
                  <th class="num">Revision</th>
                  <th class="num">Size</th>
                  <th>TTL</th>
                </tr>
              </thead>
              <tbody>
                {page.keys.map((k) => (
                  <tr
                    key={k.key}
                    data-key={k.key}
                    class="clickable"
                    onClick={() => void open(k.key)}
                  >
                    <td class="mono">{k.key}</td>
                    <td class="num">{k.revision}</td>
                    <td class="num">{k.size}</td>
                    <td>{k.ttl ?? "–"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div class="pager">
            <button
              type="button"
              disabled={cursors.length === 0}
              onClick={() => {
                const prev = cursors.slice(0, -1);
                setCursors(prev);
                void load(prev[prev.length - 1]);
              }}
            >
              ← Previous
            </button>
            <button
              type="button"
              disabled={page.next === null}
              onClick={() => {
                setCursors([...cursors, page.next!]);
                void load(page.next!);
              }}
            >
              Next →
            </button>
          </div>
        </div>
        <div>
          <form
            class="card put"
            onSubmit={(e) => {
              e.preventDefault();
              void post(
                "put",
                put.key,
                { value: put.value, ...(put.ttl ? { ttl: put.ttl } : {}) },
                `Put ${put.key}`,
              );
            }}
          >
            <h3>Put</h3>
            <input
              name="key"
              placeholder="key"
              value={put.key}
              onInput={(e) => setPut({ ...put, key: e.currentTarget.value })}
            />
            <textarea
              name="value"
              rows={4}
              placeholder="value"
              value={put.value}
              onInput={(e) => setPut({ ...put, value: e.currentTarget.value })}
            />
            {p.keyTtl
              ? (
                <input
                  name="ttl"
                  placeholder="TTL (30s, 1h)"
                  value={put.ttl}
                  onInput={(e) => setPut({ ...put, ttl: e.currentTarget.value })}
                />
              )
              : (
                <span class="muted">
                  Per-key TTL: create the bucket with it (nats-server ≥ 2.11.0).
                </span>
              )}
            <button type="submit">Put</button>
          </form>
          {entry && (
            <div class="card entry">
              <h3 class="mono">{entry.key}</h3>
              <p class="muted">
                revision {entry.revision} · {entry.operation} · {entry.time} · {entry.size} bytes
                {entry.ttl ? ` · TTL ${entry.ttl}` : ""}
              </p>
              <pre class="payload">{entry.value.json ?? entry.value.text ?? entry.value.hex}</pre>
              <button
                type="button"
                onClick={() => void post("delete-key", entry.key, {}, `Deleted ${entry.key}`)}
              >
                Delete
              </button>{" "}
              <button
                type="button"
                class="danger"
                onClick={() =>
                  confirm(`Purge "${entry.key}" and its history?`) &&
                  void post("purge-key", entry.key, {}, `Purged ${entry.key}`)}
              >
                Purge
              </button>
              <h4>History ({p.history} kept)</h4>
              <table class="history">
                <tbody>
                  {history.map((h) => (
                    <tr key={h.revision} data-revision={h.revision}>
                      <td class="num">{h.revision}</td>
                      <td>{h.operation}</td>
                      <td class="mono preview">{h.value.text ?? h.value.hex}</td>
                      <td>
                        {h.operation === "PUT" && h.revision !== entry.revision && (
                          <button
                            type="button"
                            onClick={() =>
                              void post(
                                "revert",
                                entry.key,
                                { revision: h.revision },
                                `Reverted ${entry.key} to revision ${h.revision}`,
                              )}
                          >
                            Revert
                          </button>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      </div>
      {message && <p class="notice">{message}</p>}
      {watching && (
        <div class="card watch">
          <h3>Live changes</h3>
          <ul class="changes">
            {changes.map((c, i) => (
              <li key={i} class="mono">
                {c.operation} {c.key} {c.revision !== null ? `@${c.revision}` : ""} {c.preview}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
