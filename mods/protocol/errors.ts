/**
 * Base class of every error nunect raises for invalid input; `cause` carries the origin. Each
 * subclass spells out its `name`, which minifiers would otherwise shorten in browser bundles.
 */
export class NunectError extends Error {
  /**
   * Makes the error.
   *
   * @param message what is wrong, with the offending value quoted
   * @param options the underlying cause, if any
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A unit ID that is not one NATS subject token of `[A-Za-z0-9_-]{1,64}`. */
export class InvalidUnitIdError extends NunectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "InvalidUnitIdError";
}

/** A subject that NATS would reject or misroute (spaces, empty tokens). */
export class InvalidSubjectError extends NunectError {
  /** The class name, spelled out so that minifiers keep it. */
  override readonly name: string = "InvalidSubjectError";
}
