import type { ParseArgsConfig } from "node:util";
import type { ApiClient } from "./api_client.ts";
import { CliError } from "./errors.ts";
import { type Credentials, withSession } from "./session_login.ts";
import { table } from "./table.ts";

/** What a command gets to work with. */
export interface CommandContext {
  /** The dashboard's API, with the token. */
  readonly api: ApiClient;
  /** `--json`: print the API's answer as JSON instead of a table. */
  readonly json: boolean;
  /** Prints one line. */
  readonly print: (line: string) => void;
  /** Asks the person at the terminal (the password without echo). */
  readonly ask: (question: string, secret: boolean) => Promise<string>;
}

/** Parsed arguments of a command. */
export interface CommandArgs {
  /** The words after the command's own, e.g. the stream's account and name. */
  readonly positionals: readonly string[];
  /** The options given, by name (`--json` is `json: true`). */
  readonly values: Record<string, string | boolean | undefined>;
}

/** One command of the CLI. */
export interface Command {
  /** The words that name it, e.g. `streams purge`. */
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The arguments, e.g. `<account> <stream> [--subject S] --yes`. */
  readonly usage: string;
  /** What `--help` adds: each option, and the role the dashboard asks for. */
  readonly details: string;
  /** The options beyond `--json` and `--help`. */
  readonly options?: ParseArgsConfig["options"];
  /** How many positional arguments it takes. */
  readonly arity: number;
  /** Runs it; returns the API's answer (printed as JSON with `--json`). */
  readonly run: (ctx: CommandContext, args: CommandArgs) => Promise<unknown>;
}

const enc = encodeURIComponent;
const str = (v: unknown) => (v === undefined || v === null ? "–" : String(v));
const ago = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? "never" : `${Math.round((Date.now() - ms) / 1000)} s ago`;
const date = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace("T", " ");

function scopeOf(v: string | boolean | undefined): string[] | null | undefined {
  if (typeof v !== "string") return undefined;
  const names = v.split(",").map((s) => s.trim()).filter((s) => s !== "");
  return names.length === 0 || (names.length === 1 && names[0] === "*") ? null : names;
}

function intOf(name: string, v: string | boolean | undefined): number | undefined {
  if (typeof v !== "string") return undefined;
  if (!/^\d+$/.test(v)) {
    throw new CliError(`Invalid --${name} "${v}": expected a whole number`, { exitCode: 2 });
  }
  return Number(v);
}

function show(ctx: CommandContext, header: string[], rows: string[][], empty: string): void {
  if (rows.length === 0) ctx.print(empty);
  else for (const line of table(header, rows)) ctx.print(line);
}

async function credentials(ctx: CommandContext, user: string): Promise<Credentials> {
  const password = await ctx.ask(`Password of ${user}: `, true);
  return { user, password, code: () => ctx.ask("Code from the authenticator app: ", false) };
}

type Row = Record<string, unknown>;

/**
 * The CLI's commands: each one a call of the dashboard's JSON API (the same routes, roles,
 * scopes and audit trail as the browser's), printed as a table or, with `--json`, as JSON.
 */
export const COMMANDS: readonly Command[] = [
  {
    name: "status",
    summary: "the dashboard, its NATS server and who the token acts for",
    usage: "",
    details: "Any role. A token limited to accounts sees no server-wide figures.",
    arity: 0,
    run: async (ctx) => {
      const me = await ctx.api.get<{ user: Row; via: string }>("/api/me");
      const scope = me.user.scope as string[] | null;
      const server = scope === null ? await ctx.api.get<Row>("/api/varz") : null;
      const out = { user: me.user, server };
      if (!ctx.json) {
        ctx.print(`dashboard  ${ctx.api.url}`);
        ctx.print(
          `user       ${me.user.name} (${me.user.role}, ${scope?.join(", ") ?? "every account"})`,
        );
        if (server !== null) {
          ctx.print(`server     ${server.server_name} nats-server ${server.version}`);
          ctx.print(
            `clients    ${server.connections} connections, ${server.subscriptions} subscriptions`,
          );
          ctx.print(`uptime     ${server.uptime}`);
        }
      }
      return out;
    },
  },
  {
    name: "units",
    summary: "units with heartbeat, RTT and clock",
    usage: "[--q TEXT] [--limit N]",
    details: "--q    only units whose ID or host contains TEXT\n--limit    at most N (100)",
    options: { q: { type: "string" }, limit: { type: "string" } },
    arity: 0,
    run: async (ctx, a) => {
      const v = await ctx.api.get<{ total: number; units: Row[] }>("/api/units", {
        q: a.values.q as string | undefined,
        limit: intOf("limit", a.values.limit),
      });
      if (!ctx.json) {
        show(
          ctx,
          ["UNIT", "KIND", "HOST", "STATE", "RTT µs", "CLOCK"],
          v.units.map((u) => {
            const hb = u.heartbeat as Row | null;
            const rtt = u.rtt as Row | null;
            const clock = hb?.clock as Row | undefined;
            return [
              str(u.unitId),
              str(hb?.kind),
              str(hb?.host),
              u.stale ? "stale" : "live",
              str(rtt?.nativeRttUs),
              clock ? `${clock.source}/${clock.quality}` : "–",
            ];
          }),
          "No units.",
        );
        ctx.print(`${v.units.length} of ${v.total}`);
      }
      return v;
    },
  },
  {
    name: "connections",
    summary: "client connections (an account's with --acc)",
    usage: "[--acc ACCOUNT] [--limit N]",
    details: "--acc    only this account's\n--limit    at most N (50)",
    options: { acc: { type: "string" }, limit: { type: "string" } },
    arity: 0,
    run: async (ctx, a) => {
      const v = await ctx.api.get<{ total: number; connections: Row[] }>("/api/connz", {
        acc: a.values.acc as string | undefined,
        limit: intOf("limit", a.values.limit),
      });
      if (!ctx.json) {
        show(
          ctx,
          ["CID", "NAME", "ACCOUNT", "USER", "ADDRESS", "SUBS", "UPTIME"],
          v.connections.map((c) => [
            str(c.cid),
            str(c.name || "–"),
            str(c.account),
            str(c.authorized_user),
            `${c.ip}:${c.port}`,
            str(c.subscriptions),
            str(c.uptime),
          ]),
          "No connections.",
        );
      }
      return v;
    },
  },
  {
    name: "connections kick",
    summary: "disconnect a client (nats-server ≥ 2.10)",
    usage: "<cid>",
    details: "Role operator; an account-scoped token kicks its accounts' clients only.",
    arity: 1,
    run: async (ctx, a) => {
      const cid = intOf("cid", a.positionals[0]);
      const v = await ctx.api.post<Row>(`/api/connections/${cid}/kick`);
      if (!ctx.json) ctx.print(`Client ${cid} disconnected on ${v.server}`);
      return v;
    },
  },
  {
    name: "streams ls",
    summary: "streams of every account in scope",
    usage: "[--account ACCOUNT]",
    details: "--account    only this account's",
    options: { account: { type: "string" } },
    arity: 0,
    run: async (ctx, a) => {
      const v = await ctx.api.get<{ streams: Row[] }>("/api/streams", {
        account: a.values.account as string | undefined,
      });
      if (!ctx.json) {
        show(
          ctx,
          ["ACCOUNT", "STREAM", "SUBJECTS", "MESSAGES", "BYTES", "CONSUMERS"],
          v.streams.map((s) => [
            str(s.account),
            str(s.name),
            (s.subjects as string[]).join(","),
            str(s.messages),
            str(s.bytes),
            str(s.consumers),
          ]),
          "No streams.",
        );
      }
      return v;
    },
  },
  {
    name: "streams info",
    summary: "a stream's configuration and state",
    usage: "<account> <stream>",
    details: "",
    arity: 2,
    run: async (ctx, a) => {
      const [account, stream] = a.positionals as [string, string];
      const v = await ctx.api.get<Row>(`/api/streams/${enc(account)}/${enc(stream)}`);
      if (!ctx.json) {
        const info = (v.info ?? v) as Row;
        const config = info.config as Row | undefined;
        const state = info.state as Row | undefined;
        ctx.print(`stream     ${account}/${stream}`);
        ctx.print(`subjects   ${(config?.subjects as string[] | undefined)?.join(", ") ?? "–"}`);
        ctx.print(`messages   ${str(state?.messages)} (${str(state?.bytes)} bytes)`);
        ctx.print(`sequences  ${str(state?.first_seq)}…${str(state?.last_seq)}`);
        ctx.print(`retention  ${str(config?.retention)}, storage ${str(config?.storage)}`);
      }
      return v;
    },
  },
  {
    name: "streams purge",
    summary: "purge a stream (all, a subject, keep the newest, or up to a sequence)",
    usage: "<account> <stream> [--subject S] [--keep N] [--seq N] --yes",
    details: "Role operator. Without --yes nothing is purged: it says what would be removed.",
    options: {
      subject: { type: "string" },
      keep: { type: "string" },
      seq: { type: "string" },
      yes: { type: "boolean" },
    },
    arity: 2,
    run: async (ctx, a) => {
      const [account, stream] = a.positionals as [string, string];
      const body = Object.fromEntries(
        Object.entries({
          subject: a.values.subject as string | undefined,
          keep: intOf("keep", a.values.keep),
          seq: intOf("seq", a.values.seq),
        }).filter(([, v]) => v !== undefined),
      );
      const path = `/api/streams/${enc(account)}/${enc(stream)}/purge`;
      if (a.values.yes !== true) {
        const v = await ctx.api.get<Row>(path, body as Record<string, string | number>);
        if (!ctx.json) {
          ctx.print(`Would remove ${str(v.messages ?? v.purged)} messages; add --yes to purge`);
        }
        return v;
      }
      const v = await ctx.api.post<Row>(path, body);
      if (!ctx.json) ctx.print(`Purged ${str(v.purged)} messages from ${account}/${stream}`);
      return v;
    },
  },
  {
    name: "kv get",
    summary: "a key's value",
    usage: "<account> <bucket> <key>",
    details: "",
    arity: 3,
    run: async (ctx, a) => {
      const [account, bucket, key] = a.positionals as [string, string, string];
      const v = await ctx.api.get<Row>(`/api/kv/${enc(account)}/${enc(bucket)}/entry`, { key });
      if (!ctx.json) {
        const view = (v.value ?? {}) as Row;
        ctx.print(String(view.text ?? view.json ?? view.base64 ?? JSON.stringify(v.value)));
      }
      return v;
    },
  },
  {
    name: "kv put",
    summary: "put a value",
    usage: "<account> <bucket> <key> <value>",
    details: "Role operator.",
    arity: 4,
    run: async (ctx, a) => {
      const [account, bucket, key, value] = a.positionals as [string, string, string, string];
      const v = await ctx.api.post<Row>(
        `/api/kv/${enc(account)}/${enc(bucket)}/put`,
        { value },
        { key },
      );
      if (!ctx.json) ctx.print(`${bucket}/${key} = revision ${str(v.revision)}`);
      return v;
    },
  },
  {
    name: "alerts ls",
    summary: "alerts, firing first",
    usage: "",
    details: "",
    arity: 0,
    run: async (ctx) => {
      const v = await ctx.api.get<{ available: boolean; reason?: string; states: Row[] }>(
        "/api/alerts",
      );
      if (!ctx.json) {
        if (!v.available) ctx.print(str(v.reason));
        else {
          show(
            ctx,
            ["RULE", "TARGET", "STATUS", "SEVERITY", "SINCE", "ACK"],
            v.states.map((s) => [
              str(s.ruleId),
              str(s.target),
              str(s.status),
              str(s.severity),
              str(s.since),
              s.ack ? `by ${(s.ack as Row).by}` : "–",
            ]),
            "No alerts.",
          );
        }
      }
      return v;
    },
  },
  {
    name: "alerts ack",
    summary: "acknowledge a firing alert",
    usage: "<rule> <target> [--comment TEXT]",
    details: "Role operator.",
    options: { comment: { type: "string" } },
    arity: 2,
    run: async (ctx, a) => {
      const [ruleId, target] = a.positionals as [string, string];
      const v = await ctx.api.post<Row>("/api/alerts/ack", {
        ruleId,
        target,
        comment: a.values.comment ?? "",
      });
      if (!ctx.json) ctx.print(`Acknowledged ${ruleId} on ${target}`);
      return v;
    },
  },
  {
    name: "users ls",
    summary: "dashboard users",
    usage: "",
    details: "Role admin.",
    arity: 0,
    run: async (ctx) => {
      const v = await ctx.api.get<{ users: Row[] }>("/api/users");
      if (!ctx.json) {
        show(
          ctx,
          ["USER", "ROLE", "ACCOUNTS", "2FA", "STATE", "TOKENS"],
          v.users.map((u) => [
            str(u.name),
            str(u.role),
            (u.scope as string[] | null)?.join(",") ?? "*",
            str(u.totp),
            u.disabled ? "disabled" : "active",
            str(u.tokens),
          ]),
          "No users.",
        );
      }
      return v;
    },
  },
  {
    name: "users add",
    summary: "create a dashboard user (the password is asked for)",
    usage: "<name> --role viewer|operator|admin [--accounts A,B] [--note TEXT]",
    details: "Role admin. --accounts limits the user to those accounts (default: every account).",
    options: {
      role: { type: "string" },
      accounts: { type: "string" },
      note: { type: "string" },
    },
    arity: 1,
    run: async (ctx, a) => {
      if (typeof a.values.role !== "string") {
        throw new CliError("Missing --role: viewer, operator or admin", { exitCode: 2 });
      }
      const name = a.positionals[0]!;
      const password = await ctx.ask(`New password for ${name} (12+ characters): `, true);
      const v = await ctx.api.post<Row>("/api/users", {
        name,
        role: a.values.role,
        scope: scopeOf(a.values.accounts) ?? null,
        password,
        note: a.values.note ?? "",
      });
      if (!ctx.json) ctx.print(`Created ${name} (${v.role})`);
      return v;
    },
  },
  {
    name: "users disable",
    summary: "disable a user: its sessions end, its tokens are refused",
    usage: "<name>",
    details: "Role admin.",
    arity: 1,
    run: async (ctx, a) => {
      const name = a.positionals[0]!;
      const v = await ctx.api.post<Row>(`/api/users/${enc(name)}/disable`);
      if (!ctx.json) ctx.print(`Disabled ${name}; ${str(v.sessionsEnded)} sessions ended`);
      return v;
    },
  },
  {
    name: "tokens ls",
    summary: "the token's user's API tokens",
    usage: "",
    details: "",
    arity: 0,
    run: async (ctx) => {
      const v = await ctx.api.get<{ tokens: Row[] }>("/api/tokens");
      if (!ctx.json) {
        show(
          ctx,
          ["ID", "NAME", "ROLE", "ACCOUNTS", "EXPIRES", "LAST USED"],
          v.tokens.map((t) => [
            str(t.id),
            str(t.name),
            str(t.role),
            (t.scope as string[] | null)?.join(",") ?? "*",
            date(t.expires as number),
            ago(t.lastUsed as number | null),
          ]),
          "No tokens.",
        );
      }
      return v;
    },
  },
  {
    name: "tokens create",
    summary: "make an API token by logging in (a token cannot make tokens)",
    usage: "<name> --user NAME [--role R] [--accounts A,B] [--days N]",
    details: "Asks for the password (and the second factor's code). The token is printed once:\n" +
      "export it as NUNECT_TOKEN. --role and --accounts can only narrow the user's.",
    options: {
      user: { type: "string" },
      role: { type: "string" },
      accounts: { type: "string" },
      days: { type: "string" },
    },
    arity: 1,
    run: async (ctx, a) => {
      if (typeof a.values.user !== "string") {
        throw new CliError("Missing --user: the dashboard user to log in as", { exitCode: 2 });
      }
      const who = await credentials(ctx, a.values.user);
      const body = Object.fromEntries(
        Object.entries({
          name: a.positionals[0],
          role: a.values.role,
          scope: scopeOf(a.values.accounts),
          days: intOf("days", a.values.days),
        }).filter(([, v]) => v !== undefined),
      );
      const v = await withSession(ctx.api.url, who, (post) => post<Row>("/api/tokens", body));
      if (!ctx.json) {
        ctx.print(String(v.token));
        ctx.print(
          `(${v.role}, ${(v.scope as string[] | null)?.join(",") ?? "every account"}, ` +
            `until ${date(v.expires as number)}; shown once)`,
        );
      }
      return v;
    },
  },
  {
    name: "tokens revoke",
    summary: "revoke an API token at once",
    usage: "<id>",
    details: "Your own tokens; an admin any.",
    arity: 1,
    run: async (ctx, a) => {
      const id = a.positionals[0]!;
      const v = await ctx.api.post<Row>(`/api/tokens/${enc(id)}/revoke`);
      if (!ctx.json) ctx.print(`Revoked ${id} (${v.name})`);
      return v;
    },
  },
];
