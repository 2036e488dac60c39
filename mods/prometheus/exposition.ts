/** A metric family's type in the text exposition format. */
export type MetricType = "gauge" | "counter" | "untyped";

interface Family {
  help: string;
  type: MetricType;
  samples: string[];
}

/** Escapes a label value: backslash, double quote and line feed. */
function labelValue(v: string): string {
  if (!/[\\"\n]/.test(v)) return v;
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Formats a sample value as Prometheus expects (`NaN`, `+Inf`, `-Inf`). */
function sampleValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Number.POSITIVE_INFINITY) return "+Inf";
  if (v === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(v);
}

/** Metric and label names: `[a-zA-Z_:][a-zA-Z0-9_:]*`. */
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

/**
 * Builds a scrape in the Prometheus text exposition format (version 0.0.4): families with
 * `# HELP` and `# TYPE`, samples with escaped labels; each family's samples stay together
 * whatever order they are added in, and a repeated series keeps its first value.
 *
 * @example
 * ```ts
 * const out = new Exposition();
 * out.add("gnatsd_varz_connections", "connections", "gauge", { server_id: "n1" }, 3);
 * out.text(); // "# HELP gnatsd_varz_connections connections\n# TYPE …\ngnatsd_varz_connections{server_id=\"n1\"} 3\n"
 * ```
 */
export class Exposition {
  readonly #families = new Map<string, Family>();
  readonly #seen = new Set<string>();
  readonly #rendered = new WeakMap<object, string>();

  /**
   * Adds one sample.
   *
   * @param name the metric name
   * @param help one line of help (the first one given for a family is kept)
   * @param type gauge, counter or untyped
   * @param labels label name to value
   * @param value the number
   */
  add(
    name: string,
    help: string,
    type: MetricType,
    labels: Readonly<Record<string, string>>,
    value: number,
  ): void {
    let family = this.#families.get(name);
    if (family === undefined) {
      if (!NAME.test(name)) return;
      family = { help: help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n"), type, samples: [] };
      this.#families.set(name, family);
    }
    const series = name + this.#labels(labels);
    if (this.#seen.has(series)) return;
    this.#seen.add(series);
    family.samples.push(`${series} ${sampleValue(value)}`);
  }

  /**
   * `{k="v",…}` for a label set, rendered once per object: the exporter's collectors pass the
   * same set for all the samples of one stream or consumer, so a large scrape escapes each value
   * once. Label names are the code's own constants.
   */
  #labels(labels: Readonly<Record<string, string>>): string {
    let text = this.#rendered.get(labels);
    if (text === undefined) {
      const parts: string[] = [];
      for (const k in labels) parts.push(`${k}="${labelValue(labels[k]!)}"`);
      text = parts.length === 0 ? "" : `{${parts.join(",")}}`;
      this.#rendered.set(labels, text);
    }
    return text;
  }

  /** Names of the families added so far. */
  names(): string[] {
    return [...this.#families.keys()];
  }

  /** The scrape body. */
  text(): string {
    const out: string[] = [];
    for (const [name, f] of this.#families) {
      out.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`, ...f.samples);
    }
    return out.length === 0 ? "" : out.join("\n") + "\n";
  }
}

/** The Content-Type of a text-format scrape. */
export const EXPOSITION_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
