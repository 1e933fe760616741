/**
 * The `signal` of requests: a client's and a call's combined into one, checked as input, and
 * turned into a {@link TaskclusterAbortError} once it aborted.
 */
import { InputError } from '../errors.js';
import { TaskclusterAbortError } from './errors.js';

/** `value` as the signal option `name`: undefined, or an `AbortSignal` (else an InputError). */
export function checkSignal(name: string, value: unknown): AbortSignal | undefined {
  if (value === undefined || value instanceof AbortSignal) return value;
  throw new InputError(`${name} must be an AbortSignal`);
}

/**
 * One signal that aborts when either does, or the one given, or none: most calls have at most
 * one, and cost no extra signal.
 */
export function eitherSignal(first: AbortSignal | undefined, second: AbortSignal): AbortSignal;
export function eitherSignal(
  first: AbortSignal | undefined,
  second: AbortSignal | undefined,
): AbortSignal | undefined;
export function eitherSignal(
  first: AbortSignal | undefined,
  second: AbortSignal | undefined,
): AbortSignal | undefined {
  if (first === undefined) return second;
  if (second === undefined || second === first) return first;
  return AbortSignal.any([first, second]);
}

/** Throws the {@link TaskclusterAbortError} of a request once `signal` has aborted. */
export function throwIfAborted(
  signal: AbortSignal | undefined,
  request: { method: string; url: string; attempts: number },
): void {
  if (signal?.aborted) throw new TaskclusterAbortError(request, signal.reason);
}

/**
 * `promise`, or the request's {@link TaskclusterAbortError} as soon as `signal` aborts: for work
 * that cannot itself be cut off (a fake's answer), so that the caller stops waiting at once.
 */
export function untilAborted<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  request: { method: string; url: string; attempts: number },
): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new TaskclusterAbortError(request, signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
