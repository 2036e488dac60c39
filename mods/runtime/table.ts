/** One row of the "what runs where" table. */
export interface TableRow {
  /** Program name. */
  readonly name: string;
  /** Process ID, when running. */
  readonly pid?: number;
  /** What the program is doing, when it is not simply running (e.g. `crashing`). */
  readonly state?: string;
  /** Label and value pairs, one line each (e.g. `["clients", "nats://127.0.0.1:4222"]`). */
  readonly lines: readonly (readonly [string, string])[];
}

/**
 * Formats the "what runs where" table the supervisor prints once everything is up.
 *
 * @param rows one per program
 * @returns aligned lines, no trailing newline
 * @example
 * ```ts
 * formatTable([{ name: "dashboard", pid: 42, lines: [["url", "http://127.0.0.1:4280"]] }]);
 * // "  dashboard  pid 42  url  http://127.0.0.1:4280"
 * ```
 */
export function formatTable(rows: readonly TableRow[]): string {
  const nameWidth = Math.max(0, ...rows.map((r) => r.name.length));
  const pidText = (r: TableRow) =>
    [r.pid === undefined ? "" : `pid ${r.pid}`, r.state === undefined ? "" : `[${r.state}]`]
      .filter((s) => s !== "").join(" ");
  const pidWidth = Math.max(0, ...rows.map((r) => pidText(r).length));
  const labelWidth = Math.max(0, ...rows.flatMap((r) => r.lines.map(([l]) => l.length)));
  const out: string[] = [];
  for (const row of rows) {
    const lines = row.lines.length > 0 ? row.lines : [["", ""] as const];
    lines.forEach(([label, value], i) => {
      const head = i === 0
        ? `${row.name.padEnd(nameWidth)}  ${pidText(row).padEnd(pidWidth)}`
        : " ".repeat(nameWidth + 2 + pidWidth);
      out.push(`  ${head}  ${label.padEnd(labelWidth)}  ${value}`.trimEnd());
    });
  }
  return out.join("\n");
}
