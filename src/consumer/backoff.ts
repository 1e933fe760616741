/**
 * Reconnect delays: exponential in the attempt number, jittered so that many consumers do not
 * reconnect in step, capped, and never below a minimum.
 */

import {
  RECONNECT_BASE_DELAY_MS,
  RECONNECT_JITTER,
  RECONNECT_MAX_DELAY_MS,
  RECONNECT_MIN_DELAY_MS,
} from './options.js';

/** Bounds of reconnect delays, in milliseconds. */
export interface BackoffOptions {
  baseDelay?: number | undefined;
  maxDelay?: number | undefined;
  minDelay?: number | undefined;
}

/** The delay before reconnect attempt `attempt` (1 for the first retry), in milliseconds. */
export function reconnectDelay(
  attempt: number,
  options: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const base = options.baseDelay ?? RECONNECT_BASE_DELAY_MS;
  const max = options.maxDelay ?? RECONNECT_MAX_DELAY_MS;
  const min = options.minDelay ?? RECONNECT_MIN_DELAY_MS;
  const exponential = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  const jittered = exponential * (1 + RECONNECT_JITTER * (2 * random() - 1));
  return Math.round(Math.min(max, Math.max(min, jittered)));
}
