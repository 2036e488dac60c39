import { z } from "zod";
import { formatBytes, formatCount } from "../../components/format.ts";
import { Island } from "../../components/Island.tsx";
import { Card, DataTable, KeyValues, mono, usage } from "../../components/ui.tsx";
import {
  browseMessages,
  createStream,
  deleteMessage,
  deleteStream,
  estimatePurge,
  EXPORT_FORMATS,
  EXPORT_MEDIA_TYPES,
  type ExportFormat,
  exportMessages,
  getMessage,
  listConsumers,
  listStreams,
  purgeStream,
  replayMessages,
  republishMessage,
  schemaView,
  searchMessages,
  STREAM_PRESETS,
  streamFormFields,
  streamInfo,
  streamPreset,
  streamRow,
  updateStream,
} from "../../mods/jetstream/mod.ts";
import { serverFeatures } from "../../mods/monitor/mod.ts";
import { noteAudit } from "../audit.ts";
import { isInternal } from "../../mods/access/mod.ts";
import { MessageBrowser } from "../../islands/MessageBrowser.tsx";
import { StreamSearch } from "../../islands/StreamSearch.tsx";
import { StreamForm } from "../../islands/StreamForm.tsx";
import { PurgeForm } from "../../islands/PurgeForm.tsx";
import { StreamBackup } from "../../islands/StreamBackup.tsx";
import { ActionButton } from "../../islands/ActionButton.tsx";
import { JsonView } from "../../islands/JsonView.tsx";
import { ConsumerPanel } from "../../islands/ConsumerPanel.tsx";
import { ChartGrid, entityCharts } from "./history.tsx";
import { account, allAccounts, consoleAccounts, criteriaOf, jsonBody, sseOf } from "../console.ts";
import { param, parseParams } from "../query.ts";
import { endpoint, page, type Route } from "../route.ts";
import type { AppContext } from "../context.ts";

const listQuery = z.object({ account: param.name(), name: param.name(), subject: param.name() });

const pageQuery = z.object({
  seq: param.int(Number.MAX_SAFE_INTEGER),
  time: z.string().optional(),
  subject: param.name(),
  direction: param.oneOf(["forward", "backward"]),
  limit: param.int(1000),
});

const purgeQuery = z.object({
  subject: param.name(),
  keep: param.int(Number.MAX_SAFE_INTEGER),
  seq: param.int(Number.MAX_SAFE_INTEGER),
});

const seqParam = z.object({
  seq: z.string().regex(/^\d+$/, "expected a sequence number").transform(Number),
});

/** The running server's version as the account's connection sees it. */
async function versionOf(c: AppContext): Promise<string> {
  return await c.var.services.serverVersion().catch(() => "0.0.0");
}

/** A stream's page data: its info, list row, consumers and what the server supports. */
async function streamDetail(c: AppContext) {
  const ctx = await account(c);
  const name = c.req.param("stream")!;
  const [info, consumers, version, metrics] = await Promise.all([
    streamInfo(ctx, name),
    listConsumers(ctx, name),
    versionOf(c),
    entityCharts(c.var.services, "stream", `${ctx.account}/${name}`),
  ]);
  return {
    account: ctx.account,
    info,
    row: streamRow(ctx.account, info),
    consumers,
    version,
    metrics,
    features: Object.fromEntries(serverFeatures(version).map((f) => [f.feature, f.available])),
  };
}

function base(c: AppContext): string {
  return `/api/streams/${encodeURIComponent(c.req.param("account")!)}/${
    encodeURIComponent(c.req.param("stream")!)
  }`;
}

/**
 * Streams: the list across accounts, a stream's page (overview, messages, search and export,
 * consumers, configuration, purge), creating and editing streams, and the JSON API behind them.
 * Reads need `viewer`; anything that changes a stream or publishes needs `operator`.
 */
export const streamsRoutes: readonly Route[] = [
  ...page({
    path: "/streams",
    scope: "account",
    title: "Streams",
    nav: true,
    query: listQuery,
    twin: {
      path: "/api/streams",
      title: "streams of every account (account, name, subject: which streams hold it)",
    },
    load: async (c, q) => {
      const { contexts, errors } = await allAccounts(c);
      const list = await listStreams(contexts, q);
      return {
        streams: list.streams.filter((r) => !isInternal(r.account, { stream: r.name })),
        errors: [...errors, ...list.errors],
        accounts: consoleAccounts(c),
      };
    },
    render: (v, c, q) => (
      <>
        <form class="filters" method="get" action="/streams">
          <select name="account">
            <option value="">every account</option>
            {v.accounts.map((a) => (
              <option key={a} value={a} selected={q.account === a}>{a}</option>
            ))}
          </select>
          <input name="name" placeholder="name contains" value={q.name ?? ""} />
          <input name="subject" placeholder="holds subject (orders.>)" value={q.subject ?? ""} />
          <button type="submit">Filter</button>
          <a class="button" href="/streams/new">New stream</a>
          <a class="button" href="/publish">Publish</a>
        </form>
        <details class="restore">
          <summary>Restore a stream from a backup</summary>
          <Island
            component={StreamBackup}
            props={{ accounts: v.accounts, stream: null, csrf: c.var.csrf }}
          />
        </details>
        {v.errors.map((e) => (
          <div key={e.account} class="notice warn">{e.account}: {e.message}</div>
        ))}
        <DataTable
          id="streams"
          columns={[
            {
              label: "Stream",
              cell: (s) => (
                <a href={`/streams/${encodeURIComponent(s.account)}/${encodeURIComponent(s.name)}`}>
                  <strong>{s.name}</strong>
                </a>
              ),
            },
            { label: "Account", cell: (s) => s.account },
            {
              label: "Subjects",
              cell: (s) => mono(s.mirror ? `mirror of ${s.mirror}` : s.subjects.join(", ") || "–"),
              wrap: true,
            },
            { label: "Messages", cell: (s) => formatCount(s.messages), num: true },
            { label: "Bytes", cell: (s) => formatBytes(s.bytes), num: true },
            { label: "Consumers", cell: (s) => formatCount(s.consumers), num: true },
            { label: "Replicas", cell: (s) => String(s.replicas), num: true },
            { label: "Leader", cell: (s) => s.leader ?? "–" },
            {
              label: "Limits",
              cell: (s) => (
                <>
                  {s.limits.maxMsgs > 0 && usage(s.messages, s.limits.maxMsgs)}
                  {s.limits.maxBytes > 0 && usage(s.bytes, s.limits.maxBytes)}
                  {s.limits.maxMsgs <= 0 && s.limits.maxBytes <= 0 && "none"}
                </>
              ),
            },
          ]}
          rows={v.streams}
          empty={q.subject ? `No stream holds "${q.subject}".` : "No streams."}
        />
        <p>
          <a href={`/dead-letters`}>Dead letters</a> · <a href="/kv">KV</a> ·{" "}
          <a href="/objects">Object stores</a> · <a href="/services">Services</a>
        </p>
        <input type="hidden" name="_csrf" value={c.var.csrf} />
      </>
    ),
  }),
  ...page({
    path: "/streams/new",
    scope: "account",
    title: "New stream",
    role: "admin",
    twin: {
      path: "/api/streams-form",
      title: "the stream form: presets, fields and which the server has",
    },
    load: async (c) => {
      const version = await versionOf(c);
      return {
        accounts: consoleAccounts(c),
        presets: Object.entries(STREAM_PRESETS).map(([preset, what]) => ({
          preset,
          what,
          config: streamPreset(preset as keyof typeof STREAM_PRESETS, "", []),
        })),
        fields: streamFormFields(version),
        version,
      };
    },
    render: (v, c) => (
      <Island
        component={StreamForm}
        props={{
          mode: "create",
          accounts: v.accounts,
          account: c.req.query("account") ?? v.accounts[0] ?? "",
          presets: v.presets,
          fields: v.fields,
          version: v.version,
          initial: null,
          csrf: c.var.csrf,
        }}
      />
    ),
  }),
  ...page({
    path: "/streams/:account/:stream",
    title: "Stream",
    live: ["history"],
    twin: {
      path: "/api/streams/:account/:stream",
      title: "a stream: configuration, state, placement, sources and its consumers",
    },
    load: (c) => streamDetail(c),
    heading: (v) => `Stream ${v.row.name} (${v.account})`,
    render: (v, c) => {
      const api = base(c);
      const s = v.info.state;
      const canPause = v.features["consumer_pause"] === true;
      return (
        <>
          <nav class="tabs">
            <a href="#overview">Overview</a> <a href="#messages">Messages</a>{" "}
            <a href="#search">Search and export</a> <a href="#consumers">Consumers</a>{" "}
            <a href="#metrics">Metrics</a> <a href="#schema">Schema</a>{" "}
            <a href="#configuration">Configuration</a> <a href="#purge">Purge</a>{" "}
            <a href="#backup">Backup</a>
          </nav>
          <section id="overview">
            <Card title="State">
              <KeyValues
                items={[
                  ["Messages", formatCount(s.messages)],
                  ["Bytes", formatBytes(s.bytes)],
                  ["First · last sequence", `${s.first_seq} · ${s.last_seq}`],
                  ["First · last message", `${s.first_ts ?? "–"} · ${s.last_ts ?? "–"}`],
                  ["Deleted", formatCount(s.num_deleted ?? 0)],
                  ["Subjects", formatCount(s.num_subjects ?? 0)],
                  ["Consumers", formatCount(s.consumer_count)],
                  [
                    "Placement",
                    v.info.cluster
                      ? `${v.info.cluster.name ?? "cluster"}: leader ${
                        v.info.cluster.leader ?? "?"
                      }, replicas ${
                        (v.info.cluster.replicas ?? []).map((r) =>
                          `${r.name}${r.current ? "" : " (behind)"}`
                        ).join(", ") || "none"
                      }`
                      : "standalone",
                  ],
                  [
                    "Mirror",
                    v.info.mirror
                      ? `${v.info.mirror.name}: lag ${
                        formatCount(v.info.mirror.lag)
                      }, active ${v.info.mirror.active} ns ago`
                      : "–",
                  ],
                  [
                    "Sources",
                    (v.info.sources ?? []).map((x) => `${x.name} (lag ${formatCount(x.lag)})`)
                      .join(", ") || "–",
                  ],
                ]}
              />
            </Card>
          </section>
          <section id="metrics">
            <h2>Metrics</h2>
            {v.metrics.length === 0
              ? (
                <p class="muted">
                  No metric history of this stream yet: the history collector writes a point every
                  step (HISTORY_TIERS); `deno task start` runs it.
                </p>
              )
              : <ChartGrid kind="stream" range="1h" charts={v.metrics} />}
            <p>
              <a
                href={`/history?kind=stream&id=${encodeURIComponent(`${v.account}/${v.row.name}`)}`}
              >
                On the History page
              </a>, with the other streams.
            </p>
          </section>
          <section id="messages">
            <h2>Messages</h2>
            <Island
              component={MessageBrowser}
              props={{
                api,
                stream: v.row.name,
                csrf: c.var.csrf,
                firstSeq: s.first_seq,
                lastSeq: s.last_seq,
              }}
            />
          </section>
          <section id="search">
            <h2>Search, export and replay</h2>
            <Island
              component={StreamSearch}
              props={{ api, csrf: c.var.csrf, formats: [...EXPORT_FORMATS] }}
            />
          </section>
          <section id="consumers">
            <h2>Consumers</h2>
            <Island
              component={ConsumerPanel}
              props={{
                api,
                csrf: c.var.csrf,
                consumers: v.consumers,
                version: v.version,
                canPause,
                canUnpin: v.features["consumer_priority_groups"] === true,
                canReset: v.features["consumer_reset"] === true,
                history: `/history?kind=consumer&id=${
                  encodeURIComponent(`${v.account}/${v.row.name}`)
                }`,
              }}
            />
          </section>
          <section id="schema">
            <h2>Schema</h2>
            <p class="muted">
              The JSON shape of each subject's payloads, from the newest 200 messages.
            </p>
            <Island
              component={JsonView}
              props={{ url: `${api}/schema?sample=200`, label: "Infer payload shapes" }}
            />
          </section>
          <section id="configuration">
            <h2>Configuration</h2>
            <Island
              component={StreamForm}
              props={{
                mode: "edit",
                accounts: [v.account],
                account: v.account,
                presets: [],
                fields: streamFormFields(v.version),
                version: v.version,
                initial: v.info.config as unknown as Record<string, unknown>,
                csrf: c.var.csrf,
              }}
            />
            <Island
              component={ActionButton}
              props={{
                url: `${api}/delete`,
                csrf: c.var.csrf,
                label: "Delete stream",
                confirm: `Delete stream "${v.row.name}" with its ${
                  formatCount(s.messages)
                } messages and ${formatCount(s.consumer_count)} consumers?`,
                then: "/streams",
                danger: true,
              }}
            />
          </section>
          <section id="purge">
            <h2>Purge</h2>
            <Island component={PurgeForm} props={{ api, csrf: c.var.csrf }} />
          </section>
          <section id="backup">
            <h2>Backup</h2>
            <p>
              JetStream's snapshot of the stream with its consumers, downloaded as it is taken; a
              backup file restores here, on the Streams page, or with{" "}
              <code>deno task restore stream FILE</code>.
            </p>
            <Island
              component={StreamBackup}
              props={{
                accounts: [v.account],
                stream: v.row.name,
                csrf: c.var.csrf,
              }}
            />
          </section>
        </>
      );
    },
  }),
  endpoint({
    method: "POST",
    path: "/api/streams/:account",
    action: "streams.create",
    title: "create a stream (JSON StreamConfig; durations as 1h, 90s)",
    role: "admin",
    handle: async (c) => {
      const info = await createStream(await account(c), await jsonBody(c));
      noteAudit(c, {
        target: `${c.req.param("account")}/${info.config.name}`,
        before: null,
        after: info.config,
      });
      return streamRow(c.req.param("account")!, info);
    },
  }),
  endpoint({
    method: "POST",
    path: "/api/streams/:account/:stream/edit",
    title: "edit a stream (the fields to change)",
    role: "admin",
    handle: async (c) => {
      const ctx = await account(c);
      const before = (await streamInfo(ctx, c.req.param("stream")!)).config;
      const info = await updateStream(ctx, c.req.param("stream")!, await jsonBody(c));
      noteAudit(c, { before, after: info.config });
      return streamRow(c.req.param("account")!, info);
    },
  }),
  endpoint({
    method: "POST",
    path: "/api/streams/:account/:stream/delete",
    title: "delete a stream",
    role: "admin",
    handle: async (c) => {
      const ctx = await account(c);
      const before = (await streamInfo(ctx, c.req.param("stream")!)).config;
      await deleteStream(ctx, c.req.param("stream")!);
      noteAudit(c, { before, after: null });
      return { deleted: c.req.param("stream") };
    },
  }),
  endpoint({
    path: "/api/streams/:account/:stream/purge",
    title: "what a purge would remove (subject, keep, seq)",
    query: purgeQuery,
    handle: async (c, q) => estimatePurge(await account(c), c.req.param("stream")!, q),
  }),
  endpoint({
    method: "POST",
    path: "/api/streams/:account/:stream/purge",
    title: "purge a stream: all, { subject }, { keep }, { seq }",
    role: "operator",
    handle: async (c) =>
      purgeStream(await account(c), c.req.param("stream")!, await jsonBody(c) as never),
  }),
  endpoint({
    path: "/api/streams/:account/:stream/messages",
    title: "a page of messages without a consumer (seq or time, subject, direction, limit)",
    query: pageQuery,
    handle: async (c, q) => {
      const { nc } = await account(c);
      const at = q.time ? { time: q.time } : q.seq !== undefined ? { seq: q.seq } : undefined;
      return browseMessages(nc, c.req.param("stream")!, {
        at,
        direction: q.direction,
        subject: q.subject,
        limit: q.limit,
      });
    },
  }),
  endpoint({
    path: "/api/streams/:account/:stream/messages/:seq",
    title: "one message: headers, payload as JSON, text, hex, base64, natscli commands",
    handle: async (c) =>
      getMessage(
        await account(c),
        c.req.param("stream")!,
        parseParams(seqParam, { seq: c.req.param("seq")! }).seq,
      ),
  }),
  endpoint({
    method: "POST",
    path: "/api/streams/:account/:stream/messages/:seq/delete",
    title: "delete a message ({ erase: true } overwrites it)",
    role: "operator",
    handle: async (c) => {
      const seq = parseParams(seqParam, { seq: c.req.param("seq")! }).seq;
      const body = await jsonBody(c) as { erase?: unknown };
      await deleteMessage(await account(c), c.req.param("stream")!, seq, body.erase === true);
      return { deleted: seq };
    },
  }),
  endpoint({
    method: "POST",
    path: "/api/streams/:account/:stream/messages/:seq/republish",
    title: "publish a message again, optionally edited (subject, headers, payload)",
    role: "operator",
    handle: async (c) =>
      republishMessage(
        await account(c),
        c.req.param("stream")!,
        parseParams(seqParam, { seq: c.req.param("seq")! }).seq,
        await jsonBody(c) as never,
      ),
  }),
  endpoint({
    path: "/api/streams/:account/:stream/search",
    title: "search (subject, fromSeq, toSeq, fromTime, toTime, header, headerValue, text, limit) " +
      "as Server-Sent Events; closing the stream cancels it",
    handle: async (c) => {
      const { nc } = await account(c);
      const criteria = criteriaOf(c);
      return sseOf(c, (signal) => searchMessages(nc, c.req.param("stream")!, criteria, { signal }));
    },
  }),
  endpoint({
    path: "/api/streams/:account/:stream/export",
    title: "export a range or search result (format json, ndjson, csv; the search parameters)",
    handle: async (c) => {
      const { nc } = await account(c);
      const format = (c.req.query("format") || "ndjson") as ExportFormat;
      const stream = c.req.param("stream")!;
      const { body } = await exportMessages(nc, stream, criteriaOf(c), { format });
      return c.body(body, 200, {
        "Content-Type": EXPORT_MEDIA_TYPES[format],
        "Content-Disposition": `attachment; filename="${stream}.${format}"`,
        "Cache-Control": "no-store",
      });
    },
  }),
  endpoint({
    method: "POST",
    path: "/api/streams/:account/:stream/replay",
    title: "replay a range or search result ({ criteria, options: { to, ratePerSecond, dryRun } })",
    role: "operator",
    handle: async (c) => {
      const body = await jsonBody(c) as { criteria?: unknown; options?: unknown };
      return replayMessages(
        await account(c),
        c.req.param("stream")!,
        body.criteria ?? {},
        (body.options ?? {}) as never,
        c.req.raw.signal,
      );
    },
  }),
  endpoint({
    path: "/api/streams/:account/:stream/schema",
    title: "the JSON shape of each subject's payloads, from the newest messages (subject, sample)",
    query: z.object({ subject: param.name(), sample: param.int(1000) }),
    handle: async (c, q) => schemaView((await account(c)).nc, c.req.param("stream")!, q),
  }),
  endpoint({
    path: "/api/streams/:account/:stream/consumers",
    title: "a stream's consumers with their lag",
    handle: async (c) => listConsumers(await account(c), c.req.param("stream")!),
  }),
];
