/** Base class of every error nunect raises for invalid input; `cause` carries the origin. */
export class NunectError extends Error {
  /**
   * @param message what is wrong, with the offending value quoted
   * @param options the underlying cause, if any
   */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A unit ID that is not one NATS subject token of `[A-Za-z0-9_-]{1,64}`. */
export class InvalidUnitIdError extends NunectError {}

/** A subject that NATS would reject or misroute (spaces, empty tokens). */
export class InvalidSubjectError extends NunectError {}
