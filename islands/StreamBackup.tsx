import { useState } from "preact/hooks";

/** Props of {@linkcode StreamBackup}. */
export interface StreamBackupProps {
  /** The accounts a backup may be restored into (the first is chosen). */
  readonly accounts: readonly string[];
  /** The stream to back up, or null on the list (restore only). */
  readonly stream: string | null;
  /** The session's CSRF token. */
  readonly csrf: string;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * A stream's backup and restore: the backup downloads as the server streams JetStream's snapshot
 * (bytes so far shown as they arrive, the stream's size beside them); a restore uploads a backup
 * file with the upload's progress, then the server restores it with JetStream's restore API.
 */
export function StreamBackup(p: StreamBackupProps) {
  const [progress, setProgress] = useState<string | null>(null);
  const [message, setMessage] = useState("");
  const [account, setAccount] = useState(p.accounts[0] ?? "");
  const api = `/api/streams/${encodeURIComponent(account)}`;
  const backup = async () => {
    if (p.stream === null) return;
    setMessage("");
    try {
      const res = await fetch(`${api}/${encodeURIComponent(p.stream)}/backup`);
      if (!res.ok || res.body === null) {
        const body = await res.json().catch(() => null);
        throw new Error(body?.error?.message ?? `Backup failed: HTTP ${res.status}`);
      }
      const size = Number(res.headers.get("x-nunect-stream-bytes") ?? 0);
      const name = /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1] ??
        `${p.stream}.nunect-stream`;
      const parts: Uint8Array[] = [];
      let got = 0;
      for await (const chunk of res.body) {
        parts.push(chunk);
        got += chunk.length;
        setProgress(`${mib(got)} received${size > 0 ? ` (stream ${mib(size)})` : ""}`);
      }
      const url = URL.createObjectURL(new Blob(parts as BlobPart[]));
      const a = document.createElement("a");
      a.href = url;
      a.download = name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setMessage(`Backed up ${p.stream}: ${name}, ${mib(got)}`);
    } catch (err) {
      setMessage((err as Error).message);
    } finally {
      setProgress(null);
    }
  };
  const restore = (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const file = (form.elements.namedItem("backup") as HTMLInputElement).files?.[0];
    const replace = (form.elements.namedItem("replace") as HTMLInputElement).checked;
    if (!file) return setMessage("Choose a backup file first");
    if (replace && !confirm("Replace: a stream of the same name is deleted first. Go on?")) return;
    // XMLHttpRequest: fetch() reports no upload progress.
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `${api}/restore${replace ? "?replace=true" : ""}`);
    xhr.setRequestHeader("x-csrf-token", p.csrf);
    xhr.setRequestHeader("accept", "application/json");
    xhr.upload.onprogress = (ev) =>
      ev.lengthComputable &&
      setProgress(
        ev.loaded < ev.total
          ? `${mib(ev.loaded)} of ${mib(ev.total)} sent`
          : "sent; the server restores it",
      );
    xhr.onload = () => {
      setProgress(null);
      try {
        const body = JSON.parse(xhr.responseText);
        setMessage(
          xhr.status === 200
            ? `Restored ${body.stream}: ${body.messages} messages`
            : body.error.message,
        );
      } catch {
        setMessage(`Restore failed: HTTP ${xhr.status}`);
      }
    };
    xhr.onerror = () => {
      setProgress(null);
      setMessage("Restore failed: the connection broke");
    };
    xhr.send(file);
  };
  return (
    <div class="stream-backup">
      {p.stream !== null && (
        <button type="button" onClick={backup} disabled={progress !== null}>
          Download a backup
        </button>
      )}
      <form class="filters" onSubmit={restore}>
        {p.accounts.length > 1 && (
          <select
            name="account"
            onChange={(e) => setAccount(e.currentTarget.value)}
          >
            {p.accounts.map((a) => <option key={a} value={a}>{a}</option>)}
          </select>
        )}
        <input type="file" name="backup" accept=".nunect-stream" />
        <label>
          <input type="checkbox" name="replace" /> replace a stream of the same name
        </label>
        <button type="submit" disabled={progress !== null}>Restore</button>
      </form>
      {progress !== null && <span class="notice">{progress}</span>}
      {message && <span class="notice">{message}</span>}
    </div>
  );
}
