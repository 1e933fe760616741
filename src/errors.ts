/**
 * The base of every error this package throws, and the error for bad input.
 * Module-specific errors (HTTP, artifacts, consumer) extend {@link TaskclusterPulseError}
 * in their own modules. No message built here or there may contain a secret.
 */

/** Options common to every error of this package. */
export interface ErrorOptions {
  /** The underlying error, when there is one. */
  cause?: unknown;
}

/**
 * The base class of every error this package throws; `code` is stable and machine-readable, and
 * each class types it as the union of the codes it throws with (`Code`), so a `switch` over an
 * error's code is checked.
 */
export class TaskclusterPulseError<Code extends string = string> extends Error {
  override name = 'TaskclusterPulseError';
  /** A stable, machine-readable code such as `InputError` or `InsufficientScopes`. */
  readonly code: Code;

  constructor(code: Code, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/** Bad arguments or options, detected before anything is sent. */
export class InputError extends TaskclusterPulseError<'InputError'> {
  override name = 'InputError';

  constructor(message: string, options: ErrorOptions = {}) {
    super('InputError', message, options);
  }
}
