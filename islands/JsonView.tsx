import { useState } from "preact/hooks";
import { api } from "./_api.ts";

/** Props of {@linkcode JsonView}. */
export interface JsonViewProps {
  /** The API route to read. */
  readonly url: string;
  /** The button's label. */
  readonly label: string;
}

/** Loads a JSON answer of the API on demand and shows it, pretty-printed. */
export function JsonView(p: JsonViewProps) {
  const [text, setText] = useState<string | null>(null);
  const load = async () => {
    try {
      setText(JSON.stringify(await api(p.url), null, 2));
    } catch (e) {
      setText((e as Error).message);
    }
  };
  return (
    <div class="json-view">
      <button type="button" onClick={load}>{p.label}</button>
      {text !== null && <pre class="payload">{text}</pre>}
    </div>
  );
}
