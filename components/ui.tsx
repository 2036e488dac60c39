import { type ComponentChildren, Fragment } from "preact";
import { formatBytes } from "./format.ts";

/** A labelled figure on a card. */
export function Stat(
  p: { label: string; value: ComponentChildren; sub?: ComponentChildren; id?: string },
) {
  return (
    <div class="stat" data-stat={p.id}>
      <div class="label">{p.label}</div>
      <div class="value">{p.value}</div>
      {p.sub !== undefined && <div class="sub">{p.sub}</div>}
    </div>
  );
}

/** A titled panel. */
export function Card(p: { title?: string; children: ComponentChildren; class?: string }) {
  return (
    <section class={`card ${p.class ?? ""}`}>
      {p.title && <h2>{p.title}</h2>}
      {p.children}
    </section>
  );
}

/** A column of {@linkcode DataTable}. */
export interface Column<T> {
  readonly label: string;
  readonly cell: (row: T) => ComponentChildren;
  readonly num?: boolean;
  readonly wrap?: boolean;
  /** Sort key for sortable tables (links to `?sort=`). */
  readonly sort?: string;
}

/** A plain table; `empty` shows when there are no rows. */
export function DataTable<T>(p: {
  columns: readonly Column<T>[];
  rows: readonly T[];
  empty: string;
  rowClass?: (row: T) => string | undefined;
  sortHref?: (key: string) => string;
  sorted?: string;
  id?: string;
}) {
  return (
    <div class="table-wrap">
      <table id={p.id}>
        <thead>
          <tr>
            {p.columns.map((c) => (
              <th class={c.num ? "num" : undefined}>
                {c.sort && p.sortHref
                  ? (
                    <a
                      href={p.sortHref(c.sort)}
                      class={p.sorted === c.sort ? "sorted" : undefined}
                    >
                      {c.label}
                      {p.sorted === c.sort ? " ▾" : ""}
                    </a>
                  )
                  : c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {p.rows.length === 0
            ? (
              <tr>
                <td colSpan={p.columns.length} class="empty">{p.empty}</td>
              </tr>
            )
            : p.rows.map((r) => (
              <tr class={p.rowClass?.(r)}>
                {p.columns.map((c) => (
                  <td
                    class={[c.num ? "num" : "", c.wrap ? "wrap" : ""].join(" ").trim() || undefined}
                  >
                    {c.cell(r)}
                  </td>
                ))}
              </tr>
            ))}
        </tbody>
      </table>
    </div>
  );
}

/** Says plainly that a feature needs a newer nats-server than the one running. */
export function RequiresNotice(p: { feature: string; version: string; running?: string }) {
  return (
    <div class="notice requires" data-requires={p.version}>
      <strong>{p.feature}</strong> requires nats-server ≥ {p.version}
      {p.running ? ` (this server runs ${p.running})` : ""}.
    </div>
  );
}

/** A coloured badge. */
export function Badge(
  p: { level: "good" | "warn" | "bad" | "none" | "info"; children: ComponentChildren },
) {
  return <span class={`badge ${p.level}`}>{p.children}</span>;
}

/** A definition list from pairs. */
export function KeyValues(p: { items: readonly [string, ComponentChildren][] }) {
  return (
    <dl class="kv">
      {p.items.map(([k, v], i) => (
        <Fragment key={i}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

/** Monospaced text (addresses, IDs, paths), for use inside item lists. */
export function mono(...parts: (string | number | undefined)[]) {
  return <span class="mono">{parts.join("")}</span>;
}

/** A usage meter, for use inside item lists. */
export function meter(value: number, max: number) {
  return <meter min={0} max={max} value={value} />;
}

/** Used of max as a meter with the figures beside it, for use inside item lists. */
export function usage(used: number, max: number | undefined) {
  const pct = max && max > 0 ? ` (${((used / max) * 100).toFixed(1)}%)` : "";
  return (
    <div class="usage">
      <meter min={0} max={max ?? 0} value={used} />
      <span>{formatBytes(used)} of {max ? formatBytes(max) : "unlimited"}{pct}</span>
    </div>
  );
}

/** A badge, for use inside item lists. */
export function badge(level: "good" | "warn" | "bad" | "none" | "info", text: string) {
  return <Badge level={level}>{text}</Badge>;
}
