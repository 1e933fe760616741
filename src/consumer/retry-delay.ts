/**
 * The delay of a failed message's next attempt, from the handler's `retryDelay` option: a fixed
 * number, a function of the attempt, or the default exponential backoff. A function's answer is
 * checked every time, since a message must never be sent with a delay nobody chose (a negative
 * or NaN TTL is refused by the broker; a too long timer fires at once).
 */

import { InputError } from '../errors.js';
import { exponentialBackoff } from './backoff.js';
import { describeValue, RetryDelayError } from './errors.js';
import { MAX_RETRY_DELAY_MS, type RetryDelayFunction } from './options.js';

/** The option as a function (a number is the same delay for every attempt). */
export function retryDelayFunction(
  option: number | RetryDelayFunction | undefined,
): RetryDelayFunction {
  if (option === undefined) return exponentialBackoff();
  if (typeof option === 'function') return option;
  return () => option;
}

/**
 * The delay after failed attempt `attempt`, in whole milliseconds.
 * @throws {RetryDelayError} when the function throws or returns no valid delay.
 */
export function delayFor(delay: RetryDelayFunction, attempt: number, error: unknown): number {
  let value: unknown;
  try {
    value = delay(attempt, error);
  } catch (thrown) {
    const text = thrown instanceof Error ? thrown.message : String(thrown);
    throw new RetryDelayError(attempt, `threw: ${text}`, thrown);
  }
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new RetryDelayError(attempt, `returned ${describeValue(value)}, not a number of ms`);
  }
  if (!(value >= 0 && value <= MAX_RETRY_DELAY_MS)) {
    throw new RetryDelayError(
      attempt,
      `returned ${value}, outside 0..${MAX_RETRY_DELAY_MS} ms (about 24.8 days)`,
    );
  }
  return Math.round(value);
}

/**
 * Checks the option at `handle()`: a number must be a valid delay, and a function must give one
 * for each attempt it will be asked about (1 to `maxAttempts - 1`), so that a deterministic
 * mistake fails before any message is consumed.
 * @throws {InputError} with the {@link RetryDelayError} as its cause.
 */
export function checkRetryDelay(option: unknown, maxAttempts: number): void {
  if (option === undefined) return;
  if (typeof option === 'number') {
    if (!(option >= 0 && option <= MAX_RETRY_DELAY_MS)) {
      throw new InputError(
        `retryDelay must be a number of ms from 0 to ${MAX_RETRY_DELAY_MS}, got ${option}`,
      );
    }
    return;
  }
  if (typeof option !== 'function') {
    throw new InputError(
      `retryDelay must be a number of ms or a function of the attempt, got ${describeValue(option)}`,
    );
  }
  const probe = new Error('retryDelay probe at handle()');
  for (let attempt = 1; attempt < maxAttempts; attempt++) {
    try {
      delayFor(option as RetryDelayFunction, attempt, probe);
    } catch (error) {
      throw new InputError(`invalid ${(error as Error).message}`, { cause: error });
    }
  }
}
