/**
 * Errors of the consumer and publisher. Messages name queues, exchanges and arguments, never a
 * password: broker errors are passed through {@link redact} before they are wrapped.
 */

import { TaskclusterPulseError } from '../errors.js';

/** Why a message could not be decoded. */
export type PoisonReason =
  | 'not-json'
  | 'wrong-content-type'
  | 'unknown-exchange'
  | 'bad-routing-key'
  | 'schema-mismatch'
  | 'too-large';

/** A delivery that cannot be decoded; it goes to the dead-letter queue with `reason`. */
export class PoisonMessageError extends TaskclusterPulseError<'PoisonMessage'> {
  override name = 'PoisonMessageError';
  /** Why. */
  readonly reason: PoisonReason;

  constructor(reason: PoisonReason, message: string, cause?: unknown) {
    super('PoisonMessage', message, { cause });
    this.reason = reason;
  }
}

/** The broker could not be reached, refused the login, or closed the connection. */
export class PulseConnectionError extends TaskclusterPulseError<'PulseConnectionError'> {
  override name = 'PulseConnectionError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super('PulseConnectionError', message, options);
  }
}

/** The broker could not be reached, or refused the first connection; the message has no password. */
export class ConnectFailedError extends TaskclusterPulseError<'ConnectFailed'> {
  override name = 'ConnectFailedError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ConnectFailed', message, options);
  }
}

/**
 * A queue exists with other arguments than the ones asked for (the broker's 406
 * PRECONDITION_FAILED on redeclare): delete it, or ask for the arguments it has.
 */
export class QueueArgumentsMismatchError extends TaskclusterPulseError<'QueueArgumentsMismatch'> {
  override name = 'QueueArgumentsMismatchError';
  /** The full queue name. */
  readonly queue: string;
  /** The argument that differs, e.g. `x-queue-type`, when the broker says which. */
  readonly argument: string | undefined;

  constructor(queue: string, argument: string | undefined, detail: string, cause?: unknown) {
    super(
      'QueueArgumentsMismatch',
      `queue "${queue}" already exists with ${
        argument === undefined ? 'other arguments' : `another "${argument}"`
      } than asked for (${detail}); delete the queue or ask for the arguments it has`,
      { cause },
    );
    this.queue = queue;
    this.argument = argument;
  }
}

/**
 * A queue an operation needs does not exist (the broker's 404 NOT_FOUND, or a copy it returned
 * as unroutable): nothing was taken from any queue for it.
 */
export class QueueNotFoundError extends TaskclusterPulseError<'QueueNotFound'> {
  override name = 'QueueNotFoundError';
  /** The full queue name. */
  readonly queue: string;

  constructor(queue: string, consequence: string, cause?: unknown) {
    super('QueueNotFound', `queue "${queue}" does not exist: ${consequence}`, { cause });
    this.queue = queue;
  }
}

/**
 * A queue cannot be deleted while it has consumers: they would declare it again at once (a
 * consumer whose queue is deleted sets up again). Stop them first; nothing was deleted.
 */
export class QueueInUseError extends TaskclusterPulseError<'QueueInUse'> {
  override name = 'QueueInUseError';
  /** The full queue name. */
  readonly queue: string;
  /** Its consumers when it was checked. */
  readonly consumers: number;

  constructor(queue: string, consumers: number) {
    super(
      'QueueInUse',
      `queue "${queue}" has ${consumers} consumer(s): stop them before deleting it (they would declare it again); nothing was deleted`,
    );
    this.queue = queue;
    this.consumers = consumers;
  }
}

/** A binding names an exchange that does not exist (yet); other bindings keep working. */
export class MissingExchangeError extends TaskclusterPulseError<'MissingExchange'> {
  override name = 'MissingExchangeError';
  /** The exchange that does not exist. */
  readonly exchange: string;

  constructor(exchange: string, cause?: unknown) {
    super('MissingExchange', `exchange "${exchange}" does not exist`, { cause });
    this.exchange = exchange;
  }
}

/** The broker refused an operation on a queue or exchange (permissions, limits, ...). */
export class BrokerOperationError extends TaskclusterPulseError<'BrokerOperationError'> {
  override name = 'BrokerOperationError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super('BrokerOperationError', message, options);
  }
}

/** A message could not be published before its deadline, or the broker refused it. */
export class PublishError extends TaskclusterPulseError<'PublishError'> {
  override name = 'PublishError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super('PublishError', message, options);
  }
}

/** A payload does not match the exchange's JSON schema; nothing was published. */
export class PayloadValidationError extends TaskclusterPulseError<'PayloadValidationError'> {
  override name = 'PayloadValidationError';
  /** The validator's findings, as `path: message` lines. */
  readonly details: readonly string[];

  constructor(exchange: string, details: readonly string[]) {
    super(
      'PayloadValidationError',
      `payload for exchange "${exchange}" does not match its schema: ${details.join('; ')}`,
    );
    this.details = details;
  }
}

/** A handler did not settle within its timeout; the message is retried. */
export class HandlerTimeoutError extends TaskclusterPulseError<'HandlerTimeout'> {
  override name = 'HandlerTimeoutError';

  constructor(timeoutMs: number) {
    super('HandlerTimeout', `the handler did not finish within ${timeoutMs} ms`);
  }
}

/**
 * A `retryDelay` function threw, or returned something that is not a delay (negative, NaN,
 * infinite, above `MAX_RETRY_DELAY_MS`, not a number). At `handle()` this is the cause of an
 * `InputError`; for one failed message later, the message is dead-lettered with reason
 * `retry-delay-failed` and this error's message.
 */
export class RetryDelayError extends TaskclusterPulseError<'RetryDelayError'> {
  override name = 'RetryDelayError';
  /** The failed attempt the delay was asked for. */
  readonly attempt: number;

  constructor(attempt: number, problem: string, cause?: unknown) {
    super('RetryDelayError', `retryDelay for attempt ${attempt} ${problem}`, { cause });
    this.attempt = attempt;
  }
}

/** The consumer or publisher was closed. */
export class ClosedError extends TaskclusterPulseError<'Closed'> {
  override name = 'ClosedError';

  constructor(what: string) {
    super('Closed', `${what} is closed`);
  }
}

/**
 * A value as an error message about an option shows it: a string quoted, an array or object by
 * its kind. Never `String()` of an object, which throws where its `toString` is not a function
 * (a property test found `{ toString: [] }`): the check must end in its own error, not a
 * TypeError.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

/** The text of an error with every given secret replaced by `***`. */
export function redact(error: unknown, secrets: readonly string[]): string {
  let text = error instanceof Error ? error.message : String(error);
  for (const secret of secrets) {
    if (secret === '') continue;
    text = text.split(secret).join('***');
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) text = text.split(encoded).join('***');
  }
  return text;
}
