import { useState } from "preact/hooks";
import type { ObjectRow } from "../mods/jetstream/mod.ts";
import { api, query } from "./_api.ts";

/** Props of {@linkcode ObjectStoreView}. */
export interface ObjectStoreViewProps {
  /** The store's API base, `/api/objects/<account>/<bucket>`. */
  readonly api: string;
  /** The session's CSRF token. */
  readonly csrf: string;
  /** The objects when the page was drawn. */
  readonly objects: readonly ObjectRow[];
  /** Whether the store is sealed. */
  readonly sealed: boolean;
  /** Stores of the account (link targets). */
  readonly stores: readonly string[];
  /** This store. */
  readonly bucket: string;
}

/**
 * An object store: objects with metadata, streamed upload with progress (the file goes to the
 * dashboard server as the request body, and from there to NATS in chunks), download, description
 * edits, links, delete, and sealing the store.
 */
export function ObjectStoreView(p: ObjectStoreViewProps) {
  const [objects, setObjects] = useState(p.objects);
  const [progress, setProgress] = useState<number | null>(null);
  const [message, setMessage] = useState("");
  const [link, setLink] = useState({ name: "", bucket: p.bucket, target: "" });
  const refresh = async () => {
    const r = await api<{ objects: ObjectRow[] }>(p.api);
    setObjects(r.objects);
  };
  const upload = (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const file = (form.elements.namedItem("file") as HTMLInputElement).files?.[0];
    const description = (form.elements.namedItem("description") as HTMLInputElement).value;
    if (!file) return setMessage("Choose a file first");
    // XMLHttpRequest: fetch() reports no upload progress.
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `${p.api}/upload${query({ name: file.name, description })}`);
    xhr.setRequestHeader("x-csrf-token", p.csrf);
    xhr.setRequestHeader("accept", "application/json");
    xhr.upload.onprogress = (ev) => ev.lengthComputable && setProgress(ev.loaded / ev.total);
    xhr.onload = async () => {
      setProgress(null);
      if (xhr.status === 200) {
        setMessage(`Uploaded ${file.name} (${file.size} bytes)`);
        await refresh();
      } else {
        try {
          setMessage(JSON.parse(xhr.responseText).error.message);
        } catch {
          setMessage(`Upload failed: HTTP ${xhr.status}`);
        }
      }
    };
    xhr.onerror = () => {
      setProgress(null);
      setMessage("Upload failed: the connection broke");
    };
    setProgress(0);
    xhr.send(file);
  };
  const post = async (
    path: string,
    name: string | undefined,
    body: unknown,
    done: string,
    ask?: string,
  ) => {
    if (ask && !confirm(ask)) return;
    try {
      await api(`${p.api}/${path}${query({ name })}`, { body, csrf: p.csrf });
      setMessage(done);
      await refresh();
    } catch (e) {
      setMessage((e as Error).message);
    }
  };
  return (
    <div class="object-store">
      {p.sealed
        ? <p class="notice">This store is sealed: no object can be added, changed or deleted.</p>
        : (
          <form class="filters upload" onSubmit={upload}>
            <input type="file" name="file" />
            <input name="description" placeholder="description" />
            <button type="submit" disabled={progress !== null}>Upload</button>
            {progress !== null && <progress value={progress} max={1} />}
          </form>
        )}
      <div class="table-wrap">
        <table class="objects">
          <thead>
            <tr>
              <th>Name</th>
              <th class="num">Size</th>
              <th>Modified</th>
              <th>Description</th>
              <th>Digest</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {objects.map((o) => (
              <tr key={o.name} data-object={o.name}>
                <td class="mono">
                  {o.name}
                  {o.link ? ` → ${o.link.bucket}/${o.link.name ?? "*"}` : ""}
                </td>
                <td class="num">{o.size}</td>
                <td>{o.mtime.slice(0, 19).replace("T", " ")}</td>
                <td>{o.description}</td>
                <td class="mono">{o.digest.slice(0, 20)}</td>
                <td class="actions">
                  <a
                    class="button"
                    href={`${p.api}/download${query({ name: o.name })}`}
                    download={o.name}
                  >
                    Download
                  </a>
                  {!p.sealed && (
                    <>
                      <button
                        type="button"
                        onClick={() => {
                          const d = prompt("Description", o.description);
                          if (d !== null) {
                            void post("meta", o.name, {
                              name: o.name,
                              description: d,
                              metadata: o.metadata,
                            }, `Changed ${o.name}`);
                          }
                        }}
                      >
                        Describe
                      </button>
                      <button
                        type="button"
                        class="danger"
                        onClick={() =>
                          void post(
                            "delete-object",
                            o.name,
                            {},
                            `Deleted ${o.name}`,
                            `Delete "${o.name}"?`,
                          )}
                      >
                        Delete
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!p.sealed && (
        <form
          class="filters link"
          onSubmit={(e) => {
            e.preventDefault();
            void post(
              "link",
              link.name,
              { bucket: link.bucket, name: link.target },
              `Linked ${link.name}`,
            );
          }}
        >
          Link{" "}
          <input
            name="link-name"
            placeholder="link name"
            value={link.name}
            onInput={(e) => setLink({ ...link, name: e.currentTarget.value })}
          />
          to{" "}
          <select
            name="link-bucket"
            onChange={(e) => setLink({ ...link, bucket: e.currentTarget.value })}
          >
            {p.stores.map((s) => (
              <option key={s} value={s} selected={s === link.bucket}>{s}</option>
            ))}
          </select>
          <input
            name="link-target"
            placeholder="object"
            value={link.target}
            onInput={(e) => setLink({ ...link, target: e.currentTarget.value })}
          />
          <button type="submit">Link</button>
          <button
            type="button"
            class="danger"
            onClick={() =>
              void post(
                "seal",
                undefined,
                {},
                "Sealed",
                "Seal this store? Nothing can be changed afterwards.",
              ).then(() => location.reload())}
          >
            Seal store
          </button>
        </form>
      )}
      {message && <p class="notice">{message}</p>}
    </div>
  );
}
