import type { ComponentChildren } from "preact";
import { Card } from "./ui.tsx";

/**
 * A confirmation before an action that changes a server or a client: the question, what it will
 * do, and a form that posts it (with the CSRF token) or goes back. No script: the page works
 * under the strict CSP and without JavaScript.
 */
export function Confirm(p: {
  title: string;
  action: string;
  csrf: string;
  button: string;
  back: string;
  children: ComponentChildren;
}) {
  return (
    <Card title={p.title}>
      <div class="confirm">{p.children}</div>
      <form method="post" action={p.action} class="inline" id="confirm-form">
        <input type="hidden" name="_csrf" value={p.csrf} />
        <button type="submit" class="danger">{p.button}</button>
      </form>{" "}
      <a href={p.back}>Cancel</a>
    </Card>
  );
}
