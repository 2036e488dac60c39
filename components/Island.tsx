import type { ComponentType } from "preact";

/** Props of {@linkcode Island}. */
export interface IslandProps<P> {
  /** The island's name as registered in islands/hydrate.ts, e.g. `"ActivityLog"`. */
  readonly name: string;
  /** The component, rendered on the server with the same props the browser hydrates with. */
  readonly component: ComponentType<P>;
  /** Serialisable props. */
  readonly props: NoInfer<P>;
}

/**
 * Server-renders an island and marks it for hydration: the browser bundle finds
 * `[data-island]`, reads its JSON props from `data-props` (an attribute, so no inline script and
 * a strict CSP) and hydrates the component in place.
 */
export function Island<P extends object>({ name, component: C, props }: IslandProps<P>) {
  return (
    <div class="island" data-island={name} data-props={JSON.stringify(props)}>
      <C {...props} />
    </div>
  );
}
