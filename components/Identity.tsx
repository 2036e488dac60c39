import type { ComponentChildren } from "preact";
import type { AuditRecord } from "../mods/audit/mod.ts";
import type { IdentityAccount, IdentityUser } from "../mods/dashboard/mod.ts";
import { formatBytes, formatCount, formatTime } from "./format.ts";
import { badge, Card, DataTable } from "./ui.tsx";

const LIMITS = [
  ["connections", "Connections", "count"],
  ["leafNodes", "Leaf nodes", "count"],
  ["subscriptions", "Subscriptions", "count"],
  ["payload", "Max payload", "bytes"],
  ["jsMemory", "JetStream memory", "bytes"],
  ["jsDisk", "JetStream disk", "bytes"],
] as const;

/**
 * A limit for display: -1 unlimited, a count or a size.
 *
 * @param n the limit
 * @param kind count or bytes
 * @returns e.g. `unlimited`, `100`, `1.0 GiB`
 */
export function formatLimit(n: number, kind: "count" | "bytes"): string {
  if (n < 0) return "unlimited";
  return kind === "bytes" ? formatBytes(n) : formatCount(n);
}

/** s since the epoch, for display. */
const at = (s: number | null) => s === null ? "–" : formatTime(s * 1000);

/** The shortened public key, with the whole one as a tooltip. */
export function PublicKey(p: { value: string }) {
  return <span class="mono" title={p.value}>{p.value.slice(0, 10)}…</span>;
}

/** The controller's accounts with their kind and limits. */
export function IdentityAccounts(p: { accounts: readonly IdentityAccount[] }) {
  return (
    <DataTable<IdentityAccount>
      id="identity-accounts"
      columns={[
        {
          label: "Account",
          cell: (a) => <a href={`/accounts/${encodeURIComponent(a.name)}`}>{a.name}</a>,
        },
        { label: "Kind", cell: (a) => a.kind },
        { label: "Key", cell: (a) => <PublicKey value={a.publicKey} /> },
        ...LIMITS.map(([field, label, kind]) => ({
          label,
          cell: (a: IdentityAccount) => formatLimit(a.limits[field], kind),
          num: true,
        })),
        {
          label: "Telemetry to OPS",
          cell: (a) => a.kind === "tenant" ? (a.telemetry ? "as tenant." + a.name : "off") : "–",
        },
        { label: "Revoked users", cell: (a) => formatCount(a.revoked), num: true },
      ]}
      rows={p.accounts}
      empty="No accounts."
    />
  );
}

/** A checkbox with its label; `off` also sends `false` when unticked (a change form). */
function Checkbox(p: { name: string; label: string; checked?: boolean; off?: boolean }) {
  return (
    <label>
      <span>
        {p.off && <input type="hidden" name={p.name} value="false" />}
        <input type="checkbox" name={p.name} value="true" checked={p.checked} /> {p.label}
      </span>
    </label>
  );
}

/** A form action in a card: posts with the CSRF token. */
function ActionForm(
  p: { action: string; id: string; csrf: string; children: ComponentChildren },
) {
  return (
    <form method="post" action={p.action} class="filters" id={p.id}>
      <input type="hidden" name="_csrf" value={p.csrf} />
      {p.children}
    </form>
  );
}

function LimitFields(p: { limits?: IdentityAccount["limits"] }) {
  return (
    <>
      {LIMITS.map(([field, label, kind]) => (
        <label key={field}>
          {label}
          {kind === "bytes" ? " (bytes)" : ""}
          <input
            name={field}
            inputMode="numeric"
            pattern="-?[0-9]+"
            placeholder={p.limits ? String(p.limits[field]) : "-1 unlimited"}
            size={12}
          />
        </label>
      ))}
    </>
  );
}

/** The form that creates a tenant account. */
export function CreateAccountForm(p: { csrf: string }) {
  return (
    <Card title="Create a tenant account">
      <ActionForm action="/accounts" id="create-account" csrf={p.csrf}>
        <label>
          Name
          <input name="name" required pattern="[A-Z][A-Z0-9_\-]{0,31}" placeholder="FLEET" />
        </label>
        <LimitFields />
        <Checkbox name="telemetry" label="telemetry to OPS" checked off />
        <button type="submit">Create</button>
      </ActionForm>
      <p class="muted">
        The account works at once (its JWT goes to nats-server's resolver, no restart). Empty limits
        are unlimited. With telemetry, its units' heartbeats, metrics and logs appear in OPS as
        tenant.&lt;NAME&gt;.ops.… and in the Units table under the account's name.
      </p>
    </Card>
  );
}

/** The form that changes an account's limits live. */
export function LimitsForm(p: { csrf: string; account: IdentityAccount }) {
  const a = p.account;
  return (
    <Card title="Limits">
      <ActionForm
        action={`/accounts/${encodeURIComponent(a.name)}/limits`}
        id="account-limits"
        csrf={p.csrf}
      >
        <LimitFields limits={a.limits} />
        {a.kind === "tenant" && (
          <Checkbox name="telemetry" label="telemetry to OPS" checked={a.telemetry} off />
        )}
        <button type="submit">Change</button>
      </ActionForm>
      <p class="muted">
        Now: {LIMITS.map(([f, label, kind]) => `${label} ${formatLimit(a.limits[f], kind)}`).join(
          " · ",
        )}. Empty fields stay as they are; -1 is unlimited. Changed live: connections over a lowered
        limit are closed by the server.
      </p>
    </Card>
  );
}

/** An account's users, with revoke and (for guardian and app units) download. */
export function UsersTable(p: { csrf: string; account: string; users: readonly IdentityUser[] }) {
  const base = `/accounts/${encodeURIComponent(p.account)}/users`;
  return (
    <DataTable<IdentityUser>
      id="users"
      columns={[
        { label: "Name", cell: (u) => <span class="mono">{u.name}</span> },
        {
          label: "Kind",
          cell: (u) =>
            u.kind === "unit"
              ? `${u.role ?? "unit"}${u.timeMaster ? " (time master)" : ""}`
              : u.kind,
        },
        { label: "Public key", cell: (u) => <PublicKey value={u.publicKey} /> },
        { label: "Issued", cell: (u) => `${at(u.issuedAt)} by ${u.issuedBy}` },
        { label: "Expires", cell: (u) => at(u.expiresAt) },
        {
          label: "State",
          cell: (u) =>
            u.revokedAt !== null
              ? badge("bad", `revoked ${at(u.revokedAt)}`)
              : u.active
              ? badge("good", "active")
              : badge("none", "expired"),
        },
        {
          label: "",
          cell: (u) =>
            u.active && (
              <>
                {u.kind === "unit" && u.role !== "browser" && (
                  <form
                    method="post"
                    action={`${base}/${u.publicKey}/creds`}
                    class="inline"
                  >
                    <input type="hidden" name="_csrf" value={p.csrf} />
                    <button type="submit" class="small">.creds</button>
                  </form>
                )}{" "}
                {u.kind !== "service" && (
                  <form method="post" action={`${base}/${u.publicKey}/revoke`} class="inline">
                    <input type="hidden" name="_csrf" value={p.csrf} />
                    <button type="submit" class="small danger">Revoke</button>
                  </form>
                )}
              </>
            ),
        },
      ]}
      rows={p.users}
      empty="No users."
    />
  );
}

/** The form that issues a unit's credentials in an account (the .creds come as a download). */
export function IssueUnitForm(p: { csrf: string; account: string }) {
  return (
    <Card title="Issue unit credentials">
      <ActionForm
        action={`/accounts/${encodeURIComponent(p.account)}/units`}
        id="issue-unit"
        csrf={p.csrf}
      >
        <label>
          Unit ID
          <input name="unitId" required pattern="[A-Za-z0-9_\-]{1,64}" placeholder="sensor-12" />
        </label>
        <label>
          Role
          <select name="role">
            <option value="app">app</option>
            <option value="guardian">guardian</option>
          </select>
        </label>
        <Checkbox name="timeMaster" label="time master" />
        <Checkbox name="replace" label="replace (revoke the current ones)" />
        <button type="submit">Issue and download</button>
      </ActionForm>
      <p class="muted">
        The unit may publish only its own telemetry and subscribe only its own echo subject and
        inbox; the .creds file is its identity (keep it secret).
      </p>
    </Card>
  );
}

/** The form that provisions a router in one step (its bundle as a tar download). */
export function ProvisionForm(p: { csrf: string }) {
  return (
    <Card title="Provision a router">
      <ActionForm action="/units/provision" id="provision-router" csrf={p.csrf}>
        <label>
          Router (unit ID)
          <input name="unitId" required pattern="[A-Za-z0-9_\-]{1,64}" placeholder="router-07" />
        </label>
        <Checkbox name="timeMaster" label="time master" />
        <Checkbox name="replace" label="replace (a lost or rebuilt router)" />
        <button type="submit">Provision and download</button>
      </ActionForm>
      <p class="muted">
        The bundle holds the router's .creds, its guardian.env and its leaf.conf (the link to this
        hub authenticates as the router). On the router: unpack it into /etc/nunect and start
        nats-server -c /etc/nunect/leaf.conf and the guardian.
      </p>
    </Card>
  );
}

/** Recorded changes (the audit trail), newest first. */
export function AuditTable(p: { records: readonly AuditRecord[] }) {
  return (
    <DataTable<AuditRecord>
      id="audit"
      columns={[
        { label: "When", cell: (r) => formatTime(r.at) },
        { label: "Who", cell: (r) => r.actor },
        { label: "What", cell: (r) => <span class="mono">{r.action}</span> },
        { label: "Target", cell: (r) => r.target, wrap: true },
        {
          label: "Result",
          cell: (r) => r.ok ? badge("good", "done") : badge("bad", r.error ?? "refused"),
          wrap: true,
        },
      ]}
      rows={p.records}
      empty="No changes recorded."
    />
  );
}
