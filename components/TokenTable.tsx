import type { TokenView } from "../mods/access/mod.ts";
import { ActionButton } from "../islands/ActionButton.tsx";
import { formatTime } from "./format.ts";
import { Island } from "./Island.tsx";
import { DataTable } from "./ui.tsx";

/** A time as the token tables show it: the UTC date and the time of day. */
function when(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 10)} ${formatTime(ms)}`;
}

/**
 * API tokens, never their secrets, each with a Revoke button: the user's own (Me) or a user's
 * (Users, for admins).
 */
export function TokenTable(
  p: { id: string; tokens: readonly TokenView[]; csrf: string; lastUsed?: boolean },
) {
  return (
    <DataTable
      id={p.id}
      rows={p.tokens}
      empty="No tokens."
      columns={[
        { label: "ID", cell: (t) => <code>{t.id}</code> },
        { label: "Name", cell: (t) => t.name },
        { label: "Role", cell: (t) => t.role },
        { label: "Accounts", cell: (t) => t.scope?.join(", ") ?? "every account" },
        { label: "Expires", cell: (t) => when(t.expires) },
        ...(p.lastUsed
          ? [{
            label: "Last used",
            cell: (t: TokenView) => (t.lastUsed ? when(t.lastUsed) : "never"),
          }]
          : []),
        {
          label: "",
          cell: (t) => (
            <Island
              component={ActionButton}
              props={{ url: `/api/tokens/${t.id}/revoke`, csrf: p.csrf, label: "Revoke" }}
            />
          ),
        },
      ]}
    />
  );
}
