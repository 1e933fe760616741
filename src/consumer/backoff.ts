/**
 * Exponential delays, jittered so that many consumers (or many failed messages) do not come
 * back in step, capped, and never below a minimum: the reconnect delays, and the default
 * delays of a failed message's retries.
 */

import { InputError } from '../errors.js';
import {
  DEFAULT_RETRY_DELAY_MS,
  DEFAULT_RETRY_JITTER,
  DEFAULT_RETRY_MAX_DELAY_MS,
  RECONNECT_BASE_DELAY_MS,
  RECONNECT_JITTER,
  RECONNECT_MAX_DELAY_MS,
  RECONNECT_MIN_DELAY_MS,
  type RetryDelayFunction,
} from './options.js';

/** Bounds of reconnect delays, in milliseconds. */
export interface BackoffOptions {
  baseDelay?: number | undefined;
  maxDelay?: number | undefined;
  minDelay?: number | undefined;
}

/** The shape of an exponential delay: `min(max, base * 2^(n-1))`, jittered by +/-`jitter`. */
interface Exponential {
  base: number;
  max: number;
  min: number;
  jitter: number;
}

/** Delay number `n` (from 1) of an exponential backoff, in whole milliseconds. */
function exponentialDelay(n: number, shape: Exponential, random: () => number): number {
  const exponential = Math.min(shape.max, shape.base * 2 ** Math.max(0, n - 1));
  const jittered = exponential * (1 + shape.jitter * (2 * random() - 1));
  return Math.round(Math.min(shape.max, Math.max(shape.min, jittered)));
}

/** The delay before reconnect attempt `attempt` (1 for the first retry), in milliseconds. */
export function reconnectDelay(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  return exponentialDelay(
    attempt,
    {
      base: options.baseDelay ?? RECONNECT_BASE_DELAY_MS,
      max: options.maxDelay ?? RECONNECT_MAX_DELAY_MS,
      min: options.minDelay ?? RECONNECT_MIN_DELAY_MS,
      jitter: RECONNECT_JITTER,
    },
    random,
  );
}

/** Options of {@link exponentialBackoff}, in milliseconds. */
export interface ExponentialBackoffOptions {
  /** The delay after the first failed attempt; defaults to {@link DEFAULT_RETRY_DELAY_MS}. */
  base?: number;
  /** The longest delay; defaults to {@link DEFAULT_RETRY_MAX_DELAY_MS}. */
  max?: number;
  /**
   * Relative jitter, from 0 to 1: 0.2 spreads each delay over +/-20 %, so that messages that
   * failed together (a REST outage) do not all come back at once. Defaults to
   * {@link DEFAULT_RETRY_JITTER}.
   */
  jitter?: number;
  /** The source of randomness, `Math.random` unless given (tests pin it). */
  random?: () => number;
}

/**
 * A `retryDelay` function (see `HandlerOptions.retryDelay`): after failed attempt `n` a
 * message waits `min(max, base * 2^(n-1))`, jittered by +/-`jitter` and capped at `max`
 * again. The defaults give 10 s, 20 s, 40 s, 80 s (each +/-20 %) for the four retries of the
 * default five attempts; the tenth retry would wait 5120 s, so it is capped at 600 s.
 * @throws {InputError} for a base or max that is not a non-negative number, a max below the
 * base, or a jitter outside 0..1; checked here, before any message fails.
 */
export function exponentialBackoff(options: ExponentialBackoffOptions = {}): RetryDelayFunction {
  const base = options.base ?? DEFAULT_RETRY_DELAY_MS;
  const max = options.max ?? Math.max(base, DEFAULT_RETRY_MAX_DELAY_MS);
  const jitter = options.jitter ?? DEFAULT_RETRY_JITTER;
  const random = options.random ?? Math.random;
  for (const [name, value] of [
    ['base', base],
    ['max', max],
  ] as const) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new InputError(`exponentialBackoff: ${name} must be a non-negative number of ms`);
    }
  }
  if (max < base) {
    throw new InputError(`exponentialBackoff: max (${max}) must not be below base (${base})`);
  }
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 1)) {
    throw new InputError(`exponentialBackoff: jitter must be between 0 and 1, got ${jitter}`);
  }
  return (attempt) => exponentialDelay(attempt, { base, max, min: 0, jitter }, random);
}
