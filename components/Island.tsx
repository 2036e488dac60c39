import type { ComponentType } from "preact";

/** Props of {@linkcode Island}. */
export interface IslandProps<P> {
  /**
   * The component, exported from `islands/<Name>.tsx` under the file's name (the build's
   * islands registry finds it by that name); rendered here with the props the browser hydrates
   * it with.
   */
  readonly component: ComponentType<P>;
  /** Serialisable props. */
  readonly props: NoInfer<P>;
}

/**
 * Server-renders an island and marks it for hydration: the browser bundle finds
 * `[data-island]`, reads its JSON props from `data-props` (an attribute, so no inline script and
 * a strict CSP) and hydrates the component in place.
 */
export function Island<P extends object>({ component: C, props }: IslandProps<P>) {
  return (
    <div class="island" data-island={C.name} data-props={JSON.stringify(props)}>
      <C {...props} />
    </div>
  );
}
